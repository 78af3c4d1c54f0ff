"""Custom Keras layers that autodeep models use; registered so `.keras` files load safely."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import ops


def embedding_size(cardinality: int) -> int:
    """Embedding width for a column with ``cardinality`` categories (grows sub-linearly)."""
    return int(min(32, max(2, round(1.6 * cardinality**0.56))))


@keras.saving.register_keras_serializable(package="autodeep")
class CategoryEmbedding(keras.layers.Layer):
    """Pass dense columns through and embed the trailing integer-code columns.

    The input's last ``len(cardinalities)`` columns hold category codes from an ordinal
    encoder: ``-1`` for a category unseen at fit time, else ``0 .. cardinality - 1``.
    Code ``-1`` maps to a dedicated "unknown" row of each embedding table.
    """

    def __init__(self, cardinalities: list[int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cardinalities = [int(c) for c in cardinalities]
        self.embeddings = [
            keras.layers.Embedding(c + 1, embedding_size(c), name=f"embedding_{i}")
            for i, c in enumerate(self.cardinalities)
        ]

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        for embedding in self.embeddings:
            embedding.build((None,))

    def call(self, inputs: Any) -> Any:
        n_codes = len(self.cardinalities)
        n_dense = inputs.shape[-1] - n_codes
        parts = [inputs[:, :n_dense]] if n_dense else []
        for i, embedding in enumerate(self.embeddings):
            codes = ops.cast(inputs[:, n_dense + i], "int32") + 1
            codes = ops.clip(codes, 0, self.cardinalities[i])
            parts.append(embedding(codes))
        return ops.concatenate(parts, axis=-1)

    def compute_output_shape(
        self, input_shape: tuple[int | None, ...]
    ) -> tuple[Any, ...]:
        n_dense = input_shape[-1] - len(self.cardinalities)  # type: ignore[operator]
        width = n_dense + sum(embedding_size(c) for c in self.cardinalities)
        return (input_shape[0], width)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "cardinalities": self.cardinalities}


@keras.saving.register_keras_serializable(package="autodeep")
class PositionEmbedding(keras.layers.Layer):
    """Embed token ids and add a learned embedding of each position.

    The input holds ``sequence_length`` (or fewer) token ids per row, ``0`` being
    padding; the output is ``token_embedding[id] + position_embedding[position]``.
    The layer passes on a mask (``ids != 0``) so attention and pooling skip padding.
    """

    def __init__(
        self,
        vocabulary_size: int,
        sequence_length: int,
        embedding_dim: int,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.vocabulary_size = int(vocabulary_size)
        self.sequence_length = int(sequence_length)
        self.embedding_dim = int(embedding_dim)
        self.supports_masking = True

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        length = input_shape[-1]
        if length is not None and length > self.sequence_length:
            raise ValueError(
                f"PositionEmbedding(sequence_length={self.sequence_length}) got "
                f"sequences of length {length}; build it with a longer length."
            )
        self.token_embeddings = self.add_weight(
            shape=(self.vocabulary_size, self.embedding_dim),
            initializer="uniform",
            name="token_embeddings",
        )
        self.position_embeddings = self.add_weight(
            shape=(self.sequence_length, self.embedding_dim),
            initializer="uniform",
            name="position_embeddings",
        )

    def call(self, inputs: Any) -> Any:
        ids = ops.cast(inputs, "int32")
        tokens = ops.take(self.token_embeddings, ids, axis=0)
        positions = self.position_embeddings[: ops.shape(ids)[-1]]
        return ops.cast(tokens + positions[None], self.compute_dtype)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return ops.not_equal(inputs, 0)

    def compute_output_shape(
        self, input_shape: tuple[int | None, ...]
    ) -> tuple[Any, ...]:
        return (*input_shape, self.embedding_dim)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "vocabulary_size": self.vocabulary_size,
            "sequence_length": self.sequence_length,
            "embedding_dim": self.embedding_dim,
        }


@keras.saving.register_keras_serializable(package="autodeep")
class ColumnRepresentation(keras.layers.Layer):
    """One float vector per row of a frame with text or image columns.

    The input row is the parts of ``parts`` side by side (see
    :class:`autodeep.preprocessing.columns.ColumnEncoders`); the output is, in the
    same order: the tabular features with their category codes embedded (as
    :class:`CategoryEmbedding` does), each text column's token embeddings flattened
    (``length * dim`` numbers; with ``positions``, a learned embedding of each
    position is added) or its TF-IDF row as it is, and each image column's pixels as
    they are. Explanations differentiate this vector, so every column, token and
    pixel gets its share.

    Parameters
    ----------
    parts : list of dict
        ``{"kind": "table", "width", "cardinalities"}``, ``{"kind": "tokens",
        "length", "vocabulary", "dim", "positions"}``, ``{"kind": "floats", "width"}``
        (TF-IDF rows, pixels).
    """

    def __init__(self, parts: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.parts = [dict(part) for part in parts]
        self.categories = None
        for part in self.parts:
            if part["kind"] == "table" and part["cardinalities"]:
                self.categories = CategoryEmbedding(
                    part["cardinalities"], name="categories"
                )

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        self.tables: list[Any] = []
        for index, part in enumerate(self.parts):
            if part["kind"] == "table" and self.categories is not None:
                self.categories.build((None, part["width"]))
            if part["kind"] == "tokens":
                tokens = self.add_weight(
                    shape=(part["vocabulary"], part["dim"]),
                    initializer="uniform",
                    name=f"token_embeddings_{index}",
                )
                positions = None
                if part["positions"]:
                    positions = self.add_weight(
                        shape=(part["length"], part["dim"]),
                        initializer="uniform",
                        name=f"position_embeddings_{index}",
                    )
                self.tables.append((tokens, positions))

    def call(self, inputs: Any) -> Any:
        outputs, start, tables = [], 0, iter(self.tables)
        for part in self.parts:
            width = part["length"] if part["kind"] == "tokens" else part["width"]
            values = inputs[:, start : start + width]
            start += width
            if part["kind"] == "table" and self.categories is not None:
                values = self.categories(values)
            elif part["kind"] == "tokens":
                tokens, positions = next(tables)
                embedded = ops.take(tokens, ops.cast(values, "int32"), axis=0)
                if positions is not None:
                    embedded = embedded + positions[None]
                values = ops.reshape(embedded, (-1, width * part["dim"]))
            outputs.append(ops.cast(values, self.compute_dtype))
        return outputs[0] if len(outputs) == 1 else ops.concatenate(outputs, axis=-1)

    def compute_output_shape(
        self, input_shape: tuple[int | None, ...]
    ) -> tuple[Any, ...]:
        return (input_shape[0], sum(self.widths()))

    def widths(self) -> list[int]:
        """Each part's width in the output."""
        widths = []
        for part in self.parts:
            if part["kind"] == "tokens":
                widths.append(part["length"] * part["dim"])
            elif part["kind"] == "table" and part["cardinalities"]:
                n_dense = part["width"] - len(part["cardinalities"])
                widths.append(
                    n_dense + sum(embedding_size(c) for c in part["cardinalities"])
                )
            else:
                widths.append(part["width"])
        return widths

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "parts": self.parts}


