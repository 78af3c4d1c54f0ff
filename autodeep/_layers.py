"""Custom Keras layers that autodeep models use; registered so `.keras` files load safely."""

from __future__ import annotations

from typing import Any

import keras
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
