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
    conformity_scores_: np.ndarray | None

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

    def predict_set(self, X: Any, alpha: float = 0.1) -> np.ndarray:
        """Split-conformal prediction sets: the classes each row could be, so that
        the true class is in the set for at least ``1 - alpha`` of new rows.

        A class is in a row's set when its calibrated probability is at least one
        minus the conformal threshold of the validation rows' scores (LAC; see
        ``docs/search.md``). Sets grow as ``alpha`` shrinks, and shrink as the
        model gets better.

        Parameters
        ----------
        X : array-like
            Rows to predict, as for ``predict``.
        alpha : float, default=0.1
            Share of cases allowed to miss: 0.1 asks for 90 % coverage.

        Returns
        -------
        ndarray of bool, shape (n_samples, n_classes)
            Membership of each class (columns in the order of ``classes_``); the
            labels of row ``i`` are ``classes_[sets[i]]``.
        """
        limit = conformal_threshold(self, alpha)
        # Each class's score is what it would be as the true class: 1 - p.
        return 1.0 - self.predict_proba(X) <= limit

    def conformalize(self, X: Any, y: Any) -> Any:
        """Recalibrate ``predict_set`` on labelled rows the model never saw.

        The scores fitted at ``fit`` come from the search's validation rows, which
        the search selected on and the refit trained on; rows of your own that
        neither saw give the textbook guarantee (coverage of at least ``1 - alpha``
        on new rows like them). Replaces ``conformity_scores_``.

        Parameters
        ----------
        X, y : held-out rows and their labels (every label one of ``classes_``)

        Returns
        -------
        self
        """
        from autodeep._conformal import class_scores

        y = _held_out_target(self, X, y)
        known = np.isin(y, self.classes_)
        if not known.all():
            unknown = sorted({str(v) for v in y[~known]})[:5]
            raise ValueError(
                f"y holds labels the model does not know: {unknown}; conformalize "
                f"needs rows of the fitted classes {self.classes_.tolist()}."
            )
        codes = np.searchsorted(self.classes_, y)
        self.conformity_scores_ = class_scores(self.predict_proba(X), codes)
        return self


class RegressorTargetMixin:
    """Target handling for regressors: scaled for training, mapped back on predict."""

    conformity_scores_: np.ndarray | None

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

    def predict_interval(self, X: Any, alpha: float = 0.1) -> np.ndarray:
        """Split-conformal prediction intervals: ``predict(X)`` plus and minus the
        conformal threshold of the validation rows' absolute residuals, so that the
        true value lies inside for at least ``1 - alpha`` of new rows. Every row
        gets the same width (per target).

        Parameters
        ----------
        X : array-like
            Rows to predict, as for ``predict``.
        alpha : float, default=0.1
            Share of cases allowed to miss: 0.1 asks for 90 % coverage.

        Returns
        -------
        ndarray, shape (n_samples, 2), or (n_samples, n_targets, 2)
            Lower and upper bounds, in the target's units.
        """
        limit = conformal_threshold(self, alpha)
        predicted = self.predict(X)
        return np.stack([predicted - limit, predicted + limit], axis=-1)

    def conformalize(self, X: Any, y: Any) -> Any:
        """Recalibrate ``predict_interval`` on rows the model never saw.

        As :meth:`ClassifierTargetMixin.conformalize`: the absolute residuals of
        ``predict(X)`` replace ``conformity_scores_``.

        Parameters
        ----------
        X, y : held-out rows and their targets

        Returns
        -------
        self
        """
        from autodeep._conformal import residual_scores

        y = _held_out_target(self, X, y).astype(np.float64)
        predicted = self.predict(X)
        self.conformity_scores_ = residual_scores(y.reshape(predicted.shape), predicted)
        return self


def _held_out_target(estimator: Any, X: Any, y: Any) -> np.ndarray:
    """``y`` as an array, checked against ``X`` before anything is predicted."""
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator, "model_")
    y = np.asarray(y)
    if y.ndim == 0 or len(y) == 0:
        raise ValueError("conformalize needs at least one labelled row; y is empty.")
    if len(y) != len(X):
        raise ValueError(
            f"X has {len(X)} rows but y has {len(y)}; pass the labels of the same rows."
        )
    if y.dtype.kind == "f" and np.isnan(y).any():
        raise ValueError(
            f"y has {int(np.isnan(y).sum())} missing value(s); drop those rows first."
        )
    return y


def conformal_threshold(estimator: Any, alpha: float) -> np.ndarray:
    """The fitted estimator's conformal threshold at ``alpha``, with clear errors
    when it has no scores and a warning when they are too few for ``alpha``."""
    import warnings

    from sklearn.utils.validation import check_is_fitted

    from autodeep._conformal import check_alpha, fewest_rows, threshold

    check_is_fitted(estimator, "model_")
    alpha = check_alpha(alpha)
    scores = getattr(estimator, "conformity_scores_", None)  # None in older saves
    if scores is None:
        raise ValueError(
            "This model has no conformal scores: its best trial ran in another "
            "worker process (its validation outputs stayed there), or it was saved by "
            "an older autodeep. Refit it (with n_jobs=1), or calibrate it on held-out "
            "rows with est.conformalize(X, y), to get sets and intervals."
        )
    if len(scores) < fewest_rows(alpha):
        warnings.warn(
            f"Only {len(scores)} validation rows were scored; alpha={alpha} needs at "
            f"least {fewest_rows(alpha)} for a finite threshold, so every class is in "
            "every set (every interval is unbounded). Use a larger alpha, or more "
            "validation rows (validation_fraction, cv=).",
            UserWarning,
            stacklevel=3,
        )
    return threshold(scores, alpha)
