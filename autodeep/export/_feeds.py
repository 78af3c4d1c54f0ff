"""The ONNX inputs for rows of a DataFrame, as an exported graph expects them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from autodeep.preprocessing.tabular import category_text, utc_times


def onnx_inputs(X: Any, info: dict[str, Any]) -> dict[str, np.ndarray]:
    """The inputs of an exported graph for the rows ``X``.

    Tables: one ``[rows, 1]`` array per input, from the columns of ``X``: doubles
    (NaN for missing) for numeric columns, seconds since 1970-01-01 UTC for datetime
    columns (as ``predict`` reads them), ``str(value)`` for
    categorical ones (``"<missing>"`` for missing). Texts (a list, array, Series or
    one-column DataFrame of strings): the token ids or TF-IDF rows the network reads,
    made with the vocabulary stored in the file (see docs/deploy.md). Images: pass the
    array yourself, ``{"image": X}``. ``info`` is what :func:`autodeep.onnx_info`
    returns for the file.

    Examples
    --------
    >>> session.run(None, onnx_inputs(X_test, autodeep.onnx_info(path)))  # doctest: +SKIP
    """
    if "text" in info:
        from autodeep.export._text import text_inputs

        return text_inputs(X, info)
    names = [entry["name"] for entry in info["inputs"]]
    missing = [name for name in names if name not in X.columns]
    if missing:
        raise ValueError(
            f"X lacks the column(s) {missing} that the exported model takes; it "
            f"takes {names}."
        )
    result = {}
    for entry in info["inputs"]:
        column = X[entry["name"]]
        if entry["kind"] == "datetime":
            values = seconds_since_epoch(column)
        elif entry["type"] == "double":
            values = column.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            values = category_text(column)
        result[entry["name"]] = values.reshape(-1, 1)
    return result


def seconds_since_epoch(values: Any) -> np.ndarray:
    """Dates (or text ``predict`` would read as dates) as seconds since 1970-01-01
    UTC, NaN where missing or unreadable; naive times count as UTC, as in fit."""
    times = utc_times(pd.Series(values))
    seconds = (times - pd.Timestamp("1970-01-01", tz="UTC")) / pd.Timedelta(seconds=1)
    return seconds.to_numpy(dtype=np.float64, na_value=np.nan)
