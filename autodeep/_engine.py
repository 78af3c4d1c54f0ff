"""The fit driver: split, search, refit. Shared by every estimator.

One ``fit`` is: split the data into a training and a validation part (or into ``folds``
cross-validation folds); fit preprocessing (and resampling, and the target scaling) on
each training part only; run the search, each trial building a model from one sample of
the space and training it (once per fold) with early stopping, pruning, a NaN stop and
the time budget; then refit the best configuration (or the ensemble's members) on all
the data for the number of epochs the search found.
"""

from __future__ import annotations

import logging
import math
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from autodeep import _backend
from autodeep._data import subset
from autodeep._ensemble import (
    CANDIDATES,
    Candidate,
    Ensemble,
    affordable,
    choose,
    combine,
    keep,
    refit_seconds,
)
from autodeep._ensemble import STATE as ENSEMBLE
from autodeep._reference import STATE as REFERENCE
from autodeep._reference import reference_row
from autodeep._scoring import Objective, make_scorer, scoring_name
from autodeep._tasks import Task
from autodeep._training import TrainOutcome, TrialFailed, predict_array, train
from autodeep.search._types import (
    Best,
    Settings,
    TrialResult,
    TrialRunner,
)
from autodeep.search_spaces._space import SearchSpace
from autodeep.search_spaces.tabular import learning_rate_schedule

logger = logging.getLogger("autodeep")
SEED_MAX = 2**31 - 1
# With ensembling on, the search keeps time to refit this many trials of the best's
# cost (the ensemble's members are refit on all rows too).
ENSEMBLE_RESERVE = 2


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


@dataclass
class Fold:
    """One training/validation split of the search data: the stage fit on its
    training rows, its validation rows' network input and targets, and the objective
    that scores them (in this fold's target units)."""

    stage: Prepared
    X_val: Any
    y_val: np.ndarray
    objective: Objective


def encode(
    plan: Plan, params: Mapping[str, Any], stage: Prepared, X_val: Any, seed: int
) -> Encoded:
    """The network input for ``params``: the plan's per-trial encoding, or the stage."""
    if plan.encode is None:
        return Encoded(stage.preprocessor, stage.X, stage.y, X_val)
    return plan.encode(params, stage, X_val, seed)


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
    # The refit's own curves (training loss only), empty when the trials' models
    # were kept.
    refit_history: dict[str, list[float]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


class Clock:
    """Wall-clock budget for the whole fit, refit included, shared across processes."""

    def __init__(self, settings: Settings) -> None:
        self.start = time.time()
        if settings.end_time is not None:
            self.end = settings.end_time
        elif settings.time_budget is not None:
            self.end = self.start + settings.time_budget
        else:
            self.end = math.inf

    def remaining(self) -> float:
        return self.end - time.time()


def fit(plan: Plan, X: Any, y: np.ndarray, settings: Settings) -> FitResult:
    """Search, then refit; see the module docstring."""
    clock = Clock(settings)
    settings = replace(settings, end_time=clock.end)
    if settings.storage is not None:
        from autodeep.search import _optuna

        # A resumed search keeps the seed, and so the split, it started with.
        recorded = _optuna.recorded_seed(settings)
        seed = settings.seed if recorded is None else recorded
        settings = replace(
            settings,
            seed=seed,
            study_attrs={
                **settings.study_attrs,
                "seed": seed,
                "end_time": clock.end if math.isfinite(clock.end) else None,
            },
        )
    timings = {"keras_build": 0.0, "keras_train": 0.0, "keras_predict": 0.0}
    trials = _trials_for(plan, X, y, settings, clock, timings)
    reference = None
    if plan.reference is not None:
        reference = reference_row(trials, settings.seed)
        timings["reference"] = reference["seconds"]
    best = ENGINES[settings.tuner](trials, settings)
    ensemble = _ensemble(trials, best, settings, timings)
    board = best.leaderboard
    if ensemble is not None:
        board = _with_ensemble(board, ensemble, trials.objective.score_name)
    if reference is not None:
        board = _with_row(board, reference)
    best.leaderboard = _compare_with_constant(
        board, trials.constant_value, trials.objective
    )
    search_seconds = time.time() - clock.start

    configs: list[tuple[Mapping[str, Any], int]] = [(best.params, best.epochs)]
    if ensemble is not None:
        configs = [(m.params, m.epochs) for m in ensemble.members]
    final = _refit(plan, X, y, configs, settings, clock, timings)
    if final is None:
        final = (*trials.trained_models(configs), trials.stage.target, {})
    models, preprocessor, target, refit_history = final
    model = models[0] if ensemble is None else combine(models, ensemble.weights)
    timings.update(search=search_seconds, total=time.time() - clock.start)
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
    )