@keras.saving.register_keras_serializable(package="autodeep")
class ColumnSlice(keras.layers.Layer):
    """Columns ``start:stop`` of a 2-D input, reshaped to ``shape`` per row."""

    def __init__(
        self, start: int, stop: int, shape: list[int] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.start, self.stop = int(start), int(stop)
        self.target_shape = None if shape is None else [int(s) for s in shape]

    def call(self, inputs: Any) -> Any:
        values = inputs[:, self.start : self.stop]
        if self.target_shape is None:
            return values
        return ops.reshape(values, (-1, *self.target_shape))

    def compute_output_shape(
        self, input_shape: tuple[int | None, ...]
    ) -> tuple[Any, ...]:
        if self.target_shape is None:
            return (input_shape[0], self.stop - self.start)
        return (input_shape[0], *self.target_shape)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "start": self.start,
            "stop": self.stop,
            "shape": self.target_shape,
        }


@keras.saving.register_keras_serializable(package="autodeep")
class MaskedGlobalPooling1D(keras.layers.Layer):
    """Average or max over the time steps that the incoming mask keeps.

    Keras' ``GlobalMaxPooling1D`` ignores masks, and its ``GlobalAveragePooling1D``
    divides by zero (NaN) on a row that is all padding, such as an empty text. Here a
    row with no unmasked step pools to zeros.

    Parameters
    ----------
    mode : {"average", "max"}
    """

    def __init__(self, mode: str = "average", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if mode not in ("average", "max"):
            raise ValueError(f"mode must be 'average' or 'max'; got {mode!r}.")
        self.mode = mode
        self.supports_masking = True

    def call(self, inputs: Any, mask: Any = None) -> Any:
        if mask is None:
            if self.mode == "max":
                return ops.max(inputs, axis=1)
            return ops.mean(inputs, axis=1)
        keep = ops.expand_dims(ops.cast(mask, "bool"), -1)
        has_tokens = ops.any(keep, axis=1)
        if self.mode == "max":
            pooled = ops.max(ops.where(keep, inputs, float("-inf")), axis=1)
            return ops.where(has_tokens, pooled, ops.zeros_like(pooled))
        total = ops.sum(ops.where(keep, inputs, ops.zeros_like(inputs)), axis=1)
        count = ops.sum(ops.cast(keep, inputs.dtype), axis=1)
        return total / ops.maximum(count, 1)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return None

    def compute_output_shape(
        self, input_shape: tuple[int | None, ...]
    ) -> tuple[Any, ...]:
        return (input_shape[0], input_shape[-1])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "mode": self.mode}


