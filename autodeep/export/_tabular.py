"""A fitted :class:`~autodeep.preprocessing.TabularPreprocessor` as ONNX nodes.

The graph takes one input per original column, ``[batch, 1]`` each: numeric columns
as doubles (NaN for missing), datetime columns as seconds since 1970-01-01 UTC
(doubles, NaN for missing), categorical columns as strings, each value written as
``str(value)`` (what ``predict`` compares with the categories seen at fit; a missing
value is the string ``"<missing>"``). It computes the numeric part in double precision
as scikit-learn does (imputation with missing-value indicators, then the scaler),
one-hot columns and embedding codes by lookups of the fit categories (unknown ones
give zeros and code -1, as in ``predict``), and ends in the float32 matrix the network
reads.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from onnx import TensorProto

from autodeep.export._graph import Graph
from autodeep.preprocessing.tabular import RobustClipScaler

DOUBLE, STRING = TensorProto.DOUBLE, TensorProto.STRING


def input_schema(preprocessor: Any) -> list[dict[str, str]]:
    """One entry per original column: its name, kind and the ONNX input type."""
    return [
        {
            "name": str(column),
            "kind": kind,
            "type": "string" if kind == "categorical" else "double",
        }
        for column, kind in preprocessor.column_kinds_.items()
    ]


def convert(graph: Graph, preprocessor: Any) -> tuple[str, list[dict[str, str]]]:
    """Add the inputs and nodes of ``preprocessor``; the float32 features' name and
    the input schema (:func:`input_schema`)."""
    schema = input_schema(preprocessor)
    inputs = {}
    for entry in schema:
        elem = DOUBLE if entry["type"] == "double" else STRING
        name = graph.add_input(entry["name"], elem, ["batch", 1])
        if entry["kind"] == "datetime":
            inputs.update(_datetime_parts(graph, entry["name"], name))
        else:
            inputs[entry["name"]] = name
    transformer = preprocessor.column_transformer_
    parts = []
    for name, fitted, columns in transformer.transformers_:
        if name == "remainder" or not len(columns):
            continue
        values = [inputs[column] for column in columns]
        if name == "numeric":
            parts.append(_numeric(graph, fitted, values))
        elif name == "onehot":
            parts.append(_onehot(graph, fitted, values))
        elif name == "codes":
            parts.append(_codes(graph, fitted, values))
    if not parts:
        raise NotImplementedError("ONNX export found no columns to transform.")
    features = parts[0] if len(parts) == 1 else graph.op("Concat", *parts, axis=1)
    return graph.op("Cast", features, to=TensorProto.FLOAT, hint="features"), schema


def _datetime_parts(graph: Graph, column: str, seconds: str) -> dict[str, str]:
    """The parts ``TabularPreprocessor`` takes from a datetime column, from seconds
    since 1970-01-01 UTC: elapsed days, then year, month, day, day of the week and
    hour of the UTC date (the civil date from a day count: H. Hinnant's algorithm, in
    doubles with Floor so that NaN, a missing date, stays NaN in every part)."""

    def c(value: float) -> str:
        return graph.const(np.float64(value))

    def floor_div(x: str, by: float) -> str:
        return graph.op("Floor", graph.op("Div", x, c(by)))

    def minus(x: str, y: str) -> str:
        return graph.op("Sub", x, y)

    def times(x: str, by: float) -> str:
        return graph.op("Mul", x, c(by))

    elapsed = graph.op("Div", seconds, c(86400.0))
    day = graph.op("Floor", elapsed)
    hour = floor_div(minus(seconds, times(day, 86400.0)), 3600.0)
    # 1970-01-01 was a Thursday (3, counting Monday as 0).
    weekday = minus(
        graph.op("Add", day, c(3.0)),
        times(floor_div(graph.op("Add", day, c(3.0)), 7.0), 7.0),
    )
    z = graph.op("Add", day, c(719468.0))
    era = floor_div(z, 146097.0)
    doe = minus(z, times(era, 146097.0))
    yoe = floor_div(
        minus(
            graph.op(
                "Add", minus(doe, floor_div(doe, 1460.0)), floor_div(doe, 36524.0)
            ),
            floor_div(doe, 146096.0),
        ),
        365.0,
    )
    doy = minus(
        doe,
        minus(
            graph.op("Add", times(yoe, 365.0), floor_div(yoe, 4.0)),
            floor_div(yoe, 100.0),
        ),
    )
    mp = floor_div(graph.op("Add", times(doy, 5.0), c(2.0)), 153.0)
    day_of_month = graph.op(
        "Add",
        minus(doy, floor_div(graph.op("Add", times(mp, 153.0), c(2.0)), 5.0)),
        c(1.0),
    )
    late = graph.op("Cast", graph.op("GreaterOrEqual", mp, c(10.0)), to=DOUBLE)
    month = minus(graph.op("Add", mp, c(3.0)), times(late, 12.0))
    early = graph.op("Cast", graph.op("LessOrEqual", month, c(2.0)), to=DOUBLE)
    year = graph.op("Add", graph.op("Add", yoe, times(era, 400.0)), early)
    parts = {
        "elapsed_days": elapsed,
        "year": year,
        "month": month,
        "day": day_of_month,
        "dayofweek": weekday,
        "hour": hour,
    }
    missing = graph.op("IsNaN", seconds)
    nan = c(np.nan)
    # A comparison with NaN is false: put NaN back where the date is missing.
    return {
        f"{column}__{part}": graph.op("Where", missing, nan, value)
        for part, value in parts.items()
    }


def _numeric(graph: Graph, pipeline: Any, values: list[str]) -> str:
    imputer, scaler = pipeline.named_steps["impute"], pipeline.named_steps["scale"]
    x = values[0] if len(values) == 1 else graph.op("Concat", *values, axis=1)
    missing = graph.op("IsNaN", x)
    statistics = np.asarray(imputer.statistics_, dtype=np.float64)
    kept = np.flatnonzero(~np.isnan(statistics))
    filled = graph.op("Where", missing, graph.const(statistics[None]), x)
    parts = [_take(graph, filled, kept)]
    if imputer.indicator_ is not None:
        flags = _take(graph, missing, np.asarray(imputer.indicator_.features_))
        parts.append(graph.op("Cast", flags, to=DOUBLE))
    x = parts[0] if len(parts) == 1 else graph.op("Concat", *parts, axis=1)
    return _scale(graph, scaler, x)


def _take(graph: Graph, x: str, columns: np.ndarray) -> str:
    return graph.op("Gather", x, graph.const(columns.astype(np.int64)), axis=1)


def _scale(graph: Graph, scaler: Any, x: str) -> str:
    from sklearn.preprocessing import (
        MinMaxScaler,
        QuantileTransformer,
        RobustScaler,
        StandardScaler,
    )

    from autodeep.export._quantile import quantile_scale

    if scaler == "passthrough" or scaler is None:
        return x
    if isinstance(scaler, QuantileTransformer):
        return quantile_scale(graph, scaler, x)
    if isinstance(scaler, (StandardScaler, RobustScaler)):
        # (x - center) / scale; either is None when turned off.
        center = scaler.mean_ if isinstance(scaler, StandardScaler) else scaler.center_
        if center is not None:
            x = graph.op("Sub", x, graph.const(center[None]))
        if scaler.scale_ is not None:
            x = graph.op("Div", x, graph.const(scaler.scale_[None]))
        return x
    if isinstance(scaler, MinMaxScaler):
        x = graph.op("Mul", x, graph.const(scaler.scale_[None]))
        return graph.op("Add", x, graph.const(scaler.min_[None]))
    if isinstance(scaler, RobustClipScaler):
        z = graph.op(
            "Div",
            graph.op("Sub", x, graph.const(scaler.center_[None])),
            graph.const(scaler.scale_[None]),
        )
        third = graph.op("Div", z, graph.const(np.float64(3.0)))
        root = graph.op(
            "Sqrt",
            graph.op(
                "Add", graph.const(np.float64(1.0)), graph.op("Mul", third, third)
            ),
        )
        return graph.op("Div", z, root)
    raise NotImplementedError(
        f"ONNX export has no converter for the scaler {type(scaler).__name__}."
    )


def _lookup(graph: Graph, categories: Any, value: str) -> str:
    """Each string's position among ``categories`` (int64), -1 when it is unknown."""
    keys = [str(category) for category in categories]
    return graph.ml(
        "LabelEncoder",
        value,
        keys_strings=keys,
        values_int64s=list(range(len(keys))),
        default_int64=-1,
    )


def _onehot(graph: Graph, encoder: Any, values: list[str]) -> str:
    parts = []
    for categories, value in zip(encoder.categories_, values, strict=True):
        code = _lookup(graph, categories, value)
        positions = graph.const(np.arange(len(categories), dtype=np.int64)[None])
        parts.append(graph.op("Cast", graph.op("Equal", code, positions), to=DOUBLE))
    return parts[0] if len(parts) == 1 else graph.op("Concat", *parts, axis=1)


def _codes(graph: Graph, encoder: Any, values: list[str]) -> str:
    parts = [
        graph.op("Cast", _lookup(graph, categories, value), to=DOUBLE)
        for categories, value in zip(encoder.categories_, values, strict=True)
    ]
    return parts[0] if len(parts) == 1 else graph.op("Concat", *parts, axis=1)


__all__ = ["convert", "input_schema"]
