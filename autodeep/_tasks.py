"""What differs between classification and regression inside the engine."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, r2_score


class Classification:
    """Softmax head, cross-entropy loss, accuracy score; targets are integer codes."""

    stratify = True
    output_activation = "softmax"
    score_name = "accuracy"

    def __init__(self, n_classes: int) -> None:
        self.n_outputs = n_classes

    def loss(self) -> Any:
        import keras

        return keras.losses.SparseCategoricalCrossentropy()

    def objective(self, y_codes: np.ndarray, outputs: np.ndarray) -> float:
        """Validation cross-entropy (lower is better), without regularization terms."""
        picked = outputs[np.arange(len(y_codes)), y_codes]
        return float(-np.mean(np.log(np.clip(picked, 1e-7, 1.0))))

    def fit_target(self, y: np.ndarray) -> Any:
        return None

    def encode(self, transform: Any, y: np.ndarray) -> np.ndarray:
        return np.asarray(y, dtype=np.int64)

    def score(self, y_codes: np.ndarray, outputs: np.ndarray) -> float:
        return float(accuracy_score(y_codes, outputs.argmax(axis=1)))


class Regression:
    """Linear head, squared error on a standardized target, R² score."""

    stratify = False
    output_activation = "linear"
    score_name = "r2"
    n_outputs = 1

    def loss(self) -> Any:
        import keras

        return keras.losses.MeanSquaredError()

    def objective(self, y_scaled: np.ndarray, outputs: np.ndarray) -> float:
        """Validation mean squared error on the standardized target."""
        return float(np.mean((y_scaled - outputs) ** 2))

    def fit_target(self, y: np.ndarray) -> tuple[float, float]:
        """Mean and standard deviation of the training part's target."""
        scale = float(np.std(y))
        return float(np.mean(y)), scale if scale > 0 else 1.0

    def encode(self, transform: tuple[float, float], y: np.ndarray) -> np.ndarray:
        mean, scale = transform
        return ((np.asarray(y, dtype=np.float64) - mean) / scale).astype(np.float32)[
            :, None
        ]

    def decode(self, transform: tuple[float, float], outputs: np.ndarray) -> np.ndarray:
        mean, scale = transform
        return outputs[:, 0].astype(np.float64) * scale + mean

    def score(self, y_scaled: np.ndarray, outputs: np.ndarray) -> float:
        return float(r2_score(y_scaled[:, 0], outputs[:, 0]))


Task = Classification | Regression
