"""What the network converters share: weights as arrays, activations and padding."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autodeep.export._graph import Graph

# Keras' constants for SELU.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def value(variable: Any) -> np.ndarray:
    import keras

    return np.asarray(keras.ops.convert_to_numpy(variable), dtype=np.float32)


def activation_name(function: Any) -> str:
    name = getattr(function, "__name__", str(function))
    return {"silu": "swish"}.get(name, name)


def _swish(graph: Graph, x: str) -> str:
    return graph.op("Mul", x, graph.op("Sigmoid", x))


def _gelu(graph: Graph, x: str) -> str:
    # Keras' exact GELU: x / 2 * (1 + erf(x / sqrt(2))).
    inner = graph.op("Erf", graph.op("Div", x, graph.const(np.float32(np.sqrt(2.0)))))
    one_plus = graph.op("Add", inner, graph.const(np.float32(1.0)))
    return graph.op("Mul", graph.op("Mul", x, graph.const(np.float32(0.5))), one_plus)


ACTIVATIONS: dict[str, Callable[[Graph, str], str]] = {
    "linear": lambda graph, x: x,
    "relu": lambda graph, x: graph.op("Relu", x),
    "tanh": lambda graph, x: graph.op("Tanh", x),
    "sigmoid": lambda graph, x: graph.op("Sigmoid", x),
    "elu": lambda graph, x: graph.op("Elu", x, alpha=1.0),
    "selu": lambda graph, x: graph.op("Selu", x, alpha=SELU_ALPHA, gamma=SELU_SCALE),
    "softplus": lambda graph, x: graph.op("Softplus", x),
    "softsign": lambda graph, x: graph.op("Softsign", x),
    "swish": _swish,
    "gelu": _gelu,
    "softmax": lambda graph, x: graph.op("Softmax", x, axis=-1),
    # Keras: x * relu6(x + 3) / 6 and relu6(x + 3) / 6, ONNX's with these constants.
    "hard_silu": lambda graph, x: graph.op("HardSwish", x),
    "hard_sigmoid": lambda graph, x: graph.op(
        "HardSigmoid", x, alpha=1.0 / 6.0, beta=0.5
    ),
}
ACTIVATIONS["hard_swish"] = ACTIVATIONS["hard_silu"]


def activation(graph: Graph, name: str, x: str) -> str:
    if name not in ACTIVATIONS:
        raise NotImplementedError(
            f"ONNX export has no converter for the activation {name!r}; it covers "
            f"{sorted(ACTIVATIONS)}."
        )
    return ACTIVATIONS[name](graph, x)


def padding(layer: Any) -> str:
    if layer.padding == "same":
        return "SAME_UPPER"  # as TensorFlow: the extra row and column at the end
    if layer.padding == "valid":
        return "VALID"
    raise NotImplementedError(
        f"ONNX export has no converter for padding {layer.padding!r} ({layer.name!r})."
    )
