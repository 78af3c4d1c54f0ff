"""The whole fitted predictor as one ONNX file: raw columns in, predictions out."""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from autodeep.export._graph import Graph

METADATA_KEY = "autodeep"


def to_onnx(estimator: Any) -> Any:
    """The ``onnx.ModelProto`` of a fitted estimator (see :func:`export`)."""
    from sklearn.utils.validation import check_is_fitted

    _require("onnx", "onnx")
    from onnx import TensorProto

    from autodeep.export import _network, _tabular, _text

    check_is_fitted(estimator, "model_")
    kind = type(estimator).__name__
    types = getattr(estimator, "column_types_", {})
    mixed = sorted(str(c) for c, k in types.items() if k in ("text", "image"))
    if mixed:
        raise NotImplementedError(
            f"ONNX export does not cover frames with text or image columns yet (this "
            f"model reads {mixed}). Save it with est.save(folder) and predict with "
            "autodeep, or fit without those columns to export."
        )
    graph = Graph()
    extra: dict[str, Any] = {}
    if kind in ("TabularClassifier", "TabularRegressor"):
        features, schema = _tabular.convert(graph, estimator.preprocessor_)
    elif kind in ("ImageClassifier", "ImageRegressor"):
        features, schema = _image_input(graph, estimator.preprocessor_)
    elif kind in ("TextClassifier", "TextRegressor"):
        features, extra["text"] = _text.convert(graph, estimator.preprocessor_)
        schema = _text.RAW_INPUT
    else:
        raise NotImplementedError(f"ONNX export has no converter for {kind}.")
    outputs = graph.op(
        "Cast",
        _network.convert(graph, estimator.model_, features),
        to=TensorProto.DOUBLE,
    )
    scoring = getattr(estimator, "scoring", None)
    info: dict[str, Any] = {
        "autodeep_version": _version(),
        "estimator": kind,
        "inputs": schema,
        "validation": {
            "score": _number(getattr(estimator, "best_score_", None)),
            # A callable scorer has no name to record.
            "scoring": scoring if isinstance(scoring, str) else None,
        },
        **extra,
    }
    if hasattr(estimator, "classes_"):
        classes = np.asarray(estimator.classes_)
        probabilities = _calibrated(graph, outputs, estimator.temperature_)
        graph.rename(probabilities, "probabilities")
        code = graph.op("ArgMax", probabilities, axis=1, keepdims=0)
        labels, elem = _labels(classes)
        graph.rename(graph.op("Gather", graph.const(labels, "classes"), code), "label")
        graph.add_output("label", elem, ["batch"])
        graph.add_output("probabilities", TensorProto.DOUBLE, ["batch", len(classes)])
        info["classes"] = [_plain(c) for c in classes]
        info["outputs"] = {
            "label": "the predicted class (predict)",
            "probabilities": "class probabilities (predict_proba)",
        }
    else:
        target = estimator.target_transform_
        values = graph.op(
            "Add",
            graph.op("Mul", outputs, graph.const(target.scale_[None])),
            graph.const(target.mean_[None]),
        )
        n_outputs = len(target.mean_)
        if n_outputs == 1:
            values = graph.op("Squeeze", values, graph.ints(1))
        graph.rename(values, "prediction")
        graph.add_output(
            "prediction",
            TensorProto.DOUBLE,
            ["batch"] if n_outputs == 1 else ["batch", n_outputs],
        )
        info["outputs"] = {"prediction": "the predicted target, in its units (predict)"}
    return graph.model(
        f"autodeep_{kind}", {METADATA_KEY: json.dumps(info, sort_keys=True)}
    )


def export(estimator: Any, path: str | os.PathLike[str]) -> str:
    """Write ``estimator`` as one ONNX file at ``path``; the path written."""
    model = to_onnx(estimator)  # first: it names the install command without onnx
    import onnx

    path = os.fspath(path)
    onnx.save_model(model, path)
    return path


def onnx_info(path: str | os.PathLike[str]) -> dict[str, Any]:
    """What autodeep wrote into an exported ONNX file: the autodeep version, the
    estimator, the input schema (name, kind and type of each column), the classes
    and the validation score.

    Examples
    --------
    >>> autodeep.onnx_info("model.onnx")["inputs"][0]  # doctest: +SKIP
    {'kind': 'numeric', 'name': 'age', 'type': 'double'}
    """
    import onnx

    model = onnx.load_model(os.fspath(path), load_external_data=False)
    try:
        return info_of({prop.key: prop.value for prop in model.metadata_props})
    except ValueError:
        raise ValueError(
            f"{os.fspath(path)!r} is an ONNX file, but not one autodeep wrote."
        ) from None


def info_of(metadata: dict[str, str]) -> dict[str, Any]:
    """autodeep's record in an ONNX file's metadata properties."""
    if METADATA_KEY not in metadata:
        raise ValueError("This ONNX model was not written by autodeep.")
    return dict(json.loads(metadata[METADATA_KEY]))


def _image_input(graph: Graph, preprocessor: Any) -> tuple[str, list[dict[str, Any]]]:
    """One float32 input of images at the training size, as the network reads them."""
    from onnx import TensorProto

    height, width = (int(v) for v in preprocessor.image_size_)
    channels = int(preprocessor.channels_)
    name = graph.add_input(
        "image", TensorProto.FLOAT, ["batch", height, width, channels]
    )
    schema = [
        {
            "name": "image",
            "kind": "image",
            "type": "float",
            "shape": [height, width, channels],
            "pixels": str(getattr(preprocessor, "pixel_dtype_", "float32")),
        }
    ]
    return name, schema


def _calibrated(graph: Graph, proba: str, temperature: float | None) -> str:
    """``predict_proba``'s probabilities: the network's, temperature-scaled, in double
    precision (``autodeep._calibration.scaled``)."""
    if temperature is None or temperature == 1.0:
        total = graph.op("ReduceSum", proba, graph.ints(1), keepdims=1)
        return graph.op("Div", proba, total)
    clipped = graph.op(
        "Clip", proba, graph.const(np.float64(1e-12)), graph.const(np.float64(1.0))
    )
    logits = graph.op(
        "Div", graph.op("Log", clipped), graph.const(np.float64(temperature))
    )
    return graph.op("Softmax", logits, axis=-1)


def _labels(classes: np.ndarray) -> tuple[np.ndarray, int]:
    from onnx import TensorProto

    if classes.dtype.kind == "b":
        return classes.astype(bool), TensorProto.BOOL
    if classes.dtype.kind in "iu":
        return classes.astype(np.int64), TensorProto.INT64
    if classes.dtype.kind == "f":
        return classes.astype(np.float64), TensorProto.DOUBLE
    return np.array([str(c) for c in classes], dtype=object), TensorProto.STRING


def _plain(value: Any) -> Any:
    """A class label as JSON can hold it."""
    if isinstance(value, np.generic):
        return value.item()
    return value if isinstance(value, (int, float, bool, str)) else str(value)


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _require(module: str, extra: str) -> None:
    """Fail with the install command when an optional dependency is missing."""
    import importlib

    try:
        importlib.import_module(module)
    except ImportError:
        raise ImportError(
            f"ONNX export needs the {module!r} package, which is not installed: "
            f'pip install "autodeep[{extra}]" (or pip install {module}).'
        ) from None


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("autodeep")
    except PackageNotFoundError:
        return "unknown"
