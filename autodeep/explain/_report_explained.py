"""The report's sections built on explanations: drivers, examples and trust checks."""

from __future__ import annotations

import dataclasses
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
    deletion_check,
    randomization_check,
)


def drivers(context: Context, explanation: Explanation) -> Section:
    section = Section("drivers", "What drives the predictions")
    method = _method_words(explanation.method)
    if context.kind == "tabular":
        importance = pd.Series(explanation.global_importance())
        section.blocks.append(
            _html.figure(
                figures.importance_bars(importance, "average influence per column"),
                f"How much each column moved the predictions on average ({method}, "
                f"{len(explanation)} {context.noun}s). Longer bars matter more.",
            )
        )
        top = importance.head(15).rename("mean absolute attribution").to_frame()
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
    section.blocks.append(
        _html.paragraphs(
            [
                "Chosen automatically: the right predictions the model was most sure of, "
                "the wrong ones it was most sure of, and borderline ones. Blue pushed "
                "toward the prediction being explained, red away from it."
            ]
        )
    )
    for group, positions in _pick_examples(context):
        for position in positions:
            section.blocks.append(_example(context, explanation, group, position))
    return section


def run_checks(
    context: Context, explanation: Explanation, size: int
) -> tuple[RandomizationCheck, DeletionCheck]:
    """Both checks on the first ``size`` explained rows, reusing their explanation."""
    estimator = context.estimator
    rows = take_rows(context.X, context.sample[:size])
    checked = _first_rows(explanation, size)
    randomization = randomization_check(
        estimator, rows, method=explanation.method, explanation=checked
    )
    return randomization, deletion_check(estimator, rows, checked)


def trust(
    context: Context, checks: tuple[RandomizationCheck, DeletionCheck]
) -> Section:
    randomization, deletion = checks
    section = Section("trust", "Can the explanations be trusted?")
    section.blocks.append(
        _html.paragraphs(
            _trust_words(
                randomization, deletion, len(randomization.per_row), context.noun
            )
        )
    )
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
        groups = [
            ("Most confident, right", right[np.argsort(-confidence[right])]),
            ("Most confident, wrong", wrong[np.argsort(-confidence[wrong])]),
            ("Borderline", np.argsort(margin)),
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
        picture = figures.image_grid(
            [explanation.image(position), explanation.overlay(position)],
            ["image", "explanation"],
            columns=2,
        )
        body = _html.image(picture, width=320)
    elif context.kind == "text":
        body = _html.tokens(explanation.unit_names[position], values)
    else:
        body = _html.image(
            figures.signed_bars(explanation.unit_names[position], values), width=460
        )
    return _html.example(group, body, caption)


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
    values = explanation.attributions[position]
    if context.kind == "image":
        return f"{opening}; the bright area is what the model relied on most."
    if len(values) == 0:
        return f"{opening}; the text is empty, so there is nothing to highlight."
    top = explanation.unit_names[position][int(np.argmax(np.abs(values)))]
    return f"{opening}; {_html.quote(top)} mattered most."


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
            "reflect what the model learned."
        )
    else:
        words.append(
            "<b>Failed: sensitivity to the model.</b> The explanations look much the "
            "same for a model with random weights (rank correlation "
            f"{randomization.correlation:.2f}; below 0.5 passes). They may show the "
            "input's own structure rather than what the model learned."
        )
    if deletion.passed:
        words.append(
            "<b>Passed: faithfulness.</b> Removing the parts the explanations point at "
            "first lowers the prediction faster than removing random parts (area "
            f"under the curve {deletion.auc:.3f} against {deletion.random_auc:.3f})."
        )
    else:
        words.append(
            "<b>Failed: faithfulness.</b> Removing the parts the explanations point at "
            "does not lower the prediction faster than removing random parts (area "
            f"{deletion.auc:.3f} against {deletion.random_auc:.3f})."
        )
    verdict = (
        "The explanations can be trusted to show what this model relies on."
        if randomization.passed and deletion.passed
        else "Treat the explanations with caution."
    )
    words.append(f"<b>Verdict:</b> {verdict}")
    return words
