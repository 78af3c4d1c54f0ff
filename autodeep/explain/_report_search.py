"""The report's search section: how the model was found, and the leaderboard table."""

from __future__ import annotations

from typing import Any

import pandas as pd

from autodeep._ensemble import STATE as ENSEMBLE
from autodeep._reference import STATE as REFERENCE
from autodeep.explain import _figures as figures
from autodeep.explain import _html
from autodeep.explain._report_board import (
    metric_words,
    missing,
    number,
    score_column,
    searched,
)
from autodeep.explain._report_data import Context, Section


def search(context: Context) -> Section:
    estimator = context.estimator
    board = estimator.leaderboard_
    ranked = _ranked_column(estimator)
    metric = metric_words(ranked)
    refit = getattr(estimator, "refit_history_", None)  # None: not recorded
    section = Section("search", "How the model was found")
    trial, ensemble = _chosen_trial(board), _ensemble_score(board, ranked)
    picture = figures.search_progress(
        searched(board),
        ranked,
        metric,
        chosen=trial,
        ensemble=ensemble,
        curves=refit or estimator.history_,
        refit=bool(refit),
    )
    chosen = (
        "" if trial is None else f" The star marks the chosen design (trial {trial})."
    )
    if ensemble is not None:
        chosen += " The dashed line is the weighted average of several designs."
    section.blocks.append(
        _html.figure(
            picture,
            f"Left: the validation {metric} of every design the search tried, and the "
            f"best so far (what the search ranked designs by).{chosen} "
            f"{_curves_words(estimator, refit)}",
        )
    )
    order = "maximized" if figures.higher_is_better(ranked) else "minimized"
    section.blocks.append(
        _html.paragraphs(
            [f"The best designs, by validation {metric} (what the search {order}):"]
        )
    )
    section.blocks.append(_html.table(leaderboard_table(board), index=False))
    return section


def _curves_words(estimator: Any, refit: dict[str, list[float]] | None) -> str:
    """What the right-hand curves are: the refit's, or the chosen trial's."""
    if refit:
        return (
            "Right: the final model's training loss per epoch when the chosen design "
            f"was trained again on all {estimator.n_samples_fit_} rows (no rows were "
            "held out then, so there is no validation curve)."
        )
    if refit is None:
        return (
            "Right: the chosen trial's training loss and validation curve per epoch "
            "during the search (this model was saved by an earlier version, which "
            "did not record the final training)."
        )
    return (
        "Right: the chosen trial's training loss and validation curve per epoch "
        "(it was kept as trained, without training it again on all rows)."
    )


def _ranked_column(estimator: Any) -> str:
    """The leaderboard column the search ranked trials by."""
    if getattr(estimator, "scoring", None) is None:
        return "val_loss"
    return score_column(estimator.leaderboard_)


def _chosen_trial(board: pd.DataFrame) -> int | None:
    """The number of the best searched trial (the first ensemble member, if any)."""
    rows = searched(board)
    rows = rows[rows["state"] == "complete"]
    return None if rows.empty else int(rows["trial"].iloc[0])


def _ensemble_score(board: pd.DataFrame, column: str) -> float | None:
    rows = board[board["state"] == ENSEMBLE]
    return None if rows.empty else float(rows[column].iloc[0])


# Leaderboard columns shown as they are; every other non-empty one is a parameter.
SHOWN = ("trial", "state", "ensemble_weight", "epochs", "seconds")
NOT_PARAMETERS = ("beats_constant", "reason", "objective")


def leaderboard_table(board: pd.DataFrame, top: int = 10) -> pd.DataFrame:
    """The report's leaderboard: the first ``top`` rows, one format per column, the
    scores rounded, and a trial's parameters in one "design" column (blank for a
    parameter the trial did not have) so the table fits a page."""
    board = board.head(top)
    columns = [str(c) for c in board.columns]
    scores = [c for c in columns if c.startswith("val_")]
    parameters = [c for c in columns if c not in (*SHOWN, *scores, *NOT_PARAMETERS)]
    table = pd.DataFrame(index=board.index)
    table["trial"] = [_integer(v) for v in board["trial"]]
    table["state"] = board["state"]
    for name in scores:
        table[metric_words(name)] = [_fixed(v, 4) for v in board[name]]
    if "ensemble_weight" in board:
        table["weight in the model"] = [_fixed(v, 2) for v in board["ensemble_weight"]]
    table["epochs"] = [
        "" if s in (ENSEMBLE, REFERENCE) else _integer(v)
        for v, s in zip(board["epochs"], board["state"], strict=True)
    ]
    table["seconds"] = [_fixed(v, 1) for v in board["seconds"]]
    table["design"] = [
        _design(row, parameters)
        if row["state"] not in (ENSEMBLE, REFERENCE)
        else str(row.get("reason", ""))
        for _, row in board.iterrows()
    ]
    return table.reset_index(drop=True)


def _design(row: pd.Series, parameters: list[str]) -> str:
    parts = []
    for name in parameters:
        if not missing(row[name]):
            parts.append(f"{name}={number(row[name])}")
    return ", ".join(parts)


def _integer(value: Any) -> str:
    return "" if missing(value) else str(int(value))


def _fixed(value: Any, digits: int) -> str:
    return "" if missing(value) else f"{float(value):.{digits}f}"
