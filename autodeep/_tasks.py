"""What differs between classification and regression inside the engine."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, r2_score
from sklearn.preprocessing import StandardScaler


class Classification:
    """Softmax head, cross-entropy loss, accuracy score; targets are integer codes."""

    stratify = True
    output_activation = "softmax"
    score_name = "accuracy"

    def __init__(self, n_classes: int, labels: np.ndarray | None = None) -> None:
        self.n_outputs = n_classes
        # The user's class labels, by code (for scorers, which compare labels).
        self.labels = np.arange(n_classes) if labels is None else np.asarray(labels)

    def loss(self, label_smoothing: float = 0.0) -> Any:
        import keras

        if label_smoothing > 0:
            from autodeep._layers import SmoothedSparseCrossentropy

            return SmoothedSparseCrossentropy(label_smoothing)
        return keras.losses.SparseCategoricalCrossentropy()

    def objective(
        self,
        y_codes: np.ndarray,
        outputs: np.ndarray,
        class_ratio: np.ndarray | None = None,
    ) -> float:
        """Validation cross-entropy (lower is better), without regularization terms;
        row ``i`` weighs ``class_ratio[y_codes[i]]`` when given."""
        picked = outputs[np.arange(len(y_codes)), y_codes]
        losses = -np.log(np.clip(picked, 1e-7, 1.0))
        if class_ratio is None:
            return float(np.mean(losses))
        return float(np.average(losses, weights=class_ratio[y_codes]))

    def class_ratio(
        self, y_real: np.ndarray, y_trained: np.ndarray, class_weight: Any
    ) -> np.ndarray | None:
        """Per-class weights that make a validation loss weigh the classes as the
        training loss does: each class's share in training (after resampling, times
        its class weight) over its share in the real training rows. None when
        training weighs the classes as they come."""
        if not class_weight and y_trained is y_real:
            return None
        real = np.bincount(y_real, minlength=self.n_outputs).astype(np.float64)
        trained = np.bincount(y_trained, minlength=self.n_outputs).astype(np.float64)
        if class_weight:
            trained *= [class_weight.get(code, 1.0) for code in range(self.n_outputs)]
        ratio = np.ones(self.n_outputs)
        seen = real > 0
        ratio[seen] = (trained[seen] / trained.sum()) / (real[seen] / real.sum())
        return ratio

    def fit_target(self, y: np.ndarray) -> Any:
        return None

    def encode(self, transform: Any, y: np.ndarray) -> np.ndarray:
        return np.asarray(y, dtype=np.int64)

    def score(self, y_codes: np.ndarray, outputs: np.ndarray) -> float:
        return float(accuracy_score(y_codes, outputs.argmax(axis=1)))

    def rescale(self, values: np.ndarray, source: Any, target: Any) -> np.ndarray:
        """Outputs or codes fit with target transform ``source`` as if fit with
        ``target``: class codes and probabilities need no change."""
        return values

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

    def loss(self, label_smoothing: float = 0.0) -> Any:
        import keras

        return keras.losses.MeanSquaredError()

    def objective(
        self,
        y_scaled: np.ndarray,
        outputs: np.ndarray,
        class_ratio: np.ndarray | None = None,
    ) -> float:
        """Validation mean squared error on the standardized target."""
        return float(np.mean((y_scaled - outputs) ** 2))

    def class_ratio(
        self, y_real: np.ndarray, y_trained: np.ndarray, class_weight: Any
    ) -> None:
        return None

    def fit_target(self, y: np.ndarray) -> StandardScaler:
        """Each target's mean and standard deviation on the training part."""
        return StandardScaler().fit(_columns(y))

    def encode(self, transform: StandardScaler, y: np.ndarray) -> np.ndarray:
        # The scaler's own arithmetic without its input checks, here and in decode: a
        # diverged trial's infinite outputs must score as bad, not stop the search.
        return ((_columns(y) - transform.mean_) / transform.scale_).astype(np.float32)

    def decode(self, transform: StandardScaler, outputs: np.ndarray) -> np.ndarray:
        values = outputs.astype(np.float64) * transform.scale_ + transform.mean_
        return values[:, 0] if values.shape[1] == 1 else values

    def score(self, y_scaled: np.ndarray, outputs: np.ndarray) -> float:
        return float(r2_score(y_scaled, outputs))

    def rescale(
        self, values: np.ndarray, source: StandardScaler, target: StandardScaler
    ) -> np.ndarray:
        """Standardized outputs or targets of transform ``source`` in the units of
        ``target`` (each cross-validation fold standardizes on its own rows)."""
        return self.encode(target, self.decode(source, values))

    def constant_outputs(
        self, y_scaled: np.ndarray, n: int, class_weight: Any = None
    ) -> np.ndarray:
        """``n`` rows of the training mean: the best input-blind prediction."""
        columns = np.asarray(y_scaled, dtype=np.float64).reshape(len(y_scaled), -1)
        return np.tile(columns.mean(axis=0), (n, 1))


Task = Classification | Regression


def target_scaler(transform: Any) -> Any:
    """A regressor's target transform as a fitted ``StandardScaler``; ``transform`` may
    be the ``(mean, scale)`` pair that models saved before version 2 hold. Anything
    else (a classifier's None) comes back as it is."""
    if not isinstance(transform, (tuple, list)):
        return transform
    mean, scale = (np.atleast_1d(np.asarray(v, dtype=np.float64)) for v in transform)
    scaler = StandardScaler()
    scaler.mean_, scaler.scale_, scaler.var_ = mean, scale, scale**2
    scaler.n_features_in_ = len(mean)
    return scaler


def _columns(y: np.ndarray) -> np.ndarray:
    """``y`` as a float64 array of one column per target."""
    return np.asarray(y, dtype=np.float64).reshape(len(y), -1)
