"""The search's data: one training/validation split or cross-validation folds, each
with preprocessing fit on its training rows only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from autodeep._data import subset
from autodeep._plan import Plan, Prepared, prepare
from autodeep._scoring import Objective, make_scorer, scoring_name
from autodeep._tasks import Task
from autodeep.search._types import Settings


@dataclass
class Fold:
    """One training/validation split of the search data: the stage fit on its
    training rows, its validation rows' network input and targets, and the objective
    that scores them (in this fold's target units)."""

    stage: Prepared
    X_val: Any
    y_val: np.ndarray
    objective: Objective


def search_folds(plan: Plan, X: Any, y: np.ndarray, settings: Settings) -> list[Fold]:
    """The search's folds (one for a single split), preprocessing fit on each
    fold's training rows."""
    folds = []
    for train_rows, val_rows in splits(plan.task, y, settings):
        stage = prepare(plan, take(X, train_rows), y[train_rows], settings.seed)
        objective = Objective(
            plan.task,
            stage.target,
            make_scorer(settings.scoring),
            scoring_name(settings.scoring),
            stage.class_ratio,
        )
        X_val = stage.preprocessor.transform(take(X, val_rows))
        y_val = plan.task.encode(stage.target, y[val_rows])
        folds.append(Fold(stage, X_val, y_val, objective))
    return folds


def take(X: Any, rows: np.ndarray) -> Any:
    """Rows ``rows`` of a DataFrame, an array or a lazy image source."""
    return X.iloc[rows] if isinstance(X, pd.DataFrame) else subset(X, rows)


def splits(
    task: Task, y: np.ndarray, settings: Settings
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Training and validation row positions: one split of ``validation_fraction``,
    or ``folds`` cross-validation folds (stratified for classification when every
    class has enough rows)."""
    from sklearn.model_selection import KFold, StratifiedKFold

    rows = np.arange(len(y))
    if settings.folds <= 1:
        train_rows, val_rows = _split(task, rows, y, settings)[:2]
        return [(train_rows, val_rows)]
    if task.stratify and np.bincount(y).min() >= settings.folds:
        splitter: Any = StratifiedKFold(
            settings.folds, shuffle=True, random_state=settings.seed
        )
    else:
        splitter = KFold(settings.folds, shuffle=True, random_state=settings.seed)
    return list(splitter.split(rows, y))


def _split(task: Task, X: Any, y: np.ndarray, settings: Settings) -> list[Any]:
    stratify = y if task.stratify else None
    try:
        return train_test_split(
            X,
            y,
            test_size=settings.validation_fraction,
            random_state=settings.seed,
            stratify=stratify,
        )
    except ValueError:
        if stratify is None:
            raise
        # Too few members in some class to stratify: a plain random split still works.
        return train_test_split(
            X, y, test_size=settings.validation_fraction, random_state=settings.seed
        )
