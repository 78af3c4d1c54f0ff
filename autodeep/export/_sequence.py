"""Text networks as ONNX nodes: what the text search builds on token ids.

Token and position embeddings, the padding masks and the Keras operations that make
them (``not_equal``, slicing, ``ones_like``, ``concatenate``, ``expand_dims``), masked
pooling, 1-D convolutions, LSTM and GRU layers (bidirectional or not) and transformer
encoder blocks (multi-head attention, layer normalization). Each converter reads the
layer's weights, so the graph is the same whichever backend trained it.

Masks are boolean values in the graph. A recurrent layer's mask is a prefix of each
row (the tokens, then padding: the text encoders pad at the end), so it becomes the
row's length, which ONNX's ``LSTM`` and ``GRU`` take as ``sequence_lens``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autodeep.export._graph import Graph
from autodeep.export._primitives import activation, activation_name, padding, value

INT64_MAX = np.iinfo(np.int64).max
# Added to the attention scores of masked keys before the softmax, as Keras does.
MASKED_SCORE = -1e9


def converts(operation: Any) -> bool:
    """Whether :func:`convert_node` handles ``operation``."""
    return type(operation).__name__ in _CONVERTERS


def convert_node(graph: Graph, operation: Any, node: Any, inputs: list[str]) -> str:
    """The ONNX value of one node of a text network, from its inputs' values."""
    return _CONVERTERS[type(operation).__name__](graph, operation, node, inputs)


# -- Keras operations on masks and ids ---------------------------------------------


def _not_equal(graph: Graph, operation: Any, node: Any, inputs: list[str]) -> str:
    (x,) = inputs
    other = node.arguments.args[1]
    if not isinstance(other, (int, float, np.number)):
        raise NotImplementedError("ONNX export compares with a constant only.")
    constant = graph.op("CastLike", graph.const(np.float64(other)), x)
    return graph.op("Not", graph.op("Equal", x, constant))


def _get_item(graph: Graph, operation: Any, node: Any, inputs: list[str]) -> str:
    (x,) = inputs
    key = node.arguments.args[1]
    key = key if isinstance(key, tuple) else (key,)
    starts, ends, axes, steps = [], [], [], []
    for axis, part in enumerate(key):
        if not isinstance(part, slice):
            raise NotImplementedError(
                f"ONNX export slices with ranges only; got the index {part!r}."
            )
        if part == slice(None):
            continue
        starts.append(0 if part.start is None else int(part.start))
        ends.append(INT64_MAX if part.stop is None else int(part.stop))
        axes.append(axis)
        steps.append(1 if part.step is None else int(part.step))
    if not axes:
        return x
    return graph.op(
        "Slice",
        x,
        graph.ints(*starts),
        graph.ints(*ends),
        graph.ints(*axes),
        graph.ints(*steps),
    )


def _ones_like(graph: Graph, operation: Any, node: Any, inputs: list[str]) -> str:
    (x,) = inputs
    ones = graph.op("Expand", graph.const(np.float32(1.0)), graph.op("Shape", x))
    return graph.op("CastLike", ones, x)


def _concatenate(graph: Graph, operation: Any, node: Any, inputs: list[str]) -> str:
    return graph.op("Concat", *inputs, axis=int(operation.axis))


def _expand_dims(graph: Graph, operation: Any, node: Any, inputs: list[str]) -> str:
    (x,) = inputs
    return graph.op("Unsqueeze", x, graph.ints(int(operation.axis)))


# -- embeddings and pooling ----------------------------------------------------------


def _embedding(graph: Graph, layer: Any, node: Any, inputs: list[str]) -> str:
    (ids,) = inputs
    table = graph.const(value(layer.embeddings), "token_embedding")
    return graph.op("Gather", table, ids, axis=0)


def _position_embedding(graph: Graph, layer: Any, node: Any, inputs: list[str]) -> str:
    (ids,) = inputs
    length = int(layer.input.shape[-1])
    tokens = graph.op(
        "Gather", graph.const(value(layer.token_embeddings), "token_embedding"), ids
    )
    positions = value(layer.position_embeddings)[:length][None]
    return graph.op("Add", tokens, graph.const(positions, "position_embedding"))


def _masked_pooling(graph: Graph, layer: Any, node: Any, inputs: list[str]) -> str:
    """:class:`~autodeep._layers.MaskedGlobalPooling1D`: average or max over the
    steps the mask keeps; a row with none pools to zeros."""
    x, *mask = inputs
    if not mask:
        reduce = "ReduceMax" if layer.mode == "max" else "ReduceMean"
        return graph.op(reduce, x, axes=[1], keepdims=0)
    keep = graph.op("Unsqueeze", graph.op("Cast", mask[0], to=9), graph.ints(-1))
    zero = graph.const(np.float32(0.0))
    counts = graph.op("ReduceSum", graph.op("Cast", keep, to=1), graph.ints(1))
    counts = graph.op("Squeeze", counts, graph.ints(1))  # (batch, 1)
    if layer.mode == "max":
        hidden = graph.op("Where", keep, x, graph.const(np.float32(-np.inf)))
        pooled = graph.op("ReduceMax", hidden, axes=[1], keepdims=0)
        return graph.op("Where", graph.op("Greater", counts, zero), pooled, zero)
    total = graph.op(
        "ReduceSum", graph.op("Where", keep, x, zero), graph.ints(1), keepdims=0
    )
    return graph.op("Div", total, graph.op("Max", counts, graph.const(np.float32(1))))


