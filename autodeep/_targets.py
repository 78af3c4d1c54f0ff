"""Targets by task: class labels for classifiers, numbers for regressors.

The mixins turn the checked ``y`` into the engine's task and encoded target at fit,
and the network's outputs back into labels or target units at predict.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.multiclass import check_classification_targets

if TYPE_CHECKING:
    from autodeep._tasks import Classification, Regression


class ClassifierTargetMixin:
    """Label handling for classifiers: any label type in, the same type out."""

    classes_: np.ndarray
    temperature_: float | None

    def _task(self, y: np.ndarray) -> tuple[Classification, np.ndarray]:
        from autodeep._tasks import Classification

        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        if len(encoder.classes_) < 2:
            raise ValueError(
                f"y has 1 class ({encoder.classes_[0]!r}); a classifier needs at least 2 "
                "classes. Check that the target column is the right one."
            )
        # classes_ is set by fit once the search succeeds (AutoDeepEstimator.fit).
        classes = encoder.classes_
        return Classification(len(classes), classes), encoder.transform(y)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, columns in the order of ``classes_``; calibrated by
        ``temperature_`` when it was fitted."""
        from autodeep._calibration import scaled

        return scaled(self._outputs(X), self.temperature_)  # type: ignore[attr-defined]

    def predict(self, X: Any) -> np.ndarray:
        """Predicted class labels, of the same type as the training labels."""
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]


class RegressorTargetMixin:
    """Target handling for regressors: scaled for training, mapped back on predict."""

    target_transform_: Any

    def _task(self, y: np.ndarray) -> tuple[Regression, np.ndarray]:
        from autodeep._tasks import Regression

        try:
            y = np.asarray(y, dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"A regressor needs a numeric target; y could not be read as numbers "
                f"({error}). Use a classifier for categorical targets."
            ) from error
        bad = np.flatnonzero(~np.isfinite(y).reshape(len(y), -1).all(axis=1))
        if len(bad):
            raise ValueError(
                f"y has {len(bad)} infinite value(s), first at row(s) {bad[:5].tolist()}. "
                "Drop those rows or replace the values."
            )
        return Regression(n_outputs=1 if y.ndim == 1 else y.shape[1]), y

    def predict(self, X: Any) -> np.ndarray:
        """Predicted targets, in the units of the training target."""
        from autodeep._tasks import Regression

        outputs = self._outputs(X)  # type: ignore[attr-defined]
        return Regression().decode(self.target_transform_, outputs)
