"""The leaderboard's rows beyond the trials: the ensemble's, the reference model's,
and which trials beat a constant prediction."""

from __future__ import annotations

import logging
import warnings
from typing import Any

import numpy as np
import pandas as pd

from autodeep._ensemble import STATE as ENSEMBLE
from autodeep._ensemble import Ensemble
from autodeep._reference import STATE as REFERENCE
from autodeep._scoring import Objective

logger = logging.getLogger("autodeep")


def compare_with_constant(
    board: pd.DataFrame, constant: float, objective: Objective
) -> pd.DataFrame:
    """Mark which trials beat an input-blind prediction; warn when none does.

    A search whose best trial does no better than predicting the training prior (or
    mean) has learnt nothing from the features; its model would be returned without a
    word otherwise. Drops the board's ``objective`` column, used for the comparison.
    """
    if board.empty or "objective" not in board:
        return board
    values = board["objective"].to_numpy(dtype=np.float64)
    beats = [None if np.isnan(v) else bool(v < constant) for v in values]
    searched = (board["state"] != REFERENCE).to_numpy()
    board = board.drop(columns="objective")
    board.insert(
        list(board.columns).index("val_loss") + 1,
        "beats_constant",
        pd.Series(beats, dtype=object, index=board.index),
    )
    if not any(b for b, s in zip(beats, searched, strict=True) if s):
        best = float(np.nanmin(np.where(searched, values, np.nan)))
        message = (
            f"No trial did better than a constant prediction on the validation part "
            f"(best validation {objective.shown(best)}, constant "
            f"prediction {objective.shown(constant)}): the model has not learnt from "
            "the features. Check that the target and features are the right ones, or "
            "widen the search (more trials or epochs, other learning rates)."
        )
        logger.warning(message)
        warnings.warn(message, UserWarning, stacklevel=2)
    return board


def with_row(
    board: pd.DataFrame, row: dict[str, Any], first: bool = False
) -> pd.DataFrame:
    """``board`` with ``row`` (the ensemble's or the reference model's) before or after
    the trials; integer columns (trial numbers, layer sizes) stay integers, with <NA>
    in ``row``."""
    integers = [c for c in board if pd.api.types.is_integer_dtype(board[c])]
    parts = [pd.DataFrame([row]), board] if first else [board, pd.DataFrame([row])]
    board = pd.concat(parts, ignore_index=True)
    return board.astype(dict.fromkeys(integers, "Int64"))


def with_ensemble(
    board: pd.DataFrame, ensemble: Ensemble, score_name: str
) -> pd.DataFrame:
    """``board`` with the ensemble's row first and each trial's ensemble weight."""
    weights = dict(
        zip([m.number for m in ensemble.members], ensemble.weights, strict=True)
    )
    board = board.copy()
    board.insert(
        list(board.columns).index("seconds") + 1,
        "ensemble_weight",
        [weights.get(int(n), 0.0) for n in board["trial"]],
    )
    row = {
        "trial": None,
        "state": ENSEMBLE,
        f"val_{score_name}": ensemble.score,
        "val_loss": ensemble.loss,
        "objective": ensemble.value,
        "epochs": 0,
        "seconds": 0.0,
        "ensemble_weight": 1.0,
        "reason": ensemble.describe(),
    }
    return with_row(board, row, first=True)