def _ensemble(
    trials: Trials, best: Best, settings: Settings, timings: dict[str, float]
) -> Ensemble | None:
    """The ensemble of the best trials this process ran, if it beats the best alone.

    Only when the best trial is among them (with several workers it may have run
    elsewhere, and its validation outputs with it), and only of trials that the time
    left can refit: the best ones in order, as long as their refits fit."""
    started = time.time()
    ensemble = None
    if trials.kept and trials.kept[0].params == best.params:
        pool, left = trials.kept, trials.remaining()
        if settings.refit and math.isfinite(left):
            pool = affordable(pool, left, trials.growth)
        ensemble = choose(pool, trials.objective, trials.y_val, settings.ensemble_size)
    timings["ensemble"] = time.time() - started
    return ensemble


def run_worker(plan: Plan, X: Any, y: np.ndarray, settings: Settings) -> None:
    """Run trials of a shared, persistent study until its budget is used; no refit."""
    from autodeep.search import _optuna

    clock = Clock(settings)
    timings = {"keras_build": 0.0, "keras_train": 0.0, "keras_predict": 0.0}
    trials = _trials_for(plan, X, y, settings, clock, timings)
    _optuna.work(trials, settings)


def _compare_with_constant(
    board: pd.DataFrame, constant: float, objective: Objective
) -> pd.DataFrame:
    """Mark which trials beat an input-blind prediction; warn when none does.

    A search whose best trial does no better than predicting the training prior (or
    mean) has learnt nothing from the features; its model would be returned without a
    word otherwise. Drops the board's ``objective`` column, used for the comparison.
    """
    if board.empty or "objective" not in board:
        return board
    values = board["objective"].to_numpy(dtype=np.float64)
    beats = [None if np.isnan(v) else bool(v < constant) for v in values]
    searched = (board["state"] != REFERENCE).to_numpy()
    board = board.drop(columns="objective")
    board.insert(
        list(board.columns).index("val_loss") + 1,
        "beats_constant",
        pd.Series(beats, dtype=object, index=board.index),
    )
    if not any(b for b, s in zip(beats, searched, strict=True) if s):
        best = float(np.nanmin(np.where(searched, values, np.nan)))
        message = (
            f"No trial did better than a constant prediction on the validation part "
            f"(best validation {objective.shown(best)}, constant "
            f"prediction {objective.shown(constant)}): the model has not learnt from "
            "the features. Check that the target and features are the right ones, or "
            "widen the search (more trials or epochs, other learning rates)."
        )
        logger.warning(message)
        warnings.warn(message, UserWarning, stacklevel=2)
    return board


def _with_row(
    board: pd.DataFrame, row: dict[str, Any], first: bool = False
) -> pd.DataFrame:
    """``board`` with ``row`` (the ensemble's or the reference model's) before or after
    the trials; integer columns (trial numbers, layer sizes) stay integers, with <NA>
    in ``row``."""
    integers = [c for c in board if pd.api.types.is_integer_dtype(board[c])]
    parts = [pd.DataFrame([row]), board] if first else [board, pd.DataFrame([row])]
    board = pd.concat(parts, ignore_index=True)
    return board.astype(dict.fromkeys(integers, "Int64"))


def _with_ensemble(
    board: pd.DataFrame, ensemble: Ensemble, score_name: str
) -> pd.DataFrame:
    """``board`` with the ensemble's row first and each trial's ensemble weight."""
    weights = dict(
        zip([m.number for m in ensemble.members], ensemble.weights, strict=True)
    )
    board = board.copy()
    board.insert(
        list(board.columns).index("seconds") + 1,
        "ensemble_weight",
        [weights.get(int(n), 0.0) for n in board["trial"]],
    )
    row = {
        "trial": None,
        "state": ENSEMBLE,
        f"val_{score_name}": ensemble.score,
        "val_loss": ensemble.loss,
        "objective": ensemble.value,
        "epochs": 0,
        "seconds": 0.0,
        "ensemble_weight": 1.0,
        "reason": ensemble.describe(),
    }
    return _with_row(board, row, first=True)


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


