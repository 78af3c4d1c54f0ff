"""The report's sections built on explanations: drivers, examples and trust checks."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from autodeep.explain import _figures as figures
from autodeep.explain import _html
from autodeep.explain._explanation import Explanation
from autodeep.explain._report_data import Context, Section, column, take_rows
from autodeep.explain._trust import (
    DeletionCheck,
    RandomizationCheck,
    SamenessCheck,
    deletion_check,
    randomization_check,
    sameness_check,
)


def drivers(context: Context, explanation: Explanation) -> Section:
    section = Section("drivers", "What drives the predictions")
    method = _method_words(explanation.method)
    if context.kind == "tabular":
        scale = _output_scale(context, explanation, 0)
        importance = pd.Series(explanation.global_importance()) * scale
        in_units = not context.classifier and explanation.signed
        units = ", in the target's units" if in_units else ""
        section.blocks.append(
            _html.figure(
                figures.importance_bars(importance, "average influence per column"),
                f"How much each column moved the predictions on average ({method}, "
                f"{len(explanation)} {context.noun}s{units}). Longer bars matter more.",
            )
        )
        name = "mean absolute attribution" + units.replace(",", "")
        top = importance.head(15).rename(name).to_frame()
        section.blocks.append(_html.table(top, digits=3))
    elif context.kind == "image":
        maps, titles = _class_average_maps(context, explanation)
        section.blocks.append(
            _html.figure(
                figures.image_grid(maps, titles),
                f"Where the model looks, averaged over the images of each predicted "
                f"class ({method}); bright areas matter more.",
            )
        )
    else:
        section.blocks.append(
            _html.paragraphs([f"Words that push toward each prediction ({method}):"])
        )
        section.blocks.append(_html.table(_top_tokens(context, explanation)))
    return section


def examples(context: Context, explanation: Explanation) -> Section:
    section = Section("examples", "Examples, explained")
    picked = _pick_examples(context)
    shown = [group for group, positions in picked if positions]
    intro = [f"Chosen automatically: {_list_words([GROUP_WORDS[g] for g in shown])}."]
    if context.classifier and BORDERLINE not in shown:
        intro.append(
            "None was borderline: for every explained example the most likely class "
            f"led the next one by at least {BORDERLINE_MARGIN * 100:.0f} percentage "
            "points of probability."
        )
    intro.append(_legend(context, explanation))
    section.blocks.append(_html.paragraphs([" ".join(intro)]))
    for group, positions in picked:
        for position in positions:
            section.blocks.append(_example(context, explanation, group, position))
    return section


BORDERLINE = "Borderline"
# A prediction is borderline when its two most likely classes are this close.
BORDERLINE_MARGIN = 0.2
GROUP_WORDS = {
    "Most confident, right": "the right predictions the model was most sure of",
    "Most confident, wrong": "the wrong ones it was most sure of",
    BORDERLINE: (
        "borderline ones (the two most likely classes within "
        f"{BORDERLINE_MARGIN * 100:.0f} percentage points)"
    ),
    "Most accurate": "the most accurate predictions",
    "Furthest off": "the furthest off",
    "Typical": "typical ones (errors from the median up)",
}


def _list_words(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _legend(context: Context, explanation: Explanation) -> str:
    """What the colours mean, for the kind of model and method shown."""
    if not explanation.signed:
        if context.kind == "image":
            return (
                "Each map is laid over its image: the brighter the colour, the more "
                "that area mattered (the method gives strength, not direction)."
            )
        return (
            "Longer bars and stronger colours mattered more (the method gives "
            "strength, not direction)."
        )
    if context.classifier:
        return "Blue pushed toward the predicted class, red away from it."
    return "Blue raised the predicted value, red lowered it."


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
    words = []
    if checks.replaced is not None:
        method, failed = checks.replaced
        words.append(
            f"The default method for this model, {_method_words(method)}, failed "
            f"{_list_words(_failed_names(failed))}, so this report shows "
            f"{_method_words(checks.randomization.method)} instead, which passed "
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
    words.append(f"<b>Verdict:</b> {verdict}")
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
        return (
            "<b>Passed: maps differ between images.</b> The maps of different images "
            f"are not copies of one another (average correlation {check.similarity:.2f}"
            "; below 0.9 passes)."
        )
    return (
        "<b>Failed: maps differ between images.</b> The maps of different images are "
        f"nearly the same (average correlation {check.similarity:.2f}; below 0.9 "
        "passes): they show where the model looks in general, not what decided each "
        "image."
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


def _method_words(method: str) -> str:
    return {
        "integrated_gradients": "integrated gradients",
        "gradcam": "Grad-CAM",
        "smoothgrad": "SmoothGrad",
        "saliency": "gradients",
        "gradient_x_input": "gradient times input",
        "occlusion": "occlusion",
    }[method]


def _class_average_maps(
    context: Context, explanation: Explanation
) -> tuple[list[np.ndarray], list[str]]:
    from matplotlib import colormaps

    heat = np.array([explanation.heatmap(i) for i in range(len(explanation))])
    predicted = context.pred[context.sample]
    groups = list(context.classes) if context.classifier else [None]
    maps, titles = [], []
    for label in groups[:20]:
        rows = np.ones(len(heat), bool) if label is None else predicted == label
        if rows.any():
            maps.append(colormaps["inferno"](heat[rows].mean(axis=0))[..., :3])
            titles.append("all" if label is None else f"{label} ({rows.sum()})")
    return maps, titles


def _top_tokens(
    context: Context, explanation: Explanation, top: int = 8
) -> pd.DataFrame:
    frame = explanation.to_frame()
    labels = np.asarray(explanation.targets, dtype=object)
    frame["target"] = labels[frame["row"].to_numpy()]
    columns = {}
    for label, part in frame.groupby("target", sort=True):
        score = part.groupby("token")["attribution"].sum() / part["row"].nunique()
        best = score.sort_values(ascending=False).head(top)
        columns[str(label)] = [
            f"{token} ({value:+.2f})" for token, value in best.items()
        ]
    length = max((len(v) for v in columns.values()), default=0)
    return pd.DataFrame({k: v + [""] * (length - len(v)) for k, v in columns.items()})


def _pick_examples(context: Context) -> list[tuple[str, list[int]]]:
    """Positions (within the explained sample) of 6 to 12 examples, by kind."""
    rows = context.sample
    y, pred = context.y[rows], context.pred[rows]
    if context.classifier:
        proba = np.sort(context.proba[rows], axis=1)
        confidence, margin = proba[:, -1], proba[:, -1] - proba[:, -2]
        right = np.flatnonzero(y == pred)
        wrong = np.flatnonzero(y != pred)
        near = np.argsort(margin)
        groups: list[tuple[str, np.ndarray]] = [
            ("Most confident, right", right[np.argsort(-confidence[right])]),
            ("Most confident, wrong", wrong[np.argsort(-confidence[wrong])]),
            (BORDERLINE, near[margin[near] < BORDERLINE_MARGIN]),
        ]
    else:
        error = np.abs(column(pred) - column(y))
        order = np.argsort(error)
        middle = order[len(order) // 2 :]
        groups = [
            ("Most accurate", order),
            ("Furthest off", order[::-1]),
            ("Typical", middle),
        ]
    chosen: list[tuple[str, list[int]]] = []
    used: set[int] = set()
    quota = {name: 3 for name, _ in groups}
    shortfall = 0
    for name, candidates in groups:
        picked = [int(p) for p in candidates if p not in used][
            : quota[name] + shortfall
        ]
        used.update(picked)
        shortfall = quota[name] + shortfall - len(picked)
        chosen.append((name, picked))
    if shortfall and len(used) < 6:  # too few wrong or borderline: more right ones
        extra = [int(p) for p in groups[0][1] if p not in used][: 6 - len(used)]
        chosen[0] = (chosen[0][0], chosen[0][1] + extra)
    return [(name, picked) for name, picked in chosen if picked]


def _example(
    context: Context, explanation: Explanation, group: str, position: int
) -> str:
    row = context.sample[position]
    values = explanation.attributions[position]
    caption = _caption(context, explanation, row, position)
    if context.kind == "image":
        picture = figures.attribution_overlay(
            explanation.image(position),
            _in_output_units(context, explanation, position),
            explanation.signed,
            _bar_label(context, explanation),
        )
        body = _html.image(picture, width=360)
    elif context.kind == "text":
        body = _html.tokens(
            explanation.unit_names[position], values, str(explanation.inputs[position])
        )
    else:
        body = _html.image(
            figures.signed_bars(
                explanation.unit_names[position],
                _in_output_units(context, explanation, position),
                _bar_label(context, explanation),
            ),
            width=460,
        )
    return _html.example(group, body, caption)


def _in_output_units(
    context: Context, explanation: Explanation, position: int
) -> np.ndarray:
    """Row ``position``'s attributions; a regressor's signed ones in the target's
    units (the network predicts the standardized target: its outputs, and the
    additive attributions that split them, are scaled by the target's spread)."""
    return explanation.attributions[position] * _output_scale(
        context, explanation, position
    )


def _output_scale(context: Context, explanation: Explanation, position: int) -> float:
    """The factor from a row's attributions to the target's units (1 when they have
    none: classifiers, magnitude-only methods)."""
    if context.classifier or not explanation.signed:
        return 1.0
    scale = np.atleast_1d(context.estimator.target_transform_[1])
    return float(scale[int(explanation.targets[position])])


def _bar_label(context: Context, explanation: Explanation) -> str:
    if not explanation.signed:
        return "strength of influence"
    if context.classifier:
        return "attribution (blue toward, red away)"
    return "change in the predicted value"


def _caption(
    context: Context, explanation: Explanation, row: int, position: int
) -> str:
    """One sentence: the prediction, the truth, and what mattered most."""
    truth, predicted = context.y[row], context.pred[row]
    if context.classifier:
        confidence = float(context.proba[row].max())
        sure = "over 99%" if confidence > 0.99 else f"{confidence:.0%}"
        verdict = "right" if truth == predicted else "wrong"
        opening = (
            f"Predicted {_html.quote(predicted)} with {sure} confidence (true class "
            f"{_html.quote(truth)}: {verdict})"
        )
    else:
        opening = (
            f"Predicted {float(column([predicted])[0]):.3g} against a true value of "
            f"{float(column([truth])[0]):.3g}"
        )
    values = _in_output_units(context, explanation, position)
    if context.kind == "image":
        if not explanation.signed:
            return f"{opening}; the brightest area is what the model relied on most."
        if context.classifier:
            return f"{opening}; blue areas pushed toward the prediction, red away."
        return f"{opening}; blue areas raised the prediction, red lowered it."
    if len(values) == 0:
        return f"{opening}; the text is empty, so there is nothing to highlight."
    strongest = int(np.argmax(np.abs(values)))
    top = _html.quote(explanation.unit_names[position][strongest])
    value = float(values[strongest])
    if not explanation.signed:
        return f"{opening}; {top} mattered most."
    if context.classifier:
        way = "toward" if value > 0 else "away from"
        return (
            f"{opening}; {top} mattered most, pushing {way} "
            f"{_html.quote(explanation.targets[position])}."
        )
    way = "raised" if value > 0 else "lowered"
    return (
        f"{opening}; {top} mattered most: it {way} the prediction by {abs(value):.3g}."
    )


RANK_WORDS = (
    "<i>Rank correlation</i> compares the order of importance in the two sets of "
    "explanations: 1 means the same order, 0 no relation."
)
AREA_WORDS = (
    "<i>Area under the curve</i> is the average prediction over the removal steps "
    "drawn below: the lower, the faster it fell."
)


def _trust_words(randomization: Any, deletion: Any, n: int, noun: str) -> list[str]:
    words = [
        f"Two standard checks were run on {n} {noun}s with the method used here "
        f"({_method_words(randomization.method)}).",
    ]
    if randomization.passed:
        words.append(
            "<b>Passed: sensitivity to the model.</b> When the model's learned weights "
            "are replaced by random ones, the explanations change completely (rank "
            f"correlation {randomization.correlation:.2f}; below 0.5 passes). So they "
            f"reflect what the model learned. {RANK_WORDS}"
        )
    else:
        words.append(
            "<b>Failed: sensitivity to the model.</b> The explanations look much the "
            "same for a model with random weights (rank correlation "
            f"{randomization.correlation:.2f}; below 0.5 passes). They may show the "
            f"input's own structure rather than what the model learned. {RANK_WORDS}"
        )
    if deletion.passed:
        words.append(
            "<b>Passed: faithfulness.</b> Removing the parts the explanations point at "
            "first lowers the prediction faster than removing random parts (area "
            f"under the curve {deletion.auc:.3f} against {deletion.random_auc:.3f}). "
            + AREA_WORDS
        )
    else:
        words.append(
            "<b>Failed: faithfulness.</b> Removing the parts the explanations point at "
            "does not lower the prediction faster than removing random parts (area "
            f"under the curve {deletion.auc:.3f} against {deletion.random_auc:.3f}). "
            + AREA_WORDS
        )
    return words
