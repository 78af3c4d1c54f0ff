"""What a modality supplies to the engine (:class:`Plan`), and the pieces built from
it for one stage of a fit: preprocessed data, a configuration's network input, a
compiled model."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autodeep import _backend
from autodeep._tasks import Classification, Task
from autodeep.search._types import Settings
from autodeep.search_spaces._space import SearchSpace


@dataclass
class Plan:
    """What a modality and a task supply to the engine."""

    task: Task
    space: SearchSpace
    default_params: Mapping[str, Any]
    make_preprocessor: Callable[[], Any]
    build_model: Callable[[Mapping[str, Any], Any, Task], Any]
    make_resampler: Callable[[Any, int], Any] = lambda preprocessor, seed: None
    class_weights: Callable[[np.ndarray], Any] = lambda y: None
    # Extra ``model.compile`` arguments (``jit_compile`` for images on a GPU).
    compile_options: dict[str, Any] = field(default_factory=dict)
    # Preprocessing that depends on the trial's parameters (text vectorization): fit
    # on the stage's training rows for each configuration; see :class:`Encoded`.
    encode: Callable[[Mapping[str, Any], Prepared, Any, int], Encoded] | None = None
    encoding_keys: tuple[str, ...] = ()
    # An unfitted scikit-learn model for ``(task, seed)``, fit on the search's split
    # and shown in ``leaderboard_`` for comparison (see :mod:`autodeep._reference`).
    reference: Callable[[Task, int], Any] | None = None


@dataclass
class Prepared:
    """Data of one stage (search or refit) after preprocessing fit on its training rows."""

    preprocessor: Any
    target: Any
    X: np.ndarray
    y: np.ndarray
    class_weight: Any
    # Per-class weights of the validation loss (see Classification.class_ratio).
    class_ratio: np.ndarray | None = None


@dataclass
class Encoded:
    """One configuration's network input: the preprocessing the network is built on
    (it becomes the estimator's ``preprocessor_`` at refit), training and validation
    inputs, and training targets (augmentation may add rows)."""

    preprocessor: Any
    X: Any
    y: np.ndarray
    X_val: Any = None


def class_labels(task: Task) -> np.ndarray | None:
    """The class labels of a classification task, by code; None for a regression."""
    return task.labels if isinstance(task, Classification) else None


def encode(
    plan: Plan, params: Mapping[str, Any], stage: Prepared, X_val: Any, seed: int
) -> Encoded:
    """The network input for ``params``: the plan's per-trial encoding, or the stage."""
    if plan.encode is None:
        return Encoded(stage.preprocessor, stage.X, stage.y, X_val)
    return plan.encode(params, stage, X_val, seed)


def prepare(plan: Plan, X: Any, y: np.ndarray, seed: int) -> Prepared:
    """Preprocessing, target transform, resampling and class weights fit on ``X``, ``y``
    (a stage's training rows), and those rows transformed."""
    from autodeep.preprocessing.imbalance import resample

    preprocessor = plan.make_preprocessor().fit(X)
    target = plan.task.fit_target(y)
    Xt, yt = preprocessor.transform(X), plan.task.encode(target, y)
    Xr, yr = resample(plan.make_resampler(preprocessor, seed), Xt, yt)
    class_weight = plan.class_weights(yr)
    ratio = plan.task.class_ratio(yt, yr, class_weight)
    return Prepared(preprocessor, target, Xr, yr, class_weight, ratio)


def new_model(
    plan: Plan,
    params: Mapping[str, Any],
    preprocessor: Any,
    seed: int,
    settings: Settings,
    timings: dict[str, float],
) -> Any:
    """A fresh, compiled, seeded model for ``params``; build time goes to keras_build."""
    from autodeep.search_spaces.tabular import make_optimizer

    _backend.release_memory()
    _backend.seed_everything(seed, deterministic=settings.deterministic)
    start = time.monotonic()
    model = plan.build_model(params, preprocessor, plan.task)
    model.compile(
        optimizer=make_optimizer(params),
        loss=plan.task.loss(float(params.get("label_smoothing", 0.0))),
        **plan.compile_options,
    )
    timings["keras_build"] += time.monotonic() - start
    return model