def _conv1d(graph: Graph, layer: Any, node: Any, inputs: list[str]) -> str:
    (x,) = inputs
    if layer.data_format != "channels_last" or layer.groups != 1:
        raise NotImplementedError(
            f"ONNX export reads channels_last Conv1D without groups; {layer.name!r}."
        )
    kernel = value(layer.kernel)  # (width, in, out)
    conv_inputs = [
        graph.op("Transpose", x, perm=[0, 2, 1]),
        graph.const(kernel.transpose(2, 1, 0), "conv_kernel"),
    ]
    if layer.use_bias:
        conv_inputs.append(graph.const(value(layer.bias), "conv_bias"))
    out = graph.op(
        "Conv",
        *conv_inputs,
        kernel_shape=[int(kernel.shape[0])],
        strides=list(layer.strides),
        dilations=list(layer.dilation_rate),
        auto_pad=padding(layer),
    )
    out = graph.op("Transpose", out, perm=[0, 2, 1])
    return activation(graph, activation_name(layer.activation), out)


def _global_max_1d(graph: Graph, layer: Any, node: Any, inputs: list[str]) -> str:
    (x,) = inputs
    return graph.op("ReduceMax", x, axes=[1], keepdims=0)


# -- transformer encoder blocks ------------------------------------------------------


def _layer_norm(graph: Graph, layer: Any, node: Any, inputs: list[str]) -> str:
    (x,) = inputs
    axes = [int(a) for a in np.atleast_1d(layer.axis)]
    if axes not in ([-1], [len(layer.input.shape) - 1]) or getattr(
        layer, "rms_scaling", False
    ):
        raise NotImplementedError(
            f"ONNX export normalizes the last axis only; {layer.name!r}."
        )
    width = int(layer.input.shape[-1])
    scale = value(layer.gamma) if layer.scale else np.ones(width, np.float32)
    shift = value(layer.beta) if layer.center else np.zeros(width, np.float32)
    return graph.op(
        "LayerNormalization",
        x,
        graph.const(scale, "ln_scale"),
        graph.const(shift, "ln_shift"),
        axis=-1,
        epsilon=float(layer.epsilon),
    )


def _einsum_dense(graph: Graph, dense: Any, x: str, equation: str) -> str:
    out = graph.op(
        "Einsum", x, graph.const(value(dense.kernel), "kernel"), equation=equation
    )
    if dense.bias is not None:
        out = graph.op("Add", out, graph.const(value(dense.bias), "bias"))
    return out


def _attention(graph: Graph, layer: Any, node: Any, inputs: list[str]) -> str:
    """Keras' ``MultiHeadAttention`` on ``(batch, time, width)`` values, with an
    optional boolean ``attention_mask`` (``True``: the query may attend the key)."""
    query, memory, *rest = inputs
    if len(node.arguments.args) > 2 or set(node.arguments.kwargs) - {
        "attention_mask",
        "training",
    }:
        raise NotImplementedError(
            f"ONNX export reads attention of a query over a value with an "
            f"attention_mask; {layer.name!r} is called with more."
        )
    mask = rest[0] if rest else None
    q = _einsum_dense(graph, layer._query_dense, query, "btd,dhk->bthk")
    k = _einsum_dense(graph, layer._key_dense, memory, "bsd,dhk->bshk")
    v = _einsum_dense(graph, layer._value_dense, memory, "bsd,dhk->bshk")
    q = graph.op("Mul", q, graph.const(np.float32(1.0 / np.sqrt(layer._key_dim))))
    scores = graph.op("Einsum", k, q, equation="bshk,bthk->bhts")
    if mask is not None:
        allowed = graph.op("Unsqueeze", graph.op("Cast", mask, to=1), graph.ints(1))
        penalty = graph.op(
            "Mul",
            graph.op("Sub", graph.const(np.float32(1.0)), allowed),
            graph.const(np.float32(MASKED_SCORE)),
        )
        scores = graph.op("Add", scores, penalty)
    weights = graph.op("Softmax", scores, axis=-1)
    heads = graph.op("Einsum", weights, v, equation="bhts,bshk->bthk")
    return _einsum_dense(graph, layer._output_dense, heads, "bthk,hkd->btd")


# -- recurrent layers ----------------------------------------------------------------

