"""The fit driver: split, search, refit. Shared by every estimator.

One ``fit`` is: split the data into a training and a validation part; fit preprocessing
(and resampling, and the target scaling) on the training part only; run the search, each
trial building a model from one sample of the space and training it with early stopping,
pruning, a NaN stop and the time budget; then refit the best configuration on all the data
for the number of epochs the search found.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import optuna
import pandas as pd
from sklearn.model_selection import train_test_split

from autodeep import _backend
from autodeep._tasks import Task
from autodeep._training import TrialFailed, predict_array, train
from autodeep.search import _optuna
from autodeep.search_spaces._space import SearchSpace

logger = logging.getLogger("autodeep")
SEED_MAX = 2**31 - 1


@dataclass
class Settings:
    """Budget and search settings, from the estimator's parameters."""

    max_trials: int | None
    time_budget: float | None
    max_epochs: int
    n_iter_no_change: int
    validation_fraction: float
    pruner: str | None
    refit: bool
    seed: int
    deterministic: bool
    verbose: int


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


@dataclass
class Prepared:
    """Data of one stage (search or refit) after preprocessing fit on its training rows."""

    preprocessor: Any
    target: Any
    X: np.ndarray
    y: np.ndarray
    class_weight: Any


@dataclass
class FitResult:
    model: Any
    preprocessor: Any
    target: Any
    best_params: dict[str, Any]
    best_score: float
    best_epochs: int
    leaderboard: pd.DataFrame
    history: dict[str, list[float]]
    timings: dict[str, float] = field(default_factory=dict)


class _Clock:
    """Wall-clock budget for the whole fit, refit included."""

    def __init__(self, time_budget: float | None) -> None:
        self.start = time.monotonic()
        self.end = math.inf if time_budget is None else self.start + time_budget

    def remaining(self) -> float:
        return self.end - time.monotonic()


def fit(plan: Plan, X: Any, y: np.ndarray, settings: Settings) -> FitResult:
    """Search, then refit; see the module docstring."""
    clock = _Clock(settings.time_budget)
    timings = {"keras_build": 0.0, "keras_train": 0.0, "keras_predict": 0.0}
    X_train, X_val, y_train, y_val = _split(plan.task, X, y, settings)
    stage = _prepare(plan, X_train, y_train, settings.seed)
    val = (stage.preprocessor.transform(X_val), plan.task.encode(stage.target, y_val))
    search = _Search(plan, stage, val, settings, clock, timings, n_total=len(y))
    search.run()
    best = search.study.best_trial
    best_params = _optuna.trial_params(best)
    best_epochs = int(best.user_attrs["best_epoch"])
    search_seconds = time.monotonic() - clock.start

    final = _refit(plan, X, y, best_params, best_epochs, settings, clock, timings)
    if final is None:
        final = (search.best_model(), stage)
    model, prepared = final
    timings.update(search=search_seconds, total=time.monotonic() - clock.start)
    timings["refit"] = timings["total"] - search_seconds
    return FitResult(
        model=model,
        preprocessor=prepared.preprocessor,
        target=prepared.target,
        best_params=best_params,
        best_score=float(best.user_attrs["score"]),
        best_epochs=best_epochs,
        leaderboard=_optuna.leaderboard(search.study, plan.task.score_name),
        history=best.user_attrs["history"],
        timings=timings,
    )


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


def _prepare(plan: Plan, X: Any, y: np.ndarray, seed: int) -> Prepared:
    from autodeep.preprocessing.imbalance import resample

    preprocessor = plan.make_preprocessor().fit(X)
    target = plan.task.fit_target(y)
    Xt, yt = preprocessor.transform(X), plan.task.encode(target, y)
    Xt, yt = resample(plan.make_resampler(preprocessor, seed), Xt, yt)
    return Prepared(preprocessor, target, Xt, yt, plan.class_weights(yt))


def _new_model(
    plan: Plan,
    params: Mapping[str, Any],
    prepared: Prepared,
    seed: int,
    settings: Settings,
    timings: dict[str, float],
) -> Any:
    """A fresh, compiled, seeded model for ``params``; build time goes to keras_build."""
    from autodeep.search_spaces.tabular import make_optimizer

    _backend.release_memory()
    _backend.seed_everything(seed, deterministic=settings.deterministic)
    start = time.monotonic()
    model = plan.build_model(params, prepared.preprocessor, plan.task)
    model.compile(optimizer=make_optimizer(params), loss=plan.task.loss())
    timings["keras_build"] += time.monotonic() - start
    return model


