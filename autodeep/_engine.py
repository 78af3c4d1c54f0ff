"""The fit driver: split, search, ensemble, refit. Shared by every estimator.

One ``fit`` is: split the data into a training and a validation part (or into ``folds``
cross-validation folds; :mod:`autodeep._splits`); fit preprocessing (and resampling,
and the target scaling) on each training part only; run the search, each trial
building a model from one sample of the space and training it (once per fold) with
early stopping, pruning, a NaN stop and the time budget (:mod:`autodeep._trials`);
then refit the best configuration (or the ensemble's members) on all the data for the
number of epochs the search found. One :class:`~autodeep.search._clock.Clock` keeps
the time budget of all of it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from autodeep._calibration import fit_temperature, scaled
from autodeep._conformal import class_scores, residual_scores
from autodeep._ensemble import Ensemble, affordable, choose, combine
from autodeep._leaderboard import compare_with_constant, with_ensemble, with_row
from autodeep._plan import Plan, encode, new_model, prepare
from autodeep._reference import reference_row
from autodeep._tasks import Classification
from autodeep._training import TrialFailed, train
from autodeep._trials import Trials, trials_for
from autodeep.search._clock import Clock
from autodeep.search._types import Best, Settings, TrialRunner
from autodeep.search_spaces.tabular import learning_rate_schedule

logger = logging.getLogger("autodeep")


@dataclass
class FitResult:
    """What a fit found: the estimator's fitted attributes."""

    model: Any
    preprocessor: Any
    target: Any
    best_params: dict[str, Any]
    best_score: float
    best_epochs: int
    leaderboard: pd.DataFrame
    history: dict[str, list[float]]
    # The refit's own curves (training loss only), empty when the trials' models
    # were kept.
    refit_history: dict[str, list[float]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    # The classifier's temperature (autodeep._calibration); None: not fitted.
    temperature: float | None = None
    # Conformal scores of the validation rows (autodeep._conformal); None: none.
    conformity: np.ndarray | None = None


def clock_for(settings: Settings) -> Clock:
    """The clock of this process: the shared end when the search has one (a worker
    process, a resumed study), otherwise ``time_budget`` from now."""
    return Clock(settings.time_budget, settings.end_time)


def fit(plan: Plan, X: Any, y: np.ndarray, settings: Settings) -> FitResult:
    """Search, then refit; see the module docstring."""
    clock = clock_for(settings)
    settings = _shared(replace(settings, end_time=clock.end_time), clock)
    timings = {"keras_build": 0.0, "keras_train": 0.0, "keras_predict": 0.0}
    trials = trials_for(plan, X, y, settings, clock, timings)
    reference = None
    if plan.reference is not None:
        reference = reference_row(trials, settings.seed)
        timings["reference"] = reference["seconds"]
    best = ENGINES[settings.tuner](trials, settings)
    ensemble = _ensemble(trials, best, settings, timings)
    started = clock.now()
    chosen = _chosen_outputs(trials, best, ensemble)
    temperature = _temperature(chosen, trials, settings)
    conformity = _conformity(chosen, trials, temperature)
    timings["calibration"] = clock.now() - started
    best.leaderboard = _leaderboard(best, ensemble, reference, trials)
    search_seconds = clock.elapsed()

    configs: list[tuple[Mapping[str, Any], int]] = [(best.params, best.epochs)]
    if ensemble is not None:
        configs = [(m.params, m.epochs) for m in ensemble.members]
    final = _refit(plan, X, y, configs, settings, clock, timings)
    if final is None:
        final = (*trials.trained_models(configs), trials.stage.target, {})
    models, preprocessor, target, refit_history = final
    model = models[0] if ensemble is None else combine(models, ensemble.weights)
    timings.update(search=search_seconds, total=clock.elapsed())
    timings["refit"] = timings["total"] - search_seconds
    return FitResult(
        model=model,
        preprocessor=preprocessor,
        target=target,
        best_params=best.params,
        best_score=best.score,
        best_epochs=best.epochs,
        leaderboard=best.leaderboard,
        history=best.history,
        refit_history=refit_history,
        timings=timings,
        temperature=temperature,
        conformity=conformity,
    )


def _shared(settings: Settings, clock: Clock) -> Settings:
    """``settings`` with what a persistent study records for its workers and its
    resumption: the seed (a resumed search keeps the one it started with, and so its
    split) and the budget's wall-clock end."""
    if settings.storage is None:
        return settings
    from autodeep.search._study import recorded_seed

    recorded = recorded_seed(settings)
    seed = settings.seed if recorded is None else recorded
    end_time = clock.end_time if math.isfinite(clock.end_time) else None
    return replace(
        settings,
        seed=seed,
        study_attrs={**settings.study_attrs, "seed": seed, "end_time": end_time},
    )


def _leaderboard(
    best: Best,
    ensemble: Ensemble | None,
    reference: dict[str, Any] | None,
    trials: Trials,
) -> pd.DataFrame:
    """The search's board with the ensemble's and the reference model's rows, and
    which trials beat a constant prediction."""
    board = best.leaderboard
    if ensemble is not None:
        board = with_ensemble(board, ensemble, trials.objective.score_name)
    if reference is not None:
        board = with_row(board, reference)
    return compare_with_constant(board, trials.constant_value, trials.objective)


def _ensemble(
    trials: Trials, best: Best, settings: Settings, timings: dict[str, float]
) -> Ensemble | None:
    """The ensemble of the best trials this process ran, if it beats the best alone.

    Only when the best trial is among them (with several workers it may have run
    elsewhere, and its validation outputs with it), and only of trials that the time
    left can refit: the best ones in order, as long as their refits fit."""
    started = trials.clock.now()
    ensemble = None
    if trials.kept and trials.kept[0].params == best.params:
        pool, left = trials.kept, trials.clock.remaining()
        if settings.refit and math.isfinite(left):
            pool = affordable(pool, left, trials.growth)
        ensemble = choose(pool, trials.objective, trials.y_val, settings.ensemble_size)
    timings["ensemble"] = trials.clock.now() - started
    return ensemble


def _chosen_outputs(
    trials: Trials, best: Best, ensemble: Ensemble | None
) -> tuple[np.ndarray, np.ndarray] | None:
    """The chosen model's validation outputs (the ensemble's average, or the best
    trial's) and the validation targets they cover; None when the best trial ran in
    another worker process (its outputs stayed there)."""
    if ensemble is not None:
        outputs = ensemble.outputs
    elif trials.kept and trials.kept[0].params == best.params:
        outputs = trials.kept[0].outputs
    else:
        logger.info(
            "Calibration and conformal scores skipped: the best trial ran in "
            "another process."
        )
        return None
    return outputs, trials.y_val[: len(outputs)]  # some folds' outputs: a prefix


def _temperature(
    chosen: tuple[np.ndarray, np.ndarray] | None, trials: Trials, settings: Settings
) -> float | None:
    """The classifier's temperature, fitted on the chosen model's validation outputs;
    None for regressors, with ``calibration=None``, or without those outputs."""
    if (
        chosen is None
        or settings.calibration is None
        or not isinstance(trials.objective.task, Classification)
    ):
        return None
    return fit_temperature(*chosen, trials.objective.class_ratio)


def _conformity(
    chosen: tuple[np.ndarray, np.ndarray] | None,
    trials: Trials,
    temperature: float | None,
) -> np.ndarray | None:
    """Nonconformity scores of the validation rows (:mod:`autodeep._conformal`):
    from the calibrated probabilities, or the residuals in the target's units."""
    if chosen is None:
        return None
    outputs, y_val = chosen
    task = trials.objective.task
    if isinstance(task, Classification):
        return class_scores(scaled(outputs, temperature), y_val)
    target = trials.stage.target  # the first fold's: y_val is in its units
    truth = task.decode(target, np.asarray(y_val).reshape(len(y_val), -1))
    return residual_scores(truth, task.decode(target, outputs))


def run_worker(plan: Plan, X: Any, y: np.ndarray, settings: Settings) -> None:
    """Run trials of a shared, persistent study until its budget is used; no refit."""
    from autodeep.search import _optuna

    timings = {"keras_build": 0.0, "keras_train": 0.0, "keras_predict": 0.0}
    trials = trials_for(plan, X, y, settings, clock_for(settings), timings)
    _optuna.work(trials, settings)


def _optuna_search(runner: TrialRunner, settings: Settings) -> Best:
    from autodeep.search import _optuna  # imports optuna: only when it is the engine

    return _optuna.search(runner, settings)


def _kerastuner_search(runner: TrialRunner, settings: Settings) -> Best:
    from autodeep.search import _kerastuner  # imports keras_tuner: only when used

    return _kerastuner.search(runner, settings)


# The search engine of each ``tuner=``: a function ``search(runner, settings) -> Best``.
ENGINES: dict[str, Callable[[TrialRunner, Settings], Best]] = {
    "optuna": _optuna_search,
    "hyperband": _kerastuner_search,
    "bayesian": _kerastuner_search,
    "random": _kerastuner_search,
}


def _refit(
    plan: Plan,
    X: Any,
    y: np.ndarray,
    configs: list[tuple[Mapping[str, Any], int]],
    settings: Settings,
    clock: Clock,
    timings: dict[str, float],
) -> tuple[list[Any], Any, Any, dict[str, list[float]]] | None:
    """Train each ``(params, epochs)`` on all rows; None when there is no time to
    train them all (they share one preprocessing, so it is all or none).

    Returns the models, the preprocessing they take their input from, the target
    transform, and the first (the best trial's) refit's per-epoch curves."""
    if not settings.refit or clock.remaining() <= 0:
        return None
    prepared = prepare(plan, X, y, settings.seed)
    encoded = encode(plan, configs[0][0], prepared, None, settings.seed)
    models, histories = [], []
    for params, epochs in configs:
        model = new_model(
            plan, params, encoded.preprocessor, settings.seed, settings, timings
        )
        try:
            outcome = train(
                model,
                (encoded.X, encoded.y),
                epochs=epochs,
                batch_size=int(params["batch_size"]),
                deadline=clock.end,
                class_weight=prepared.class_weight,
                learning_rate=learning_rate_schedule(params, settings.max_epochs),
                verbose=2 if settings.verbose >= 2 else 0,
            )
        except TrialFailed as error:
            logger.warning("refit failed (%s); keeping the trials' models", error)
            return None
        timings["keras_train"] += outcome.seconds
        if outcome.timed_out:
            logger.warning(
                "time_budget ran out during the refit; keeping the trials' models"
            )
            return None
        models.append(model)
        histories.append(outcome.history)
    return models, encoded.preprocessor, prepared.target, histories[0]
