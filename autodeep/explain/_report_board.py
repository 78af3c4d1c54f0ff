"""The leaderboard as the report's sections read it: which rows are searched
trials, which column holds the score, and values in words."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from autodeep._ensemble import STATE as ENSEMBLE
from autodeep._reference import STATE as REFERENCE


def searched(board: pd.DataFrame) -> pd.DataFrame:
    """The leaderboard's trials, without the ensemble's and the reference's rows."""
    return board[~board["state"].isin([ENSEMBLE, REFERENCE])]


def score_column(board: pd.DataFrame) -> str:
    """The leaderboard's validation score column (``val_<score>``)."""
    return next(
        (c for c in board.columns if c.startswith("val_") and c != "val_loss"),
        "val_loss",
    )


def metric_words(column: str) -> str:
    return column.removeprefix("val_").replace("_", " ")


def held_out(estimator: Any) -> str:
    """The rows the search scored designs on, in words."""
    from autodeep._folds import folds_for

    folds = folds_for(
        getattr(estimator, "cv", None),  # absent in models saved before cv=
        estimator.n_samples_fit_,
        estimator._small_data_folds,
    )
    if folds > 1:
        return f"the held-out folds of a {folds}-fold cross-validation"
    return "the validation part"


def missing(value: Any) -> bool:
    return (
        value is None
        or value is pd.NA
        or (isinstance(value, (float, np.floating)) and np.isnan(value))
    )


def number(value: Any) -> str:
    """A parameter value: integers as integers, other numbers to 3 significant digits."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        return str(value)
    as_float = float(value)
    if as_float.is_integer() and abs(as_float) < 1e6:
        return str(int(as_float))
    return f"{as_float:.3g}"
