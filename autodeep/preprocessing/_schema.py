"""What each DataFrame column held at fit, and the checks that it still does.

Categorical columns are matched with their fit categories as text. A column whose
dtype changed between fit and predict (labels at fit, integer codes now; booleans at
fit, 0/1 now) matches none of them, so every row silently looks like an unseen
category. :func:`check_columns` turns that into a warning that names the column, what
it held at fit and now, and the fix; a numeric column that now holds text that is not
a number is an error.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

# What pandas' infer_dtype calls the values of an object column, in the words of the
# messages. Others ("mixed", "empty", ...) are not compared: a part of a mixed column
# can hold one type only, and that is no change.
_INFERRED = {
    "string": "text",
    "unicode": "text",
    "integer": "numbers",
    "floating": "numbers",
    "mixed-integer-float": "numbers",
    "decimal": "numbers",
    "integer-na": "numbers",
    "boolean": "booleans",
    "datetime": "datetimes",
    "datetime64": "datetimes",
    "date": "datetimes",
}
_COMPARED = frozenset(_INFERRED.values())
_PHRASES = {
    "text": "text",
    "numbers": "numbers",
    "booleans": "True/False",
    "datetimes": "dates",
}
_EXAMPLES = 3


def column_kind(column: pd.Series) -> str:
    """``"numeric"``, ``"datetime"`` or ``"categorical"`` for one DataFrame column."""
    if pd.api.types.is_bool_dtype(column):
        return "categorical"
    if pd.api.types.is_datetime64_any_dtype(column):
        return "datetime"
    if pd.api.types.is_numeric_dtype(column):
        return "numeric"
    return "categorical"


def value_type(column: pd.Series) -> str:
    """What the values are: ``"numbers"``, ``"text"``, ``"booleans"``, ``"datetimes"``
    or, for an object column holding several types or none, what pandas infers."""
    if pd.api.types.is_bool_dtype(column):
        return "booleans"
    if pd.api.types.is_datetime64_any_dtype(column):
        return "datetimes"
    if pd.api.types.is_numeric_dtype(column):
        return "numbers"
    if isinstance(column.dtype, pd.CategoricalDtype):
        return value_type(pd.Series(column.cat.categories))
    inferred = pd.api.types.infer_dtype(column, skipna=True)
    return _INFERRED.get(inferred, inferred)


def check_unique_columns(frame: pd.DataFrame) -> None:
    """A DataFrame's column names must be unique: each names one feature."""
    repeated = frame.columns[frame.columns.duplicated()].unique().tolist()
    if repeated:
        counts = frame.columns.value_counts()
        listed = ", ".join(f"{name!r} ({counts[name]} times)" for name in repeated)
        raise ValueError(
            f"X has duplicate column names: {listed}. Each column must have its own "
            "name: rename them (e.g. X.columns = ['a', 'b', ...]) or drop the copies "
            "with X = X.loc[:, ~X.columns.duplicated()]."
        )


def check_columns(
    frame: pd.DataFrame,
    kinds: Mapping[Any, str],
    fitted: Mapping[Any, tuple[str, str]] | None,
    categories: Callable[[], Mapping[str, Sequence[str]]],
) -> None:
    """Warn for each column that holds another kind of values than at fit.

    ``kinds`` and ``fitted`` (value type and dtype, absent in models saved before
    they were recorded) describe the fit columns; ``categories()`` gives the fit
    categories of each categorical column (by ``str`` name), as text, when needed. A numeric column whose values
    cannot be read as numbers any more is a ``ValueError``.
    """
    for column, kind in kinds.items():
        series = frame[column]
        now_kind, now_type = column_kind(series), value_type(series)
        fit_type, fit_dtype = (fitted or {}).get(column, (None, None))
        same_type = (
            fit_type is None
            or fit_type == now_type
            or not {fit_type, now_type} <= _COMPARED
        )
        if now_kind == kind and same_type:
            continue
        if kind == "numeric":
            _check_numbers(column, series, fit_dtype)
        what = _describe(now_kind, now_type, str(series.dtype))
        was = _describe(kind, fit_type, fit_dtype)
        effect = _effect(series, kind, categories().get(str(column)))
        warnings.warn(
            f"Column {column!r} was {was} at fit but is {what} now{effect}. "
            f"{_fix(column, kind, fit_type, fit_dtype)}",
            UserWarning,
            stacklevel=4,  # the caller of transform (sklearn wraps transform)
        )


def _describe(kind: str, value_type: str | None, dtype: str | None) -> str:
    details = []
    if kind == "categorical" and value_type:
        details.append(_PHRASES.get(value_type, f"{value_type} values"))
    if dtype is not None:
        details.append(f"dtype {dtype}")
    return f"{kind} ({', '.join(details)})" if details else kind


def _effect(series: pd.Series, kind: str, known: Sequence[str] | None) -> str:
    """What the change does to the values: unseen categories, or unread dates."""
    present = series[series.notna().to_numpy()]
    if kind == "categorical" and known is not None and len(present):
        text = present.astype(object).map(str)
        unseen = text[~text.isin(set(known))]
        if len(unseen) == 0:
            return ""
        count = (
            f"all {len(present)}"
            if len(unseen) == len(present)
            else f"{len(unseen)} of {len(present)}"
        )
        examples = ", ".join(repr(v) for v in unseen.unique()[:_EXAMPLES])
        return (
            f"; {count} values match no category seen at fit (such as {examples}) "
            "and are encoded as an unknown category, so for those rows the model "
            "cannot use this column"
        )
    if kind == "datetime" and len(present):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Could not infer format", UserWarning)
            dates = pd.to_datetime(present, errors="coerce", utc=True)
        unread = int(dates.isna().sum())
        if unread:
            return (
                f"; {unread} of {len(present)} values are not dates and count as "
                "missing"
            )
    return ""


def _fix(column: Any, kind: str, fit_type: str | None, fit_dtype: str | None) -> str:
    name = f"X[{column!r}]"
    if kind == "numeric":
        return f"Pass numbers as at fit, e.g. {name} = pd.to_numeric({name})."
    if kind == "datetime":
        return f"Pass dates as at fit, e.g. {name} = pd.to_datetime({name})."
    if fit_type == "booleans":
        return f"Pass True/False values as at fit, e.g. {name} = {name}.astype(bool)."
    if fit_type == "text":
        return (
            "Pass the category labels as at fit, not integer codes: map codes back "
            f"to their labels, or use {name} = {name}.astype(str) if the labels are "
            "numbers written as text."
        )
    dtype = fit_dtype or "object"
    return f"Pass the column as at fit, e.g. {name} = {name}.astype({dtype!r})."


def _check_numbers(column: Any, series: pd.Series, fit_dtype: str | None) -> None:
    """A numeric column must still convert to numbers (or the model cannot run)."""
    try:
        series.to_numpy(dtype="float64", na_value=np.nan)
        return
    except (TypeError, ValueError):
        pass
    present = series[series.notna().to_numpy()]
    numbers = pd.to_numeric(present, errors="coerce")
    bad = present[numbers.isna().to_numpy()]
    example = f"such as {bad.iloc[0]!r}, " if len(bad) else ""
    was = f" (dtype {fit_dtype})" if fit_dtype else ""
    raise ValueError(
        f"Column {column!r} was numeric{was} at fit but now holds values that are "
        f"not numbers ({example}dtype {series.dtype}). Pass numbers as at fit, with "
        f"NaN for missing values, e.g. X[{column!r}] = pd.to_numeric(X[{column!r}], "
        "errors='coerce')."
    )
