"""What ranks epochs and trials: the validation loss, weighted as training weights the
classes, or a scikit-learn scorer (``scoring=``), evaluated on the network's outputs.

A scorer is called as ``scorer(estimator, X, y)`` and asks the estimator for
``predict`` or ``predict_proba``. During the search there is no fitted autodeep
estimator yet, so the scorer gets a small stand-in whose "input" is the network's
validation outputs: it answers with those outputs as probabilities, or with the labels
(or target values) they decode to. The scorer therefore sees the labels and units the
user passed to ``fit``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.metrics import get_scorer

from autodeep._tasks import Classification, Task


def make_scorer(scoring: Any) -> Any:
    """The scorer for ``scoring=`` (None stays None); a clear error for a bad value."""
    if scoring is None:
        return None
    if isinstance(scoring, str):
        try:
            return get_scorer(scoring)
        except ValueError:
            raise ValueError(
                f"scoring={scoring!r} is not a scikit-learn scorer name. Use a name "
                "from sklearn.metrics.get_scorer_names() (e.g. 'balanced_accuracy', "
                "'roc_auc', 'neg_mean_absolute_error') or a callable "
                "scorer(estimator, X, y) such as sklearn.metrics.make_scorer(...)."
            ) from None
    if callable(scoring):
        return scoring
    raise ValueError(
        f"scoring must be None, a scikit-learn scorer name or a callable "
        f"scorer(estimator, X, y); got {scoring!r}. Several metrics at once are not "
        "supported: the search ranks by one."
    )


def scoring_name(scoring: Any) -> str:
    """The name shown in ``leaderboard_`` (``val_<name>``) and the logs."""
    if isinstance(scoring, str):
        return scoring
    function = getattr(scoring, "_score_func", scoring)
    return str(getattr(function, "__name__", "score")).removesuffix("_score")


class _ClassifierOutputs(ClassifierMixin, BaseEstimator):
    """A stand-in classifier whose input is the network's outputs (class shares)."""

    def __init__(self, classes: np.ndarray) -> None:
        self.classes = classes
        self.classes_ = classes

    def predict_proba(self, outputs: np.ndarray) -> np.ndarray:
        proba = np.asarray(outputs, dtype=np.float64)
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, outputs: np.ndarray) -> np.ndarray:
        return self.classes_[np.asarray(outputs).argmax(axis=1)]


class _RegressorOutputs(RegressorMixin, BaseEstimator):
    """A stand-in regressor whose input is the network's (standardized) outputs."""

    def __init__(self, task: Any, target: Any) -> None:
        self.task = task
        self.target = target

    def predict(self, outputs: np.ndarray) -> np.ndarray:
        return self.task.decode(self.target, np.asarray(outputs))


@dataclass
class Objective:
    """The search's objective on encoded validation targets and network outputs.

    ``loss`` is the validation loss, each class weighted by ``class_ratio`` (its share
    in training, after resampling and class weights, over its real share), so that a
    search with ``class_weight="balanced"`` ranks by a balanced loss. ``score`` is the
    scorer's value, or the task's default score (accuracy, R²). Calling the objective
    gives what is minimized: minus the scorer's value, or the loss.
    """

    task: Task
    target: Any
    scorer: Any = None
    name: str = "loss"
    class_ratio: np.ndarray | None = None

    @property
    def score_name(self) -> str:
        return self.task.score_name if self.scorer is None else self.name

    def loss(self, y: np.ndarray, outputs: np.ndarray) -> float:
        return self.task.objective(y, outputs, self.class_ratio)

    def score(self, y: np.ndarray, outputs: np.ndarray) -> float:
        if self.scorer is None:
            return self.task.score(y, outputs)
        if isinstance(self.task, Classification):
            view: Any = _ClassifierOutputs(self.task.labels)
            truth = self.task.labels[np.asarray(y)]
        else:
            view = _RegressorOutputs(self.task, self.target)
            truth = self.task.decode(self.target, np.asarray(y).reshape(len(y), -1))
        return float(self.scorer(view, outputs, truth))

    def __call__(self, y: np.ndarray, outputs: np.ndarray) -> float:
        if self.scorer is None:
            return self.loss(y, outputs)
        return -self.score(y, outputs)

    def shown(self, value: float) -> str:
        """An objective value as the user reads it, e.g. "loss 0.412"."""
        if self.scorer is None:
            return f"loss {value:.4g}"
        return f"{self.name} {-value:.4g}"
