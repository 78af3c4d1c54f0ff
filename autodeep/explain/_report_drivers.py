"""The report's section on what drives the predictions: importance per column, maps
averaged per class, or the words that push toward each class."""

from __future__ import annotations

import numpy as np
import pandas as pd

from autodeep.explain import _figures as figures
from autodeep.explain import _html
from autodeep.explain._explanation import Explanation
from autodeep.explain._report_data import Context, Section, method_words, output_scale


def drivers(context: Context, explanation: Explanation) -> Section:
    section = Section("drivers", "What drives the predictions")
    method = method_words(explanation.method)
    if context.kind == "tabular":
        scale = output_scale(context, explanation, 0)
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
        section.blocks.append(_html.table(_top_tokens(explanation)))
    return section


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


def _top_tokens(explanation: Explanation, top: int = 8) -> pd.DataFrame:
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