@keras.saving.register_keras_serializable(package="autodeep")
class WeightedAverage(keras.layers.Layer):
    """The weighted average of several same-shaped inputs (an ensemble's outputs);
    the weights are fixed numbers, not trained."""

    def __init__(self, member_weights: list[float], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.weights_ = [float(w) for w in member_weights]

    def call(self, inputs: list[Any]) -> Any:
        total = sum(self.weights_)
        result = None
        for x, weight in zip(inputs, self.weights_, strict=True):
            part = ops.cast(x, "float32") * (weight / total)
            result = part if result is None else result + part
        return result

    def compute_output_shape(self, input_shape: list[tuple[int | None, ...]]) -> Any:
        return input_shape[0]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "member_weights": self.weights_}


@keras.saving.register_keras_serializable(package="autodeep")
class PeriodicEmbedding(keras.layers.Layer):
    """Embed each of the leading ``n_numeric`` columns on its own; pass the rest through.

    Column ``j``'s value ``x`` becomes ``relu(W_j [sin(2 pi c_j x), cos(2 pi c_j x)] +
    b_j)``: ``frequencies`` trainable frequencies ``c_j`` per column (initialised from
    a normal distribution with standard deviation ``scale``), then a linear map of
    its own to ``width`` numbers (the PLR embedding of Gorishniy et al., 2022). A
    network on such embeddings fits non-monotonic, sharp effects of a single
    feature that a plain MLP on the raw value needs many units for.
    """

    def __init__(
        self,
        n_numeric: int,
        frequencies: int = 16,
        width: int = 16,
        scale: float = 0.1,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.n_numeric = int(n_numeric)
        self.frequencies = int(frequencies)
        self.width = int(width)
        self.scale = float(scale)

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        n, k = self.n_numeric, self.frequencies
        self.coefficients = self.add_weight(
            shape=(n, k),
            initializer=keras.initializers.RandomNormal(stddev=self.scale),
            name="coefficients",
        )
        self.kernel = self.add_weight(
            shape=(n, 2 * k, self.width),
            initializer=keras.initializers.RandomUniform(
                -((2 * k) ** -0.5), (2 * k) ** -0.5
            ),
            name="kernel",
        )
        self.bias = self.add_weight(
            shape=(n, self.width), initializer="zeros", name="bias"
        )

    def call(self, inputs: Any) -> Any:
        n = self.n_numeric
        angles = 2 * np.pi * inputs[:, :n, None] * self.coefficients[None]
        periodic = ops.concatenate([ops.sin(angles), ops.cos(angles)], axis=-1)
        embedded = ops.relu(
            ops.einsum("bnf,nfd->bnd", periodic, self.kernel) + self.bias
        )
        flat = ops.reshape(embedded, (-1, n * self.width))
        if inputs.shape[-1] == n:
            return flat
        return ops.concatenate([flat, inputs[:, n:]], axis=-1)

    def compute_output_shape(
        self, input_shape: tuple[int | None, ...]
    ) -> tuple[Any, ...]:
        rest = input_shape[-1] - self.n_numeric  # type: ignore[operator]
        return (input_shape[0], self.n_numeric * self.width + rest)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "n_numeric": self.n_numeric,
            "frequencies": self.frequencies,
            "width": self.width,
            "scale": self.scale,
        }


