"""The report's trust section: which explanation it shows, the checks run on it,
and what they found."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from autodeep.explain import _figures as figures
from autodeep.explain import _html
from autodeep.explain._explanation import Explanation
from autodeep.explain._report_data import (
    Context,
    Section,
    list_words,
    method_words,
    take_rows,
)
from autodeep.explain._trust import (
    DeletionCheck,
    RandomizationCheck,
    SamenessCheck,
    deletion_check,
    randomization_check,
    sameness_check,
)


@dataclass
class Checks:
    """The trust checks of one explanation; ``sameness`` for images only."""

    randomization: RandomizationCheck
    deletion: DeletionCheck
    sameness: SamenessCheck | None = None
    # Set when the report replaced the default method: its name and its checks.
    replaced: tuple[str, Checks] | None = None

    @property
    def passed(self) -> bool:
        return (
            self.randomization.passed
            and self.deletion.passed
            and (self.sameness is None or self.sameness.passed)
        )


# For images, the method the report falls back to when the default one fails a check.
IMAGE_FALLBACK = "integrated_gradients"


def explain_and_check(
    context: Context, rows: Any, size: int
) -> tuple[Explanation, Checks]:
    """The explanation the report shows, with its checks.

    The estimator's default method, except for images where it fails a check and
    integrated gradients pass all three: the report then shows those and says why."""
    explanation = context.estimator.explain(rows)
    checks = run_checks(context, explanation, size)
    if context.kind != "image" or checks.passed or explanation.method == IMAGE_FALLBACK:
        return explanation, checks
    other = context.estimator.explain(rows, method=IMAGE_FALLBACK)
    other_checks = run_checks(context, other, size)
    if not other_checks.passed:
        return explanation, checks
    other_checks.replaced = (explanation.method, checks)
    return other, other_checks


def run_checks(context: Context, explanation: Explanation, size: int) -> Checks:
    """The checks on the first ``size`` explained rows, reusing their explanation."""
    estimator = context.estimator
    rows = take_rows(context.X, context.sample[:size])
    checked = _first_rows(explanation, size)
    randomization = randomization_check(
        estimator, rows, method=explanation.method, explanation=checked
    )
    return Checks(
        randomization,
        deletion_check(estimator, rows, checked),
        sameness_check(explanation),
    )


def trust(context: Context, checks: Checks) -> Section:
    randomization, deletion = checks.randomization, checks.deletion
    section = Section("trust", "Can the explanations be trusted?")
    words: list[str] = []
    if checks.replaced is not None:
        method, failed = checks.replaced
        words.append(
            f"The default method for this model, {method_words(method)}, failed "
            f"{list_words(_failed_names(failed))}, so this report shows "
            f"{method_words(checks.randomization.method)} instead, which passed "
            "them all."
        )
    words += _trust_words(
        randomization, deletion, len(randomization.per_row), context.noun
    )
    if checks.sameness is not None:
        words.append(_sameness_words(checks.sameness))
    verdict = (
        "The explanations can be trusted to show what this model relies on."
        if checks.passed
        else "Treat the explanations with caution."
    )
    words.append(_html.bold("Verdict:") + f" {verdict}")
    section.blocks.append(_html.paragraphs(words))
    ylabel = (
        "probability of the class" if context.classifier else "predicted value (scaled)"
    )
    section.blocks.append(
        _html.figure(
            figures.deletion_curves(deletion.curve, deletion.random_curve, ylabel),
            "Deletion check: the prediction as more and more of the input is removed.",
        )
    )
    return section


def _failed_names(checks: Checks) -> list[str]:
    names = []
    if not checks.randomization.passed:
        names.append("the sensitivity check")
    if not checks.deletion.passed:
        names.append("the faithfulness check")
    if checks.sameness is not None and not checks.sameness.passed:
        names.append("the check that its maps differ between images")
    return names


def _sameness_words(check: SamenessCheck) -> str:
    if check.passed:
        return _html.bold("Passed: maps differ between images.") + (
            " The maps of different images are not copies of one another (average "
            f"correlation {check.similarity:.2f}; below 0.9 passes)."
        )
    return _html.bold("Failed: maps differ between images.") + (
        " The maps of different images are nearly the same (average correlation "
        f"{check.similarity:.2f}; below 0.9 passes): they show where the model looks "
        "in general, not what decided each image."
    )


def _first_rows(explanation: Explanation, n: int) -> Explanation:
    """The explanation of its first ``n`` rows."""
    images = explanation.images
    probabilities = explanation.probabilities
    return dataclasses.replace(
        explanation,
        attributions=explanation.attributions[:n],
        unit_names=explanation.unit_names[:n],
        inputs=take_rows(explanation.inputs, np.arange(min(n, len(explanation)))),
        targets=explanation.targets[:n],
        predictions=explanation.predictions[:n],
        probabilities=None if probabilities is None else probabilities[:n],
        images=None if images is None else images[:n],
        output=None if explanation.output is None else explanation.output[:n],
        reference_output=(
            None
            if explanation.reference_output is None
            else explanation.reference_output[:n]
        ),
    )


RANK_WORDS = _html.italic("Rank correlation") + (
    " compares the order of importance in the two sets of explanations: 1 means the "
    "same order, 0 no relation."
)
AREA_WORDS = _html.italic("Area under the curve") + (
    " is the average prediction over the removal steps drawn below: the lower, the "
    "faster it fell."
)


def _trust_words(
    randomization: RandomizationCheck, deletion: DeletionCheck, n: int, noun: str
) -> list[str]:
    words = [
        f"Two standard checks were run on {n} {noun}s with the method used here "
        f"({method_words(randomization.method)}).",
    ]
    if randomization.passed:
        words.append(
            _html.bold("Passed: sensitivity to the model.")
            + " When the model's learned weights are replaced by random ones, the "
            "explanations change completely (rank correlation "
            f"{randomization.correlation:.2f}; below 0.5 passes). So they reflect "
            "what the model learned. " + RANK_WORDS
        )
    else:
        words.append(
            _html.bold("Failed: sensitivity to the model.")
            + " The explanations look much the same for a model with random weights "
            f"(rank correlation {randomization.correlation:.2f}; below 0.5 passes). "
            "They may show the input's own structure rather than what the model "
            "learned. " + RANK_WORDS
        )
    area = (
        f"(area under the curve {deletion.auc:.3f} against {deletion.random_auc:.3f}). "
    )
    if deletion.passed:
        words.append(
            _html.bold("Passed: faithfulness.")
            + " Removing the parts the explanations point at first lowers the "
            "prediction faster than removing random parts " + area + AREA_WORDS
        )
    else:
        words.append(
            _html.bold("Failed: faithfulness.")
            + " Removing the parts the explanations point at does not lower the "
            "prediction faster than removing random parts " + area + AREA_WORDS
        )
    return words