def _trials_for(
    plan: Plan,
    X: Any,
    y: np.ndarray,
    settings: Settings,
    clock: Clock,
    timings: dict[str, float],
) -> Trials:
    folds = []
    for train_rows, val_rows in _splits(plan.task, y, settings):
        stage = _prepare(plan, _take(X, train_rows), y[train_rows], settings.seed)
        objective = Objective(
            plan.task,
            stage.target,
            make_scorer(settings.scoring),
            scoring_name(settings.scoring),
            stage.class_ratio,
        )
        X_val = stage.preprocessor.transform(_take(X, val_rows))
        y_val = plan.task.encode(stage.target, y[val_rows])
        folds.append(Fold(stage, X_val, y_val, objective))
    return Trials(plan, folds, settings, clock, timings, n_total=len(y))


def _take(X: Any, rows: np.ndarray) -> Any:
    """Rows ``rows`` of a DataFrame, an array or a lazy image source."""
    return X.iloc[rows] if isinstance(X, pd.DataFrame) else subset(X, rows)


def _splits(
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


def _prepare(plan: Plan, X: Any, y: np.ndarray, seed: int) -> Prepared:
    from autodeep.preprocessing.imbalance import resample

    preprocessor = plan.make_preprocessor().fit(X)
    target = plan.task.fit_target(y)
    Xt, yt = preprocessor.transform(X), plan.task.encode(target, y)
    Xr, yr = resample(plan.make_resampler(preprocessor, seed), Xt, yt)
    class_weight = plan.class_weights(yr)
    ratio = plan.task.class_ratio(yt, yr, class_weight)
    return Prepared(preprocessor, target, Xr, yr, class_weight, ratio)


def _new_model(
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


class Trials:
    """Trains one configuration per call on the search's training part.

    Engine-neutral: Optuna and KerasTuner drivers call :meth:`run` with sampled
    parameters and record what it returns. It keeps the best weights seen in this
    process, so a search without refit needs no checkpoint files.
    """

    def __init__(
        self,
        plan: Plan,
        folds: list[Fold],
        settings: Settings,
        clock: Clock,
        timings: dict[str, float],
        n_total: int,
    ) -> None:
        self.plan, self.folds = plan, folds
        self.settings, self.clock, self.timings = settings, clock, timings
        # The first fold's stage and objective stand for the search (the reference
        # model, the constant prediction); every fold's validation rows together, in
        # the first fold's target units, are what trials and the ensemble are scored on.
        self.stage, self.objective = folds[0].stage, folds[0].objective
        self.y_val = np.concatenate([self.in_first_units(f, f.y_val) for f in folds])
        # Refit data / trial data: a trial trains once per fold.
        self.growth = n_total / max(1, sum(len(f.stage.y) for f in folds))
        # The validation objective of an input-blind prediction, for comparison; with
        # a scorer, this is also where a scorer that cannot score this task fails,
        # before any training.
        constant = plan.task.constant_outputs(
            self.stage.y, len(self.y_val), self.stage.class_weight
        )
        try:
            self.constant_value = self.objective(self.y_val, constant)
        except Exception as error:
            if settings.scoring is None:
                raise
            raise ValueError(
                f"scoring={settings.scoring!r} could not score this "
                f"{type(plan.task).__name__.lower()} task's predictions: {error}"
            ) from error
        # Estimated seconds to refit the best trial so far (any worker's); drivers
        # keep it current with note_best.
        self.best_refit: float | None = None
        self.on_epoch: Callable[[int, int], None] = lambda number, epoch: None
        # The best complete trials this process ran (best first), for the ensemble
        # and for a fit without refit.
        self.kept: list[Candidate] = []
        # Per fold, the last network input built (see _encoded).
        self._last_encoded: dict[int, tuple[str, Encoded]] = {}
        # Parameters the plan's per-trial encoding depends on (all when unknown).
        self.encoding_keys = (
            set(plan.encoding_keys) if plan.encoding_keys else set(plan.space)
        )

    def reserve(self) -> float:
        """Seconds to keep for refitting the best configuration found so far; with
        ensembling, for two configurations of its cost (so that an ensemble of the
        best and another trial can be refit too)."""
        if self.best_refit is None or not self.settings.refit:
            return 0.0
        members = ENSEMBLE_RESERVE if self.settings.ensemble_size > 1 else 1
        return self.best_refit * members

    def note_best(self, attrs: Mapping[str, Any]) -> None:
        """Drivers call this with the best complete trial's attributes so far (any
        worker's): the reserve is its estimated refit time."""
        self.best_refit = refit_seconds(
            float(attrs.get("seconds", 0.0)),
            int(attrs.get("best_epoch", 0)),
            int(attrs.get("epochs", 0)),
            self.growth,
        )

    # -- the TrialRunner interface the engines drive (autodeep.search._types) --

    @property
    def space(self) -> SearchSpace:
        return self.plan.space

    @property
    def default_params(self) -> dict[str, Any]:
        return dict(self.plan.default_params)

    @property
    def score_name(self) -> str:
        return self.objective.score_name

    def remaining(self) -> float:
        return self.clock.remaining()

    def out_of_time(self, typical: float) -> bool:
        """Whether a trial of ``typical`` seconds can no longer start."""
        return self.clock.remaining() < self.reserve() + 0.5 * typical

    def seed(self, number: int) -> int:
        return (self.settings.seed + number + 1) % SEED_MAX

    def run(
        self,
        params: dict[str, Any],
        number: int,
        report: Callable[[float, int], bool] | None = None,
        epochs: int | None = None,
    ) -> TrialResult:
        """Build and train ``params`` once per fold; ``report(value, epoch)`` gets
        the first fold's epochs and returns True to prune.

        The trial's value is the objective of every fold's validation outputs
        together (each fold's model at its best epoch); its epochs, the folds' mean
        best epoch."""
        started = time.time()
        # A trial that becomes the best must leave time for its own refit.
        own_limit = (self.clock.end + self.growth * started) / (1 + self.growth)
        deadline = min(self.clock.end - self.reserve(), own_limit)

        def on_epoch(value: float, epoch: int) -> bool:
            self.on_epoch(number, epoch + 1)
            return report is not None and report(value, epoch)

        stop_at = time.monotonic() + (deadline - time.time())
        parts, outcomes, weights = self._train_folds(
            params, number, epochs, on_epoch, stop_at
        )
        first = outcomes[0]
        pruned = first.pruned
        # The validation rows of the folds done (a prefix of y_val).
        y_done = self.y_val[: sum(len(f.y_val) for f in self.folds[: len(parts)])]
        outputs = np.concatenate(parts) if parts else None
        value = first.best_value if outputs is None else self.objective(y_done, outputs)
        best_epoch = round(float(np.mean([o.best_epoch for o in outcomes])))
        attrs: dict[str, Any] = {
            "best_value": value,
            "best_epoch": max(1, best_epoch),
            "epochs": max(o.epochs_run for o in outcomes),
            "seconds": time.time() - started,
            "history": first.history,
        }
        if outputs is not None:
            attrs["score"] = self.objective.score(y_done, outputs)
            attrs["loss"] = self.objective.loss(y_done, outputs)
        partial = len(parts) < len(self.folds)
        if pruned:
            attrs["reason"] = f"pruned after epoch {first.epochs_run}"
        elif partial:
            attrs["reason"] = (
                f"stopped early by time_budget ({len(parts)} of "
                f"{len(self.folds)} folds)"
            )
        elif any(o.timed_out for o in outcomes):
            attrs["reason"] = "stopped early by time_budget"
        if outputs is not None:
            candidate = Candidate(
                number,
                value,
                dict(params),
                attrs["best_epoch"],
                weights,
                outputs,
                # Outputs for some folds only: never averaged with other trials'.
                self._encoding_key(params) + (" (some folds)" if partial else ""),
                attrs["seconds"],
                attrs["epochs"],
            )
            limit = CANDIDATES if self.settings.ensemble_size > 1 else 1
            self.kept = keep(self.kept, candidate, limit)
        return TrialResult(value, attrs, pruned)

    def _train_folds(
        self,
        params: dict[str, Any],
        number: int,
        epochs: int | None,
        on_epoch: Callable[[float, int], bool],
        stop_at: float,
    ) -> tuple[list[np.ndarray], list[TrainOutcome], list[np.ndarray]]:
        """Train ``params`` on each fold until ``stop_at`` (monotonic): the folds'
        validation outputs (in the first fold's units), their outcomes, and the first
        fold's weights. Stops after a pruned first fold, and at a later fold that
        runs out of time."""
        parts: list[np.ndarray] = []
        outcomes: list[TrainOutcome] = []
        weights: list[np.ndarray] = []
        for index, fold in enumerate(self.folds):
            encoded = self._encoded(params, index)
            model = _new_model(
                self.plan,
                params,
                encoded.preprocessor,
                self.seed(number),
                self.settings,
                self.timings,
            )
            try:
                outcome = train(
                    model,
                    (encoded.X, encoded.y),
                    epochs=epochs or self.settings.max_epochs,
                    batch_size=int(params["batch_size"]),
                    deadline=stop_at,
                    validation=(encoded.X_val, fold.y_val),
                    objective=fold.objective,
                    patience=self.settings.n_iter_no_change,
                    class_weight=fold.stage.class_weight,
                    report=on_epoch if index == 0 else None,
                    learning_rate=learning_rate_schedule(
                        params, self.settings.max_epochs
                    ),
                    verbose=2 if self.settings.verbose >= 2 else 0,
                )
            except TrialFailed:
                # Out of time in a later fold: the folds done score the trial.
                if index == 0 or time.monotonic() < stop_at:
                    raise
                break
            self.timings["keras_train"] += outcome.seconds
            outcomes.append(outcome)
            if outcome.pruned:
                break
            predict_start = time.monotonic()
            fold_outputs = predict_array(model, encoded.X_val)
            self.timings["keras_predict"] += time.monotonic() - predict_start
            parts.append(self.in_first_units(fold, fold_outputs))
            if index == 0:
                weights = model.get_weights()
        return parts, outcomes, weights

    def in_first_units(self, fold: Fold, values: np.ndarray) -> np.ndarray:
        """Outputs or targets of ``fold`` in the first fold's target units (each
        fold fits the target transform on its own training rows)."""
        if fold is self.folds[0]:
            return values
        return self.plan.task.rescale(
            values, fold.stage.target, self.folds[0].stage.target
        )

    def trained_models(
        self, configs: list[tuple[Mapping[str, Any], int]]
    ) -> tuple[list[Any], Any]:
        """Configurations trained on the training part (no refit), and the
        preprocessing they take their input from (configurations share it).

        Uses the weights kept in memory when this process ran that trial; otherwise
        (another worker or an earlier process ran it) trains it again for its epochs.
        """
        models = [self._trained(params, epochs) for params, epochs in configs]
        return models, self._encoded(configs[0][0]).preprocessor

    def _trained(self, params: Mapping[str, Any], epochs: int) -> Any:
        encoded = self._encoded(params)
        model = _new_model(
            self.plan,
            params,
            encoded.preprocessor,
            self.settings.seed,
            self.settings,
            self.timings,
        )
        kept = next((c for c in self.kept if c.params == dict(params)), None)
        if kept is not None:
            model.set_weights(kept.weights)
            return model
        outcome = train(
            model,
            (encoded.X, encoded.y),
            epochs=max(1, epochs),
            batch_size=int(params["batch_size"]),
            deadline=math.inf,
            class_weight=self.stage.class_weight,
            learning_rate=learning_rate_schedule(params, self.settings.max_epochs),
        )
        self.timings["keras_train"] += outcome.seconds
        return model

    def _encoding_key(self, params: Mapping[str, Any]) -> str:
        """What a configuration's input encoding depends on ("" when it is fixed)."""
        if self.plan.encode is None:
            return ""
        return repr(
            sorted((k, v) for k, v in params.items() if k in self.encoding_keys)
        )

    def _encoded(self, params: Mapping[str, Any], fold: int = 0) -> Encoded:
        """The trial's network input on ``fold``; the last one of each fold is kept, as
        the next trial often shares its preprocessing parameters."""
        stage, X_val = self.folds[fold].stage, self.folds[fold].X_val
        if self.plan.encode is None:
            return encode(self.plan, params, stage, X_val, self.settings.seed)
        key = self._encoding_key(params)
        last = self._last_encoded.get(fold)
        if last is None or last[0] != key:
            encoded = encode(self.plan, params, stage, X_val, self.settings.seed)
            last = self._last_encoded[fold] = (key, encoded)
        return last[1]


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
    prepared = _prepare(plan, X, y, settings.seed)
    encoded = encode(plan, configs[0][0], prepared, None, settings.seed)
    models, histories = [], []
    for params, epochs in configs:
        model = _new_model(
            plan, params, encoded.preprocessor, settings.seed, settings, timings
        )
        try:
            outcome = train(
                model,
                (encoded.X, encoded.y),
                epochs=epochs,
                batch_size=int(params["batch_size"]),
                deadline=time.monotonic() + clock.remaining(),
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