def bin_constants(edges: list[list[float]]) -> tuple[np.ndarray, ...]:
    """``lower``, ``width``, ``low`` and ``high``, each of shape (columns, bins): bin
    ``t`` of column ``j`` encodes ``x`` as ``clip((x - lower) / width, low, high)``.
    ``low`` is 0 and ``high`` 1 except at the ends (the first bin goes below 0, the
    last above 1); the bins a column lacks (fewer edges than the widest) stay 0."""
    bins = max(len(column) - 1 for column in edges)
    shape = (len(edges), bins)
    lower = np.zeros(shape, np.float32)
    width = np.ones(shape, np.float32)
    low, high = np.zeros(shape, np.float32), np.zeros(shape, np.float32)
    for j, column in enumerate(edges):
        n = len(column) - 1
        lower[j, :n], width[j, :n] = column[:-1], np.diff(column)
        high[j, :n] = 1.0
        low[j, 0], high[j, n - 1] = -np.inf, np.inf
    return lower, width, low, high


@keras.saving.register_keras_serializable(package="autodeep")
class PiecewiseLinearEncoding(keras.layers.Layer):
    """Encode each of the leading ``len(edges)`` columns by the bins it falls in; pass
    the rest through.

    Column ``j`` has bin edges ``e_0 < e_1 < ... < e_T`` (quantiles of its training
    values) and ``x`` becomes ``T`` numbers, one per bin ``t``: 0 left of the bin,
    1 right of it, ``(x - e_{t-1}) / (e_t - e_{t-1})`` inside (the first bin's number
    goes below 0 and the last bin's above 1 outside the training range). The
    encoding is lossless and needs no training, and a threshold on one feature
    (which trees find at once) becomes a single weight on a bin (the
    piecewise-linear encoding of Gorishniy et al., 2022). Columns with fewer bins
    than the widest are padded with zeros.
    """

    def __init__(self, edges: list[list[float]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.edges = [[float(e) for e in column] for column in edges]
        self.bins = max(len(column) - 1 for column in self.edges)
        self.lower, self.width, self.low, self.high = bin_constants(self.edges)

    def call(self, inputs: Any) -> Any:
        n = len(self.edges)
        t = (inputs[:, :n, None] - self.lower[None]) / self.width[None]
        t = ops.minimum(ops.maximum(t, self.low[None]), self.high[None])
        encoded = ops.reshape(t, (-1, n * self.bins))
        if inputs.shape[-1] == n:
            return encoded
        return ops.concatenate([encoded, inputs[:, n:]], axis=-1)

    def compute_output_shape(
        self, input_shape: tuple[int | None, ...]
    ) -> tuple[Any, ...]:
        rest = input_shape[-1] - len(self.edges)  # type: ignore[operator]
        return (input_shape[0], len(self.edges) * self.bins + rest)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "edges": self.edges}


@keras.saving.register_keras_serializable(package="autodeep")
class SmoothedSparseCrossentropy(keras.losses.Loss):
    """Cross-entropy on integer class codes with label smoothing: the target puts
    ``1 - label_smoothing`` on the true class and spreads ``label_smoothing``
    evenly over all classes (Keras' sparse cross-entropy has no smoothing)."""

    def __init__(self, label_smoothing: float = 0.0, **kwargs: Any) -> None:
        kwargs.setdefault("name", "smoothed_sparse_crossentropy")
        super().__init__(**kwargs)
        self.label_smoothing = float(label_smoothing)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        n_classes = ops.shape(y_pred)[-1]
        codes = ops.reshape(ops.cast(y_true, "int32"), (-1,))
        target = ops.one_hot(codes, n_classes, dtype=y_pred.dtype)
        return keras.losses.categorical_crossentropy(
            target, y_pred, label_smoothing=self.label_smoothing
        )

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "label_smoothing": self.label_smoothing}
