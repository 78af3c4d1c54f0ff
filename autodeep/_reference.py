"""A gradient-boosted trees reference, fit beside the search on the same split.

A user with a table compares a deep network with gradient boosting first. Every
tabular ``fit`` therefore trains scikit-learn's ``HistGradientBoosting*`` on the
search's training part (the same preprocessed, resampled rows and class weights the
trials see), scores it on the same validation part with the same objective, and adds
it to ``leaderboard_`` as a row with state ``"reference"``. It is never the model
``fit`` returns.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from autodeep._tasks import Classification

STATE = "reference"


def _fit_fold(trials: Any, fold: Any, seed: int) -> np.ndarray:
    """The reference model's outputs on ``fold``'s validation rows, fit on its
    training rows (weighted as training weighs the classes)."""
    stage, X_val, task = fold.stage, fold.X_val, trials.plan.task
    model = trials.plan.reference(task, seed)
    if isinstance(task, Classification):
        weight = None
        if stage.class_weight:
            weight = np.asarray([stage.class_weight[int(c)] for c in stage.y])
        model.fit(stage.X, stage.y, sample_weight=weight)
        outputs = np.zeros((len(fold.y_val), task.n_outputs), dtype=np.float64)
        outputs[:, model.classes_] = model.predict_proba(X_val)
        return outputs
    single = task.n_outputs == 1
    model.fit(stage.X, stage.y.ravel() if single else stage.y)
    return np.asarray(model.predict(X_val)).reshape(len(fold.y_val), -1)


def make_reference(task: Any, seed: int) -> Any:
    """An unfitted ``HistGradientBoosting*`` with scikit-learn's defaults."""
    from sklearn.ensemble import (
        HistGradientBoostingClassifier,
        HistGradientBoostingRegressor,
    )
    from sklearn.multioutput import MultiOutputRegressor

    if isinstance(task, Classification):
        return HistGradientBoostingClassifier(random_state=seed)
    model = HistGradientBoostingRegressor(random_state=seed)
    return model if task.n_outputs == 1 else MultiOutputRegressor(model)


def reference_row(trials: Any, seed: int) -> dict[str, Any]:
    """Fit the plan's reference on each fold's training part; its leaderboard row,
    scored on the folds' validation parts as the trials are."""
    start = time.monotonic()
    parts = [
        trials.in_first_units(fold, _fit_fold(trials, fold, seed))
        for fold in trials.folds
    ]
    outputs, y_val = np.concatenate(parts), trials.y_val
    model = trials.plan.reference(trials.plan.task, seed)
    objective = trials.objective
    name = type(getattr(model, "estimator", model)).__name__
    return {
        "trial": None,
        "state": STATE,
        f"val_{objective.score_name}": objective.score(y_val, outputs),
        "val_loss": objective.loss(y_val, outputs),
        "objective": objective(y_val, outputs),
        "epochs": 0,
        "seconds": time.monotonic() - start,
        "reason": (
            f"{name}: gradient-boosted trees on the same split"
            f"{' ' + model.note if hasattr(model, 'note') else ''}, for comparison"
        ),
    }
