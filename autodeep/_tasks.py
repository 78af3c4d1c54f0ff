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

    def constant_outputs(
        self, y_codes: np.ndarray, n: int, class_weight: Any = None
    ) -> np.ndarray:
        """``n`` rows of the best input-blind prediction training can aim at: the
        class shares of ``y_codes``, weighted as the training loss weights them."""
        counts = np.bincount(y_codes, minlength=self.n_outputs).astype(np.float64)
        if class_weight:
            counts *= [class_weight.get(code, 1.0) for code in range(self.n_outputs)]
        return np.tile(counts / counts.sum(), (n, 1))


class Regression:
    """Linear head, squared error on a standardized target, R² score.

    ``n_outputs`` targets (columns of a 2-D ``y``), each standardized on its own; with
    one target, predictions come back 1-D.
    """

    stratify = False
    output_activation = "linear"
    score_name = "r2"

    def __init__(self, n_outputs: int = 1) -> None:
        self.n_outputs = n_outputs

    def loss(self) -> Any:
        import keras

        return keras.losses.MeanSquaredError()

    def objective(self, y_scaled: np.ndarray, outputs: np.ndarray) -> float:
        """Validation mean squared error on the standardized target."""
        return float(np.mean((y_scaled - outputs) ** 2))

    def fit_target(self, y: np.ndarray) -> tuple[Any, Any]:
        """Mean and standard deviation of each target on the training part."""
        columns = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        mean, scale = columns.mean(axis=0), columns.std(axis=0)
        scale = np.where(scale > 0, scale, 1.0)
        if columns.shape[1] == 1:
            return float(mean[0]), float(scale[0])
        return mean, scale

    def encode(self, transform: tuple[Any, Any], y: np.ndarray) -> np.ndarray:
        mean, scale = transform
        columns = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        return ((columns - mean) / scale).astype(np.float32)

    def decode(self, transform: tuple[Any, Any], outputs: np.ndarray) -> np.ndarray:
        mean, scale = transform
        values = outputs.astype(np.float64) * scale + mean
        return values[:, 0] if values.shape[1] == 1 else values

    def score(self, y_scaled: np.ndarray, outputs: np.ndarray) -> float:
        return float(r2_score(y_scaled, outputs))

    def constant_outputs(
        self, y_scaled: np.ndarray, n: int, class_weight: Any = None
    ) -> np.ndarray:
        """``n`` rows of the training mean: the best input-blind prediction."""
        columns = np.asarray(y_scaled, dtype=np.float64).reshape(len(y_scaled), -1)
        return np.tile(columns.mean(axis=0), (n, 1))


Task = Classification | Regression