class _Search:
    """One Optuna search over ``plan.space`` on a prepared training/validation pair."""

    def __init__(
        self,
        plan: Plan,
        stage: Prepared,
        val: tuple[np.ndarray, np.ndarray],
        settings: Settings,
        clock: _Clock,
        timings: dict[str, float],
        n_total: int,
    ) -> None:
        self.plan, self.stage, self.val = plan, stage, val
        self.settings, self.clock, self.timings = settings, clock, timings
        self.growth = n_total / max(1, len(stage.y))  # refit data / trial data
        self.study = _optuna.create_study(
            settings.seed, settings.pruner, settings.max_epochs
        )
        self._best: tuple[float, dict[str, Any], list[np.ndarray]] | None = None

    def run(self) -> None:
        _optuna.enqueue_default(self.study, self.plan.space, self.plan.default_params)
        self.study.optimize(
            self._objective,
            n_trials=self.settings.max_trials,
            catch=(Exception,),
            callbacks=[self._after_trial],
        )
        if not any(
            t.state == optuna.trial.TrialState.COMPLETE for t in self.study.trials
        ):
            raise RuntimeError(
                f"Every trial failed; the most common reason: "
                f"{_optuna.most_common_failure(self.study)}."
            )

    def _reserve(self) -> float:
        """Seconds to keep for refitting the best configuration found so far."""
        if self._best is None or not self.settings.refit:
            return 0.0
        return self.study.best_trial.user_attrs["seconds"] * self.growth

    def _objective(self, trial: optuna.Trial) -> float:
        started = time.monotonic()
        try:
            return self._run_trial(trial, started)
        except optuna.TrialPruned:
            raise
        except Exception as error:
            reason = _one_line(error)
            trial.set_user_attr("reason", reason)
            trial.set_user_attr("seconds", time.monotonic() - started)
            logger.warning("trial %d failed: %s", trial.number, reason)
            raise

    def _run_trial(self, trial: optuna.Trial, started: float) -> float:
        params = _optuna.sample_params(self.plan.space, trial)
        seed = (self.settings.seed + trial.number + 1) % SEED_MAX
        model = _new_model(
            self.plan, params, self.stage, seed, self.settings, self.timings
        )
        # A trial that becomes the best must leave time for its own refit.
        own_limit = (self.clock.end + self.growth * started) / (1 + self.growth)
        deadline = min(self.clock.end - self._reserve(), own_limit)

        def report(value: float, epoch: int) -> bool:
            trial.report(value, epoch)
            return trial.should_prune()

        outcome = train(
            model,
            (self.stage.X, self.stage.y),
            epochs=self.settings.max_epochs,
            batch_size=int(params["batch_size"]),
            deadline=deadline,
            validation=self.val,
            objective=self.plan.task.objective,
            patience=self.settings.n_iter_no_change,
            class_weight=self.stage.class_weight,
            report=report,
            verbose=2 if self.settings.verbose >= 2 else 0,
        )
        predict_start = time.monotonic()
        score = self.plan.task.score(self.val[1], predict_array(model, self.val[0]))
        self.timings["keras_predict"] += time.monotonic() - predict_start
        self.timings["keras_train"] += outcome.seconds
        for key, value in {
            "score": score,
            "best_value": outcome.best_value,
            "best_epoch": outcome.best_epoch,
            "epochs": outcome.epochs_run,
            "seconds": time.monotonic() - started,
            "history": outcome.history,
        }.items():
            trial.set_user_attr(key, value)
        if outcome.pruned:
            trial.set_user_attr("reason", f"pruned after epoch {outcome.epochs_run}")
            raise optuna.TrialPruned()
        if outcome.timed_out:
            trial.set_user_attr("reason", "stopped early by time_budget")
        if self._best is None or outcome.best_value < self._best[0]:
            self._best = (outcome.best_value, params, model.get_weights())
        return outcome.best_value

    def _after_trial(
        self, study: optuna.Study, trial: optuna.trial.FrozenTrial
    ) -> None:
        attrs = trial.user_attrs
        logger.info(
            "trial %d %s: val %s %.4f, val loss %.4f, %d epochs, %.1f s",
            trial.number,
            _optuna.STATES.get(trial.state, "?"),
            self.plan.task.score_name,
            attrs.get("score", math.nan),
            attrs.get("best_value", math.nan),
            attrs.get("epochs", 0),
            attrs.get("seconds", math.nan),
        )
        # Stop when the next trial could not finish before the refit reserve.
        typical = float(
            np.median([t.user_attrs.get("seconds", 0.0) for t in study.trials])
        )
        if self.clock.remaining() < self._reserve() + 0.5 * typical:
            study.stop()

    def best_model(self) -> Any:
        """The best trial's model (trained on the training part), rebuilt from weights."""
        if self._best is None:
            raise RuntimeError("No trial completed.")
        _, params, weights = self._best
        model = _new_model(
            self.plan,
            params,
            self.stage,
            self.settings.seed,
            self.settings,
            self.timings,
        )
        model.set_weights(weights)
        return model


def _refit(
    plan: Plan,
    X: Any,
    y: np.ndarray,
    params: Mapping[str, Any],
    epochs: int,
    settings: Settings,
    clock: _Clock,
    timings: dict[str, float],
) -> tuple[Any, Prepared] | None:
    """Train the best configuration on all rows; None when there is no time to do so."""
    if not settings.refit or clock.remaining() <= 0:
        return None
    prepared = _prepare(plan, X, y, settings.seed)
    model = _new_model(plan, params, prepared, settings.seed, settings, timings)
    try:
        outcome = train(
            model,
            (prepared.X, prepared.y),
            epochs=epochs,
            batch_size=int(params["batch_size"]),
            deadline=clock.end,
            class_weight=prepared.class_weight,
            verbose=2 if settings.verbose >= 2 else 0,
        )
    except TrialFailed as error:
        logger.warning("refit failed (%s); keeping the best trial's model", error)
        return None
    timings["keras_train"] += outcome.seconds
    if outcome.timed_out:
        logger.warning(
            "time_budget ran out during the refit; keeping the best trial's model"
        )
        return None
    return model, prepared


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"[:300]
