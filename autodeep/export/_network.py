"""Keras networks as ONNX nodes, read from their weights (the same on every backend).

Covers what the tabular, image and text searches build: ``Dense``,
``BatchNormalization`` (folded into one scale and shift), ``Activation``, ``Dropout``
and augmentation (nothing at inference), :class:`~autodeep._layers.CategoryEmbedding`,
:class:`~autodeep._layers.PeriodicEmbedding`,
:class:`~autodeep._layers.PiecewiseLinearEncoding`, convolutions, pooling, ``Resizing``,
``Normalization``, ``Add``, ``Multiply`` and ``Concatenate``; the pretrained backbones
(a nested network, walked the same way: ``DepthwiseConv2D``, ``ZeroPadding2D``,
``Rescaling``, ``ReLU``, ``Reshape``, arithmetic with a number); an ensemble of such
networks averaged by :class:`~autodeep._layers.WeightedAverage`. The text layers and
masks are in :mod:`autodeep.export._sequence`. The functional graph is walked node by
node. Anything else is refused by name.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autodeep.export import _sequence
from autodeep.export._graph import Graph
from autodeep.export._primitives import activation, activation_name, padding, value


def convert(graph: Graph, model: Any, x: str) -> str:
    """The nodes of ``model`` applied to the float32 value ``x``; its output's name."""
    from autodeep._ensemble import members_of

    ensemble = members_of(model)
    if ensemble is None:
        return _functional(graph, model, x)
    members, weights = ensemble
    total = float(sum(weights))
    result = None
    for member, weight in zip(members, weights, strict=True):
        scaled = graph.op(
            "Mul",
            _functional(graph, member, x),
            graph.const(np.float32(weight / total), "member_weight"),
        )
        result = scaled if result is None else graph.op("Add", result, scaled)
    assert result is not None
    return result


# Keras operations between a value and a number (``x + 3.0`` in a backbone).
ARITHMETIC = {"Add": "Add", "Subtract": "Sub", "Multiply": "Mul", "Divide": "Div"}


def _arithmetic(graph: Graph, operation: Any, node: Any, inputs: list[str]) -> str:
    args = node.arguments.args
    if len(inputs) == 2:
        return graph.op(ARITHMETIC[type(operation).__name__], *inputs)
    numbers = [a for a in args if isinstance(a, (int, float, np.number))]
    if len(inputs) != 1 or len(numbers) != 1 or len(args) != 2:
        raise NotImplementedError(
            f"ONNX export reads {type(operation).__name__} of two values or of a "
            "value and a number."
        )
    constant = graph.const(np.float32(numbers[0]))
    (x,) = inputs
    number_first = isinstance(args[0], (int, float, np.number))
    pair = (constant, x) if number_first else (x, constant)
    return graph.op(ARITHMETIC[type(operation).__name__], *pair)


def _functional(graph: Graph, model: Any, x: str) -> str:
    """A functional network, node by node from its input (its layers may branch
    and join, as residual blocks do)."""
    import keras

    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise NotImplementedError(
            f"ONNX export reads networks with one input and one output; "
            f"{model.name!r} has {len(model.inputs)} and {len(model.outputs)}."
        )
    names = {id(model.inputs[0]): x}
    for depth in sorted(model._nodes_by_depth, reverse=True):
        for node in model._nodes_by_depth[depth]:
            operation = node.operation
            if isinstance(operation, keras.layers.InputLayer):
                continue
            inputs = [names[id(tensor)] for tensor in node.input_tensors]
            if isinstance(operation, keras.Model):  # a pretrained backbone
                (out,) = inputs
                out = _functional(graph, operation, out)
            elif not isinstance(operation, keras.layers.Layer) and (
                type(operation).__name__ in ARITHMETIC
            ):
                out = _arithmetic(graph, operation, node, inputs)
            elif isinstance(operation, keras.layers.Add):
                out = inputs[0]
                for other in inputs[1:]:
                    out = graph.op("Add", out, other)
            elif isinstance(operation, keras.layers.Multiply):
                out = inputs[0]
                for other in inputs[1:]:
                    out = graph.op("Mul", out, other)
            elif isinstance(operation, keras.layers.Concatenate):
                out = graph.op("Concat", *inputs, axis=int(operation.axis))
            elif _sequence.converts(operation):
                out = _sequence.convert_node(graph, operation, node, inputs)
            else:
                (out,) = inputs
                out = _layer(graph, operation, out)
            names[id(node.output_tensors[0])] = out
    return names[id(model.outputs[0])]


