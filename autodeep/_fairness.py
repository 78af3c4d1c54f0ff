"""Results by group of a sensitive attribute, with bootstrap intervals.

:func:`fairness_frame` scores a fitted estimator on labelled data separately for each
group of one or more sensitive columns (which the model may or may not have used):
the estimator's own score (accuracy, or R²) and, for binary classifiers, the selection
rate (the share predicted as the positive class, ``classes_[1]``) and the true-positive
rate. Each value has a 95 % interval computed from the group's own rows, so a small
group shows as uncertain rather than as different: the Wilson score interval for
shares (accuracy and the rates; unlike a bootstrap it does not collapse to a point
when a small group is all right or all wrong), a percentile bootstrap for R².
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import is_classifier
from sklearn.metrics import r2_score

from autodeep._intervals import wilson_interval

# Bootstrap resamples per group (R²), and the intervals' coverage.
RESAMPLES = 300
LEVEL = 0.95


def named_columns(X: Any, sensitive_features: Any) -> list[Any] | None:
    """The column names ``sensitive_features`` stands for, or None when it holds
    values. A string is a name; a list or tuple of strings is names unless it has one
    entry per row of ``X`` and they are not all columns of ``X`` (then it is values)."""
    if isinstance(sensitive_features, str):
        return [sensitive_features]
    if (
        isinstance(sensitive_features, (list, tuple))
        and sensitive_features
        and all(isinstance(c, str) for c in sensitive_features)
    ):
        columns = set(X.columns) if isinstance(X, pd.DataFrame) else set()
        if len(sensitive_features) != len(X) or set(sensitive_features) <= columns:
            return list(sensitive_features)
    return None


def groups_of(X: Any, sensitive_features: Any) -> pd.Series:
    """One group label per row of ``X``: the values of the sensitive column(s) named
    (columns of the DataFrame ``X``), or given as an array, Series or DataFrame of
    ``len(X)`` rows; several columns are joined as ``"a=1, b=x"``."""
    n = len(X)
    names = named_columns(X, sensitive_features)
    if names is not None:
        if not isinstance(X, pd.DataFrame):
            raise ValueError(
                f"sensitive_features={sensitive_features!r} names columns, but X is "
                "not a DataFrame. Pass the values instead (an array or Series with "
                "one value per row)."
            )
        unknown = [c for c in names if c not in X.columns]
        if unknown:
            raise ValueError(
                f"sensitive_features names {unknown}, which X does not have. Pass a "
                "column of X, or the values themselves (one per row) for a column "
                "kept aside."
            )
        frame = X[names]
    elif isinstance(sensitive_features, pd.DataFrame):
        frame = sensitive_features
    elif isinstance(sensitive_features, pd.Series):
        frame = sensitive_features.to_frame(sensitive_features.name or "group")
    else:
        values = np.asarray(sensitive_features, dtype=object)
        if values.ndim == 1:
            frame = pd.DataFrame({"group": values})
        elif values.ndim == 2:
            frame = pd.DataFrame(
                values, columns=[f"s{i}" for i in range(values.shape[1])]
            )
        else:
            raise ValueError(
                "sensitive_features must be column name(s), or values with one row "
                f"per row of X; got an array of shape {values.shape}."
            )
    if len(frame) != n:
        raise ValueError(
            f"sensitive_features has {len(frame)} rows and X has {n}: give one value "
            "per row of X."
        )
    frame = frame.reset_index(drop=True)
    frame = frame.astype(object).where(frame.notna(), "missing")
    if frame.shape[1] == 1:
        return frame.iloc[:, 0].astype(str).rename(str(frame.columns[0]))
    labels = [
        ", ".join(f"{c}={v}" for c, v in zip(frame.columns, row, strict=True))
        for row in frame.itertuples(index=False)
    ]
    return pd.Series(labels, name=", ".join(map(str, frame.columns)))


def _share(name: str, hits: np.ndarray) -> dict[str, float]:
    """A proportion and its 95 % Wilson score interval (NaN when there is no row)."""
    if len(hits) == 0:
        return {name: np.nan, f"{name}_low": np.nan, f"{name}_high": np.nan}
    low, high = wilson_interval(int(np.sum(hits)), len(hits))
    return {name: float(np.mean(hits)), f"{name}_low": low, f"{name}_high": high}


def _r2(
    truth: np.ndarray, guess: np.ndarray, rng: np.random.Generator
) -> dict[str, float]:
    """R² and its 95 % percentile bootstrap interval (NaN when the truth is constant:
    R² needs it to vary)."""

    def r2(at: np.ndarray) -> float:
        if np.all(truth[at] == truth[at][0]):
            return np.nan
        return float(r2_score(truth[at], guess[at]))

    everything = np.arange(len(truth))
    if len(truth) < 2 or np.isnan(r2(everything)):
        return {"r2": np.nan, "r2_low": np.nan, "r2_high": np.nan}
    draws = [r2(rng.integers(0, len(truth), len(truth))) for _ in range(RESAMPLES)]
    tail = 100 * (1 - LEVEL) / 2
    low, high = np.nanpercentile(draws, [tail, 100 - tail])
    return {"r2": r2(everything), "r2_low": float(low), "r2_high": float(high)}


def fairness_frame(
    estimator: Any,
    X: Any,
    y: Any,
    sensitive_features: Any,
    *,
    random_state: int = 0,
) -> pd.DataFrame:
    """The estimator's results per group of ``sensitive_features``.

    Parameters
    ----------
    estimator : fitted autodeep estimator
    X, y : labelled data, ideally not used for training
    sensitive_features : str, list of str, array-like or DataFrame
        Column name(s) of ``X``, or the values (one per row) of a column kept aside.
    random_state : int, default=0
        Seed of the bootstrap.

    Returns
    -------
    pandas.DataFrame
        One row per group (index: the group), columns ``rows``, the score
        (``accuracy`` or ``r2``) with ``<score>_low`` and ``<score>_high`` (its 95 %
        interval), and for binary classifiers ``selection_rate`` and
        ``true_positive_rate`` with their intervals. Groups are sorted by name.

    Examples
    --------
    >>> autodeep.fairness_frame(clf, X_test, y_test, "sex")  # doctest: +SKIP
    """
    y = np.asarray(estimator._validate_y(X, y))
    predicted = np.asarray(estimator.predict(X))
    return group_table(
        estimator, groups_of(X, sensitive_features), y, predicted, random_state
    )


def group_table(
    estimator: Any,
    groups: pd.Series,
    y: np.ndarray,
    predicted: np.ndarray,
    random_state: int = 0,
) -> pd.DataFrame:
    """:func:`fairness_frame`'s table from checked targets and the predictions
    already made (the report has them)."""
    rng = np.random.default_rng(random_state)
    classifier = is_classifier(estimator)
    positive = (
        estimator.classes_[1] if classifier and len(estimator.classes_) == 2 else None
    )
    rows = []
    for name in sorted(groups.unique()):
        inside = (groups == name).to_numpy()
        truth, guess = y[inside], predicted[inside]
        row: dict[str, Any] = {"group": name, "rows": int(inside.sum())}
        if not classifier:
            row.update(_r2(truth.astype(np.float64), guess.astype(np.float64), rng))
            rows.append(row)
            continue
        row.update(_share("accuracy", truth == guess))
        if positive is not None:
            row.update(_share("selection_rate", guess == positive))
            row.update(
                _share("true_positive_rate", guess[truth == positive] == positive)
            )
        rows.append(row)
    return pd.DataFrame(rows).set_index("group").rename_axis(str(groups.name))


def gaps(frame: pd.DataFrame) -> pd.DataFrame:
    """Per measure: the largest difference and the smallest ratio between groups
    (lowest over highest), the groups at either end, and whether their 95 % intervals
    overlap (if they do, the difference may be chance)."""
    measures = [
        c
        for c in frame.columns
        if c != "rows" and not c.endswith("_low") and not c.endswith("_high")
    ]
    rows = []
    for measure in measures:
        values = frame[measure].dropna()
        if len(values) < 2:
            continue
        order = np.argsort(values.to_numpy(), kind="stable")
        low, high = values.index[order[0]], values.index[order[-1]]
        rows.append(
            {
                "measure": measure,
                "lowest": low,
                "highest": high,
                "difference": float(values[high] - values[low]),
                "ratio": float(values[low] / values[high]) if values[high] else np.nan,
                # An interval missing (a group of one row) cannot rule chance out.
                "intervals_overlap": not bool(
                    frame.loc[low, f"{measure}_high"]
                    < frame.loc[high, f"{measure}_low"]
                ),
            }
        )
    return pd.DataFrame(rows).set_index("measure") if rows else pd.DataFrame()