# Keras' gate order in the kernels, and the blocks ONNX wants in its order.
LSTM_GATES = [0, 3, 1, 2]  # Keras i, f, c, o -> ONNX i, o, f, c
GRU_GATES = [0, 1, 2]  # Keras z, r, h == ONNX z, r, h


def _recurrent(graph: Graph, layer: Any, node: Any, inputs: list[str]) -> str:
    """``LSTM``, ``GRU`` or their ``Bidirectional`` wrapper (concatenated), returning
    the last state of each row's unmasked steps."""
    import keras

    x, *mask = inputs
    if isinstance(layer, keras.layers.Bidirectional):
        if layer.merge_mode != "concat":
            raise NotImplementedError(
                f"ONNX export concatenates both directions; {layer.name!r} merges "
                f"them with {layer.merge_mode!r}."
            )
        cells = [layer.forward_layer, layer.backward_layer]
        direction = "bidirectional"
    else:
        cells, direction = [layer], "forward"
    kind = type(cells[0]).__name__
    for cell_layer, backwards in zip(cells, (False, True), strict=False):
        _check_recurrent(cell_layer, backwards)
    gates = {"LSTM": LSTM_GATES, "GRU": GRU_GATES}[kind]
    weights = [_recurrent_weights(cell_layer.cell, gates) for cell_layer in cells]
    settings: dict[str, Any] = {
        "direction": direction,
        "hidden_size": int(cells[0].units),
    }
    if kind == "GRU":
        settings["linear_before_reset"] = 1
    time_major = graph.op("Transpose", x, perm=[1, 0, 2])
    operands = [
        time_major,
        graph.const(np.stack([w for w, _, _ in weights]), "rnn_kernel"),
        graph.const(np.stack([r for _, r, _ in weights]), "rnn_recurrent"),
        graph.const(np.stack([b for _, _, b in weights]), "rnn_bias"),
    ]
    if mask:
        lengths = graph.op(
            "ReduceSum", graph.op("Cast", mask[0], to=7), graph.ints(1), keepdims=0
        )
        operands.append(graph.op("Cast", lengths, to=6))  # int32 sequence_lens
    last = graph.output_of(kind, *operands, index=1, **settings)
    # (directions, batch, units) -> (batch, directions * units), forward first.
    last = graph.op("Transpose", last, perm=[1, 0, 2])
    return graph.op("Reshape", last, graph.ints(0, -1))


def _check_recurrent(layer: Any, backwards: bool) -> None:
    cell = layer.cell
    kind = type(layer).__name__
    problems = []
    if kind not in ("LSTM", "GRU"):
        problems.append(f"it is a {kind}")
    if layer.return_sequences or layer.return_state or layer.stateful:
        problems.append("it returns sequences or states")
    if bool(layer.go_backwards) != backwards:
        problems.append("its direction is not the one expected")
    if activation_name(cell.activation) != "tanh" or (
        activation_name(cell.recurrent_activation) != "sigmoid"
    ):
        problems.append("its activations are not tanh and sigmoid")
    if not cell.use_bias:
        problems.append("it has no bias")
    if kind == "GRU" and not cell.reset_after:
        problems.append("it is a GRU without reset_after")
    if problems:
        raise NotImplementedError(
            f"ONNX export reads Keras' default LSTM and GRU layers; {layer.name!r} "
            f"differs: {'; '.join(problems)}."
        )


def _recurrent_weights(
    cell: Any, gates: list[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ONNX's ``W``, ``R`` and ``B`` (input and recurrent biases) for one direction."""

    def reorder(matrix: np.ndarray) -> np.ndarray:  # (rows, gates * units)
        blocks = np.split(matrix, len(gates), axis=-1)
        return np.concatenate([blocks[g] for g in gates], axis=-1)

    kernel = reorder(value(cell.kernel)).T
    recurrent = reorder(value(cell.recurrent_kernel)).T
    bias = value(cell.bias)
    if bias.ndim == 2:  # GRU with reset_after: input and recurrent biases
        input_bias, recurrent_bias = reorder(bias[0]), reorder(bias[1])
    else:
        input_bias, recurrent_bias = reorder(bias), np.zeros_like(bias)
    return kernel, recurrent, np.concatenate([input_bias, recurrent_bias])


_CONVERTERS = {
    "NotEqual": _not_equal,
    "GetItem": _get_item,
    "OnesLike": _ones_like,
    "Concatenate": _concatenate,
    "ExpandDims": _expand_dims,
    "Embedding": _embedding,
    "PositionEmbedding": _position_embedding,
    "MaskedGlobalPooling1D": _masked_pooling,
    "Conv1D": _conv1d,
    "GlobalMaxPooling1D": _global_max_1d,
    "LayerNormalization": _layer_norm,
    "MultiHeadAttention": _attention,
    "LSTM": _recurrent,
    "GRU": _recurrent,
    "Bidirectional": _recurrent,
}