def _layer(graph: Graph, layer: Any, x: str) -> str:
    import keras

    from autodeep._layers import (
        CategoryEmbedding,
        PeriodicEmbedding,
        PiecewiseLinearEncoding,
    )

    if isinstance(layer, keras.layers.Dense):
        return _dense(graph, layer, x)
    if isinstance(layer, keras.layers.BatchNormalization):
        return _batch_norm(graph, layer, x)
    if isinstance(layer, keras.layers.Activation):
        return activation(graph, activation_name(layer.activation), x)
    if isinstance(layer, keras.layers.Dropout):
        return x
    if isinstance(layer, CategoryEmbedding):
        return _category_embedding(graph, layer, x)
    if isinstance(layer, PeriodicEmbedding):
        return _periodic_embedding(graph, layer, x)
    if isinstance(layer, PiecewiseLinearEncoding):
        return _piecewise_encoding(graph, layer, x)
    if isinstance(layer, keras.layers.Normalization):
        return _normalization(graph, layer, x)
    if isinstance(layer, (keras.layers.Conv2D, keras.layers.SeparableConv2D)):
        return _convolution(graph, layer, x)
    if isinstance(layer, (keras.layers.MaxPooling2D, keras.layers.AveragePooling2D)):
        return _pooling(graph, layer, x)
    if isinstance(layer, keras.layers.DepthwiseConv2D):
        return _depthwise(graph, layer, x)
    if isinstance(layer, keras.layers.GlobalAveragePooling2D):
        return graph.op("ReduceMean", x, axes=[1, 2], keepdims=int(layer.keepdims))
    if isinstance(layer, keras.layers.GlobalMaxPooling2D):
        return graph.op("ReduceMax", x, axes=[1, 2], keepdims=int(layer.keepdims))
    if isinstance(layer, keras.layers.ZeroPadding2D):
        return _zero_padding(graph, layer, x)
    if isinstance(layer, keras.layers.ReLU):
        return _relu(graph, layer, x)
    if isinstance(layer, keras.layers.Rescaling):
        out = graph.op("Mul", x, graph.const(np.float32(layer.scale)))
        return graph.op("Add", out, graph.const(np.float32(layer.offset)))
    if isinstance(layer, keras.layers.Reshape):
        return graph.op("Reshape", x, graph.ints(0, *layer.target_shape))
    if isinstance(layer, keras.layers.Resizing):
        return _resizing(graph, layer, x)
    if type(layer).__name__.startswith("Random"):
        return x  # augmentation: active in training only
    raise NotImplementedError(
        f"ONNX export has no converter for the layer {layer.name!r} "
        f"({type(layer).__name__})."
    )


def _dense(graph: Graph, layer: Any, x: str) -> str:
    out = graph.op("MatMul", x, graph.const(value(layer.kernel), "kernel"))
    if layer.use_bias:
        out = graph.op("Add", out, graph.const(value(layer.bias), "bias"))
    return activation(graph, activation_name(layer.activation), out)


def _batch_norm(graph: Graph, layer: Any, x: str) -> str:
    """Inference batch normalization as ``x * a + b`` on the last axis."""
    axis = int(np.atleast_1d(layer.axis)[0]) % len(layer.input.shape)
    if axis != len(layer.input.shape) - 1:
        raise NotImplementedError(
            f"ONNX export folds batch normalization on the last axis only; "
            f"{layer.name!r} normalizes axis {layer.axis}."
        )
    mean = value(layer.moving_mean).astype(np.float64)
    variance = value(layer.moving_variance).astype(np.float64)
    gamma = value(layer.gamma).astype(np.float64) if layer.scale else 1.0
    beta = value(layer.beta).astype(np.float64) if layer.center else 0.0
    scale = gamma / np.sqrt(variance + layer.epsilon)
    shift = beta - mean * scale
    out = graph.op("Mul", x, graph.const(scale.astype(np.float32), "bn_scale"))
    return graph.op("Add", out, graph.const(shift.astype(np.float32), "bn_shift"))


def _columns(graph: Graph, x: str, start: int, stop: int) -> str:
    """Columns ``start:stop`` of a 2-D value."""
    return graph.op(
        "Slice",
        x,
        graph.ints(start),
        graph.ints(stop),
        graph.ints(1),
    )


