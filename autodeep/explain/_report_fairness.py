"""The report's "Results by group" section, when ``sensitive_features`` is given:
the model's results per group with 95 % bootstrap intervals
(:func:`autodeep._fairness.fairness_frame`), and the largest gap between groups in
plain words, saying whether the intervals leave room for chance."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from autodeep._fairness import gaps, group_table, groups_of, named_columns
from autodeep.explain import _html
from autodeep.explain._report_data import Context, Section

WORDS = {
    "accuracy": "accuracy",
    "r2": "R²",
    "selection_rate": "the share predicted as {positive}",
    "true_positive_rate": "the share of actual {positive} cases it finds",
}


def by_group(context: Context, sensitive_features: Any) -> Section:
    estimator = context.estimator
    groups = groups_of(context.X, sensitive_features)
    frame = group_table(
        estimator, groups, np.asarray(context.y), np.asarray(context.pred)
    )
    positive = estimator.classes_[1] if context.classifier else None
    section = Section("groups", f"Results by group ({frame.index.name})")
    named = named_columns(context.X, sensitive_features) is not None
    source = (
        "a column of the data the model was given"
        if named
        else "values given beside the data (the model may not have seen them)"
    )
    sentences = [
        f"The {len(frame)} groups of {frame.index.name} ({source}), each scored on its "
        "own rows. The range after each value is a 95 % interval: a small group has "
        "a wide one, because a few rows cannot pin its result down."
    ]
    for name, gap in gaps(frame).iterrows():
        measure = str(name)
        words = WORDS[measure].format(positive=positive)
        chance = (
            "their intervals overlap, so with these rows the difference may be chance"
            if gap["intervals_overlap"]
            else "their intervals do not overlap: the difference is larger than "
            "chance would explain with these rows"
        )
        sentences.append(
            f"{words[0].upper() + words[1:]} is lowest for {gap['lowest']} "
            f"({frame.loc[gap['lowest'], measure]:.3f}) and highest for "
            f"{gap['highest']} ({frame.loc[gap['highest'], measure]:.3f}), a "
            f"difference of {gap['difference']:.3f} (ratio {gap['ratio']:.2f}); "
            f"{chance}."
        )
    section.blocks.append(_html.paragraphs(sentences))
    section.blocks.append(_html.table(_shown(frame), index=True))
    return section


def _shown(frame: pd.DataFrame) -> pd.DataFrame:
    """Each measure as "value (low to high)"."""
    shown = pd.DataFrame({"rows": frame["rows"]}, index=frame.index)
    for column in frame.columns:
        if column == "rows" or column.endswith(("_low", "_high")):
            continue
        shown[column.replace("_", " ")] = [
            ""
            if pd.isna(v)
            else f"{v:.3f} ({lo:.3f} to {hi:.3f})"
            if pd.notna(lo)
            else f"{v:.3f}"
            for v, lo, hi in zip(
                frame[column],
                frame[f"{column}_low"],
                frame[f"{column}_high"],
                strict=True,
            )
        ]
    return shown
