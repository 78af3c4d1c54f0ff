"""A fitted :class:`~autodeep.preprocessing.TabularPreprocessor` as ONNX nodes.

The graph takes one input per original column, ``[batch, 1]`` each: numeric columns
as doubles (NaN for missing), categorical columns as strings, each value written as
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
from autodeep.preprocessing.tabular import MISSING_CATEGORY, RobustClipScaler

DOUBLE, STRING = TensorProto.DOUBLE, TensorProto.STRING


def input_schema(preprocessor: Any) -> list[dict[str, str]]:
    """One entry per original column: its name, kind and the ONNX input type."""
    schema = []
    for column, kind in preprocessor.column_kinds_.items():
        if kind == "datetime":
            raise NotImplementedError(
                f"ONNX export cannot parse dates yet: column {column!r} is a datetime "
                "column. Turn it into numbers (for example days since a fixed date) "
                "before fit, or keep this model in autodeep's own format (save/load)."
            )
        schema.append(
            {
                "name": str(column),
                "kind": kind,
                "type": "double" if kind == "numeric" else "string",
            }
        )
    return schema


def convert(graph: Graph, preprocessor: Any) -> str:
    """Add the inputs and nodes of ``preprocessor``; the float32 features' name."""
    inputs = {}
    for entry in input_schema(preprocessor):
        elem = DOUBLE if entry["type"] == "double" else STRING
        inputs[entry["name"]] = graph.add_input(entry["name"], elem, ["batch", 1])
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
    return graph.op("Cast", features, to=TensorProto.FLOAT, hint="features")


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
    from sklearn.preprocessing import MinMaxScaler, RobustScaler, StandardScaler

    if scaler == "passthrough" or scaler is None:
        return x
    if isinstance(scaler, StandardScaler):
        if scaler.mean_ is not None:
            x = graph.op("Sub", x, graph.const(scaler.mean_[None]))
        if scaler.scale_ is not None:
            x = graph.op("Div", x, graph.const(scaler.scale_[None]))
        return x
    if isinstance(scaler, MinMaxScaler):
        x = graph.op("Mul", x, graph.const(scaler.scale_[None]))
        return graph.op("Add", x, graph.const(scaler.min_[None]))
    if isinstance(scaler, RobustScaler):
        if scaler.center_ is not None:
            x = graph.op("Sub", x, graph.const(scaler.center_[None]))
        if scaler.scale_ is not None:
            x = graph.op("Div", x, graph.const(scaler.scale_[None]))
        return x
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
        f"ONNX export has no converter for the scaler {type(scaler).__name__} "
        "(scaler='quantile'); fit with scaler='standard', 'robust', 'minmax', "
        "'robust_clip' or None to export."
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


__all__ = ["MISSING_CATEGORY", "convert", "input_schema"]