def _category_embedding(graph: Graph, layer: Any, x: str) -> str:
    n_codes = len(layer.cardinalities)
    n_dense = int(layer.input.shape[-1]) - n_codes
    parts = [_columns(graph, x, 0, n_dense)] if n_dense else []
    for i, (embedding, cardinality) in enumerate(
        zip(layer.embeddings, layer.cardinalities, strict=True)
    ):
        column = _columns(graph, x, n_dense + i, n_dense + i + 1)
        codes = graph.op("Cast", column, to=7)  # int64; truncates as Keras' cast
        codes = graph.op("Add", codes, graph.const(np.int64(1)))
        codes = graph.op(
            "Clip", codes, graph.const(np.int64(0)), graph.const(np.int64(cardinality))
        )
        table = graph.const(value(embedding.embeddings), "embedding")
        rows = graph.op(
            "Gather",
            table,
            graph.op("Squeeze", codes, graph.ints(1)),
            axis=0,
        )
        parts.append(rows)
    return parts[0] if len(parts) == 1 else graph.op("Concat", *parts, axis=-1)


def _periodic_embedding(graph: Graph, layer: Any, x: str) -> str:
    n, width = layer.n_numeric, layer.width
    total = int(layer.input.shape[-1])
    values = graph.op(
        "Unsqueeze",
        _columns(graph, x, 0, n),
        graph.ints(2),
    )  # (batch, n, 1)
    two_pi = graph.op("Mul", values, graph.const(np.float32(2 * np.pi)))
    angles = graph.op(
        "Mul", two_pi, graph.const(value(layer.coefficients)[None], "frequencies")
    )
    periodic = graph.op(
        "Concat", graph.op("Sin", angles), graph.op("Cos", angles), axis=-1
    )
    embedded = graph.op(
        "Einsum",
        periodic,
        graph.const(value(layer.kernel), "periodic_kernel"),
        equation="bnf,nfd->bnd",
    )
    embedded = graph.op(
        "Relu",
        graph.op("Add", embedded, graph.const(value(layer.bias), "periodic_bias")),
    )
    flat = graph.op("Reshape", embedded, graph.ints(-1, n * width))
    if total == n:
        return flat
    return graph.op("Concat", flat, _columns(graph, x, n, total), axis=-1)


def _piecewise_encoding(graph: Graph, layer: Any, x: str) -> str:
    n, bins = len(layer.edges), layer.bins
    total = int(layer.input.shape[-1])
    values = graph.op("Unsqueeze", _columns(graph, x, 0, n), graph.ints(2))
    t = graph.op(
        "Div",
        graph.op("Sub", values, graph.const(layer.lower[None], "bin_lower")),
        graph.const(layer.width[None], "bin_width"),
    )
    t = graph.op("Max", t, graph.const(layer.low[None], "bin_low"))
    t = graph.op("Min", t, graph.const(layer.high[None], "bin_high"))
    flat = graph.op("Reshape", t, graph.ints(-1, n * bins))
    if total == n:
        return flat
    return graph.op("Concat", flat, _columns(graph, x, n, total), axis=-1)


# -- images: NHWC values, each convolution and pooling wrapped in transposes ------------

TO_NCHW, TO_NHWC = [0, 3, 1, 2], [0, 2, 3, 1]


def _normalization(graph: Graph, layer: Any, x: str) -> str:
    """Keras' ``(x - mean) / max(sqrt(variance), epsilon)`` on the last axis."""
    import keras

    mean = value(layer.mean).reshape(-1)
    spread = np.maximum(
        np.sqrt(value(layer.variance).reshape(-1)), keras.config.epsilon()
    )
    out = graph.op("Sub", x, graph.const(mean.astype(np.float32), "mean"))
    return graph.op("Div", out, graph.const(spread.astype(np.float32), "std"))


def _convolution(graph: Graph, layer: Any, x: str) -> str:
    import keras

    if layer.data_format != "channels_last":
        raise NotImplementedError(f"{layer.name!r} is not channels_last.")
    settings: dict[str, Any] = {
        "auto_pad": padding(layer),
        "strides": list(layer.strides),
        "dilations": list(layer.dilation_rate),
    }
    nchw = graph.op("Transpose", x, perm=TO_NCHW)
    if isinstance(layer, keras.layers.SeparableConv2D):
        nchw = _depthwise_nchw(graph, nchw, value(layer.depthwise_kernel), settings)
        kernel = value(layer.pointwise_kernel)
        settings = {"strides": [1, 1]}
    else:
        kernel = value(layer.kernel)  # (kh, kw, in / groups, out)
        settings["group"] = int(layer.groups)
    inputs = [nchw, graph.const(kernel.transpose(3, 2, 0, 1), "conv_kernel")]
    if layer.use_bias:
        inputs.append(graph.const(value(layer.bias), "conv_bias"))
    out = graph.op("Conv", *inputs, kernel_shape=list(kernel.shape[:2]), **settings)
    out = graph.op("Transpose", out, perm=TO_NHWC)
    return activation(graph, activation_name(layer.activation), out)


