"""A trained model seen as a function of a float representation of its input.

Gradients need a float input. Pixels are one already; token ids and category codes are
not, so their explanations differentiate the output of the embedding layer instead,
and Grad-CAM the last convolutional feature map (see
:class:`~autodeep._model_parts.ModelParts`). :class:`Probe` builds, with the Keras
functional API, a model that takes both the original inputs and the representation
and computes the logits from the representation onward: everything that depends on
the inputs alone, such as the padding masks computed from token ids, still reaches
attention and pooling layers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Literal

import keras
import numpy as np
from scipy.special import softmax as scipy_softmax

from autodeep import _backend
from autodeep._model_parts import ModelParts, model_parts

# Rows a single forward or backward pass takes at most (bounds memory: IG multiplies
# every row by its step count).
CHUNK_ROWS = 256

# Where a probe's representation lives: the model input itself, the output of the
# embedding of category codes or token ids, or the last convolutional feature map.
Representation = Literal["input", "embedding", "feature_map"]


class Probe:
    """The model's logits as a function of ``(inputs, representation)``.

    Parameters
    ----------
    model : keras.Model
        A trained single autodeep network (see
        :func:`~autodeep._model_parts.model_parts`).
    representation : {"input", "embedding", "feature_map"}, default="input"
        What the representation is: the model input, the output of its embedding
        layer, or its last convolutional feature map.
    """

    def __init__(self, model: keras.Model, representation: Representation = "input"):
        self.model_parts: ModelParts = model_parts(model)
        self.representation = representation
        tensor = _representation_tensor(self.model_parts, representation)
        logits = self.model_parts.logits
        if tensor is None:
            self._prefix: keras.Model | None = None
            self._suffix = keras.Model(model.input, logits)
        else:
            self._prefix = keras.Model(model.input, tensor)
            self._suffix = keras.Model([model.input, tensor], logits)

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
        if self._prefix is None:
            return self._suffix(representation, training=False)
        model_input, replaced = self._suffix.inputs
        return self._suffix(
            [
                keras.ops.convert_to_tensor(inputs, model_input.dtype),
                keras.ops.cast(representation, replaced.dtype),
            ],
            training=False,
        )


def _representation_tensor(
    parts: ModelParts, representation: Representation
) -> keras.KerasTensor | None:
    """The tensor of the network's graph that ``representation`` names (None: input)."""
    if representation == "input":
        return None
    if representation == "embedding" and parts.embedding is not None:
        return parts.embedding.output
    if representation == "feature_map" and parts.feature_map is not None:
        return parts.feature_map
    raise ValueError(
        f"representation={representation!r} needs a network with that part; this "
        "one has none (choose 'input', or 'embedding' for one that embeds category "
        "codes or token ids, 'feature_map' for a convolutional one)."
    )


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
        self.shared = all(part.representation == "input" for part in parts)
        self.representation = parts[0].representation

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
    """Class probabilities from a batch of logits (one row per example)."""
    probabilities: np.ndarray = scipy_softmax(logits, axis=1)
    return probabilities


def _chunks(array: np.ndarray, size: int) -> Iterator[np.ndarray]:
    for start in range(0, len(array), size):
        yield array[start : start + size]
