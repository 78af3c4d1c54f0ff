"""A trained model seen as a function of a float representation of its input.

Gradients need a float input. Pixels are one already; token ids and category codes are
not, so their explanations differentiate the output of the embedding layer instead,
and Grad-CAM the last convolutional feature map. :class:`Probe` runs the whole model
on the original inputs while one layer's output (or input) is replaced by a given
tensor, so masks computed from token ids still reach attention and pooling layers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import keras
import numpy as np

from autodeep import _backend

# Rows a single forward or backward pass takes at most (bounds memory: IG multiplies
# every row by its step count).
CHUNK_ROWS = 256


class Probe:
    """The model's logits as a function of ``(inputs, representation)``.

    Parameters
    ----------
    model : keras.Model
        A trained autodeep model; it has a layer named ``logits`` (pre-activation).
    layer : str or None
        Where the representation lives: ``None`` is the model input itself.
    side : {"output", "input"}
        Replace the layer's output, or feed the representation into the layer.
    """

    def __init__(self, model: keras.Model, layer: str | None, side: str = "output"):
        self.source = model
        self.model = keras.Model(model.input, model.get_layer("logits").output)
        self.layer = layer
        self.side = side
        if layer is None:
            self._prefix: keras.Model | None = None
        else:
            node = model.get_layer(layer)
            tensor = node.output if side == "output" else node.input
            self._prefix = keras.Model(model.input, tensor)

    @property
    def parts(self) -> list[Probe]:
        """The single-network probes this one is made of: itself (see EnsembleProbe)."""
        return [self]

    @property
    def width(self) -> int | None:
        """The size of the representation's last axis; None when it is the input."""
        return None if self._prefix is None else int(self._prefix.output.shape[-1])

    def represent(self, inputs: np.ndarray) -> np.ndarray:
        """The float representation of model inputs (the inputs themselves, or a layer's)."""
        if self._prefix is None:
            return np.asarray(inputs, dtype=np.float32)
        return np.concatenate(
            [
                keras.ops.convert_to_numpy(self._prefix(part, training=False))
                for part in _chunks(inputs, CHUNK_ROWS)
            ]
        ).astype(np.float32)

    def logits(self, inputs: np.ndarray, representation: np.ndarray) -> np.ndarray:
        """Logits of the model on ``representation`` (rows aligned with ``inputs``)."""
        parts = []
        for start in range(0, len(inputs), CHUNK_ROWS):
            stop = start + CHUNK_ROWS
            values = self._forward(inputs[start:stop], representation[start:stop])
            parts.append(keras.ops.convert_to_numpy(values))
        return np.concatenate(parts).astype(np.float32)

    def gradient(
        self, inputs: np.ndarray, representation: np.ndarray, targets: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each row's target logit and its gradient with respect to the representation."""
        values, gradients = [], []
        for start in range(0, len(inputs), CHUNK_ROWS):
            stop = start + CHUNK_ROWS
            score = self._score(inputs[start:stop], targets[start:stop])
            value, gradient = _backend.value_and_gradient(
                score, representation[start:stop]
            )
            values.append(value)
            gradients.append(gradient)
        return np.concatenate(values), np.concatenate(gradients)

    def _score(self, inputs: np.ndarray, targets: np.ndarray) -> Callable[[Any], Any]:
        picked = keras.ops.convert_to_tensor(targets.astype("int32")[:, None])

        def score(representation: Any) -> Any:
            logits = keras.ops.cast(self._forward(inputs, representation), "float32")
            return keras.ops.take_along_axis(logits, picked, axis=1)[:, 0]

        return score

    def _forward(self, inputs: Any, representation: Any) -> Any:
        if self.layer is None:
            return self.model(representation, training=False)
        with _replaced(self.model.get_layer(self.layer), representation, self.side):
            return self.model(inputs, training=False)


class EnsembleProbe:
    """The probes of an ensemble's members seen as one probe.

    When every member reads the input itself, they share the representation;
    otherwise (embeddings) the representation is the members' representations side by
    side on the last axis, each member differentiating its own part. Gradients are
    those of the members' weighted logits, so the attributions of a linear method
    (gradients, integrated gradients, SmoothGrad) are the weighted average of the
    members' attributions. :meth:`logits` returns what the ensemble predicts: for a
    classifier the log of its averaged probabilities, for a regressor the weighted
    average of the members' outputs.
    """

    def __init__(
        self, parts: list[Probe], weights: list[float], classification: bool
    ) -> None:
        self.parts = parts
        total = float(sum(weights))
        self.weights = [float(w) / total for w in weights]
        self.classification = classification
        self.shared = all(part.layer is None for part in parts)
        self.layer = parts[0].layer

    def represent(self, inputs: np.ndarray) -> np.ndarray:
        if self.shared:
            return self.parts[0].represent(inputs)
        return np.concatenate([part.represent(inputs) for part in self.parts], axis=-1)

    def split(self, z: np.ndarray) -> list[np.ndarray]:
        """Each member's part of a representation."""
        if self.shared:
            return [z] * len(self.parts)
        widths = [int(part.width or 0) for part in self.parts]
        return np.split(z, np.cumsum(widths)[:-1], axis=-1)

    def logits(self, inputs: np.ndarray, representation: np.ndarray) -> np.ndarray:
        outputs = [
            part.logits(inputs, z)
            for part, z in zip(self.parts, self.split(representation), strict=True)
        ]
        if not self.classification:
            return _weighted_sum(self.weights, outputs)
        probabilities = _weighted_sum(self.weights, [softmax(o) for o in outputs])
        return np.log(np.maximum(probabilities, 1e-30)).astype(np.float32)

    def gradient(
        self, inputs: np.ndarray, representation: np.ndarray, targets: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        values, gradients = [], []
        for part, z in zip(self.parts, self.split(representation), strict=True):
            value, gradient = part.gradient(inputs, z, targets)
            values.append(value)
            gradients.append(gradient)
        value = _weighted_sum(self.weights, values)
        if self.shared:
            return value, _weighted_sum(self.weights, gradients)
        weighted = [w * g for w, g in zip(self.weights, gradients, strict=True)]
        return value, np.concatenate(weighted, axis=-1)


def _weighted_sum(weights: list[float], arrays: list[np.ndarray]) -> np.ndarray:
    total = np.zeros_like(arrays[0], dtype=np.float32)
    for weight, array in zip(weights, arrays, strict=True):
        total += weight * array
    return total


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


@contextmanager
def _replaced(layer: keras.layers.Layer, tensor: Any, side: str) -> Iterator[None]:
    """Make ``layer`` return ``tensor`` (side="output") or act on it (side="input").

    The replacement is an attribute on this one layer object and is removed on exit.
    Keras' ``Layer.__call__`` still computes the layer's mask from its real input.
    """
    original = layer.call
    cast = keras.ops.cast(tensor, layer.compute_dtype)
    if side == "output":
        layer.call = lambda *args, **kwargs: cast
    else:
        layer.call = lambda inputs, *args, **kwargs: original(cast, *args, **kwargs)
    try:
        yield
    finally:
        del layer.call


def _chunks(array: np.ndarray, size: int) -> Iterator[np.ndarray]:
    for start in range(0, len(array), size):
        yield array[start : start + size]