def _depthwise(graph: Graph, layer: Any, x: str) -> str:
    if layer.data_format != "channels_last":
        raise NotImplementedError(f"{layer.name!r} is not channels_last.")
    settings = {
        "auto_pad": padding(layer),
        "strides": list(layer.strides),
        "dilations": list(layer.dilation_rate),
    }
    bias = value(layer.bias) if layer.use_bias else None
    nchw = graph.op("Transpose", x, perm=TO_NCHW)
    out = _depthwise_nchw(graph, nchw, value(layer.kernel), settings, bias)
    out = graph.op("Transpose", out, perm=TO_NHWC)
    return activation(graph, activation_name(layer.activation), out)


def _depthwise_nchw(
    graph: Graph,
    nchw: str,
    kernel: np.ndarray,
    settings: dict[str, Any],
    bias: np.ndarray | None = None,
) -> str:
    """A depthwise convolution (Keras kernel ``(kh, kw, in, multiplier)``) as a
    grouped ``Conv`` on NCHW values."""
    kh, kw, channels, multiplier = kernel.shape
    weights = kernel.transpose(2, 3, 0, 1).reshape(channels * multiplier, 1, kh, kw)
    inputs = [nchw, graph.const(weights, "depthwise_kernel")]
    if bias is not None:
        inputs.append(graph.const(bias, "depthwise_bias"))
    return graph.op(
        "Conv",
        *inputs,
        group=int(channels),
        kernel_shape=[int(kh), int(kw)],
        **settings,
    )


def _zero_padding(graph: Graph, layer: Any, x: str) -> str:
    if layer.data_format != "channels_last":
        raise NotImplementedError(f"{layer.name!r} is not channels_last.")
    (top, bottom), (left, right) = layer.padding
    return graph.op("Pad", x, graph.ints(0, top, left, 0, 0, bottom, right, 0))


def _relu(graph: Graph, layer: Any, x: str) -> str:
    if layer.negative_slope or layer.threshold:
        raise NotImplementedError(
            f"ONNX export reads ReLU layers without a slope or threshold; "
            f"{layer.name!r} has them."
        )
    if layer.max_value is None:
        return graph.op("Relu", x)
    return graph.op(
        "Clip",
        x,
        graph.const(np.float32(0.0)),
        graph.const(np.float32(layer.max_value)),
    )


def _pooling(graph: Graph, layer: Any, x: str) -> str:
    import keras

    settings: dict[str, Any] = {
        "kernel_shape": list(layer.pool_size),
        "strides": list(layer.strides),
        "auto_pad": padding(layer),
    }
    nchw = graph.op("Transpose", x, perm=TO_NCHW)
    if isinstance(layer, keras.layers.MaxPooling2D):
        out = graph.op("MaxPool", nchw, **settings)
    else:  # padded positions do not count, as in TensorFlow
        out = graph.op("AveragePool", nchw, count_include_pad=0, **settings)
    return graph.op("Transpose", out, perm=TO_NHWC)


def _resizing(graph: Graph, layer: Any, x: str) -> str:
    """A resize of fixed sizes is linear and works on each axis on its own: the
    layer's own output on one-hot images gives its matrix for the rows and for the
    columns, and the graph applies the two (``out = R_h image R_w^T`` per channel)."""
    import keras

    if getattr(layer, "crop_to_aspect_ratio", False) or getattr(
        layer, "pad_to_aspect_ratio", False
    ):
        raise NotImplementedError(
            f"ONNX export resizes without cropping or padding; {layer.name!r} "
            "crops or pads to the aspect ratio."
        )
    _, height, width, _ = layer.input.shape
    out_height, out_width = int(layer.height), int(layer.width)

    def matrix(size: int, out_size: int, axis: int) -> np.ndarray:
        # One one-hot image per input position, resized along ``axis`` only.
        basis = np.eye(size, dtype=np.float32)
        shape = (size, size, 1, 1) if axis == 1 else (size, 1, size, 1)
        resize = keras.layers.Resizing(
            out_size if axis == 1 else 1,
            1 if axis == 1 else out_size,
            interpolation=layer.interpolation,
            antialias=layer.antialias,
        )
        result = keras.ops.convert_to_numpy(resize(basis.reshape(shape)))
        return result.reshape(size, out_size).T.astype(np.float32)  # (out, in)

    rows = matrix(int(height), out_height, 1)
    columns = matrix(int(width), out_width, 2)
    return graph.op(
        "Einsum",
        x,
        graph.const(rows, "resize_rows"),
        graph.const(columns, "resize_columns"),
        equation="nhwc,ah,bw->nabc",
    )
