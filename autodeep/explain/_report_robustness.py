"""The report's "How easily it is fooled" section, for image and tabular models: the
accuracy (or error) under the FGSM and PGD attacks of
:mod:`autodeep.explain._robustness` on the report's sample, as a curve and one
sentence in the user's units."""

from __future__ import annotations

import numpy as np

from autodeep._multimodal import is_multimodal
from autodeep.explain import _figures as figures
from autodeep.explain import _html
from autodeep.explain._report_data import Context, Section, take_rows
from autodeep.explain._robustness import Target, continuous_width, curves

# Rows attacked at most (a random sample of the report's rows above it).
ROWS = 200
# A drop this large (accuracy points, or this share of the error) is worth a sentence.
NOTABLE = 0.05


def fooled(context: Context) -> Section | None:
    """The section; None for text models (tokens are not perturbed) and for frames
    whose only columns are text and images."""
    if context.kind == "text":
        return None
    mixed = is_multimodal(getattr(context.estimator, "column_types_", {}))
    if mixed and continuous_width(context.estimator.preprocessor_) == 0:
        return None  # no numeric column to perturb
    n = len(context.y)
    rows = np.arange(n)
    if n > ROWS:
        rows = np.sort(np.random.default_rng(0).choice(n, ROWS, replace=False))
    target = Target(context.estimator, take_rows(context.X, rows), context.y[rows])
    table = curves(target)
    which = (
        f"these {n} {context.noun}s"
        if n <= ROWS
        else f"{ROWS} of these {n} {context.noun}s, chosen at random"
    )
    measure = "accuracy" if context.classifier else "error"
    pgd = table[table["attack"] == "pgd"].sort_values("epsilon")
    clean, values = float(pgd[measure].iloc[0]), pgd[measure].to_numpy()
    change = clean - values if context.classifier else values - clean
    limit = NOTABLE if context.classifier else NOTABLE * max(clean, 1e-12)
    notable = pgd[change >= limit]
    row = notable.iloc[0] if len(notable) else pgd.iloc[-1]
    size = _size_words(target, float(row["epsilon"]))
    if mixed:
        size += " (texts and images left as they are)"
    before, after = _value(context, clean), _value(context, float(row[measure]))
    words = "accuracy" if context.classifier else "the mean absolute error"
    verb = "drops accuracy" if context.classifier else "raises the mean absolute error"
    if len(notable):
        sentence = (
            f"An attacker who can change {size} {verb} from {before} to {after} on "
            f"{which} (the PGD attack, 10 steps)."
        )
    else:
        sentence = (
            f"Even changing {size} moves {words} only from {before} to {after} on "
            f"{which} (the PGD attack, 10 steps)."
        )
    sentences = [
        sentence,
        "An attack searches for the most harmful change within that size, so this is "
        "a worst case, not the effect of random noise of that size.",
    ]
    if context.kind == "tabular":
        sentences.append(
            "Only numeric (and date) columns were changed; categorical columns "
            "and missing-value flags were left as they are."
        )
    section = Section("robustness", "How easily it is fooled")
    section.blocks.append(_html.paragraphs(sentences))
    xlabel = (
        "largest change of each pixel"
        if context.kind == "image"
        else "largest change of each numeric column\n(in standard deviations)"
    )
    section.blocks.append(
        _html.figure(
            figures.attack_curves(table, measure, xlabel),
            "FGSM takes one step in the worst direction; PGD takes ten smaller ones "
            "and usually finds more.",
        )
    )
    return section


def _size_words(target: Target, epsilon: float) -> str:
    if target.high is not None:  # images
        return (
            f"each pixel by at most {epsilon * 255 / target.high:.0f}/255 of its range"
        )
    return f"each numeric column by at most {epsilon:g} standard deviations"


def _value(context: Context, value: float) -> str:
    return f"{100 * value:.0f} %" if context.classifier else f"{value:.4g}"
