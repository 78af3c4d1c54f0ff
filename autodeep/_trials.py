"""The trial runner: one configuration trained and scored per call, for any engine.

:class:`Trials` implements :class:`autodeep.search._types.TrialRunner`: it builds a
configuration's model, trains it on each fold's training rows with early stopping,
pruning and the trial's deadline, scores the folds' validation rows together, and
keeps the best trials' weights and validation outputs for the ensemble and for a fit
without refit.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from autodeep._ensemble import CANDIDATES, Candidate, keep, refit_seconds
from autodeep._plan import Encoded, Plan, encode, new_model
from autodeep._splits import Fold, search_folds
from autodeep._training import TrainOutcome, TrialFailed, predict_array, train
from autodeep.search._clock import Clock
from autodeep.search._types import SEED_MAX, Settings, TrialResult
from autodeep.search_spaces._space import SearchSpace
from autodeep.search_spaces.tabular import learning_rate_schedule

# With ensembling on, the search keeps time to refit this many trials of the best's
# cost (the ensemble's members are refit on all rows too).
ENSEMBLE_RESERVE = 2


def trials_for(
    plan: Plan,
    X: Any,
    y: np.ndarray,
    settings: Settings,
    clock: Clock,
    timings: dict[str, float],
) -> Trials:
    """The trial runner of a search on ``X``, ``y`` (split as ``settings`` say)."""
    folds = search_folds(plan, X, y, settings)
    return Trials(plan, folds, settings, clock, timings, n_total=len(y))


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

    def note_best(self, attrs: Mapping[str, Any]) -> None:
        """Drivers call this with the best complete trial's attributes so far (any
        worker's): the clock keeps its estimated refit time in reserve; with
        ensembling, that of ``ENSEMBLE_RESERVE`` configurations of its cost (so that
        an ensemble of the best and another trial can be refit too)."""
        if not self.settings.refit:
            return
        best_refit = refit_seconds(
            float(attrs.get("seconds", 0.0)),
            int(attrs.get("best_epoch", 0)),
            int(attrs.get("epochs", 0)),
            self.growth,
        )
        members = ENSEMBLE_RESERVE if self.settings.ensemble_size > 1 else 1
        self.clock.reserve = best_refit * members

    def may_start(self, seconds: Sequence[float]) -> bool:
        """Whether another trial may start, given how many seconds the trials so far
        took (any worker's): their median stands for the next one."""
        typical = statistics.median(seconds) if seconds else 0.0
        return not self.clock.out_of_time(typical)

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
        started = time.monotonic()
        # Without a refit, a trial need not leave time for its own.
        deadline = self.clock.trial_deadline(self.growth if self.settings.refit else 0)

        def on_epoch(value: float, epoch: int) -> bool:
            self.on_epoch(number, epoch + 1)
            return report is not None and report(value, epoch)

        parts, outcomes, weights = self._train_folds(
            params, number, epochs, on_epoch, deadline
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
            "seconds": time.monotonic() - started,
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
        deadline: float,
    ) -> tuple[list[np.ndarray], list[TrainOutcome], list[np.ndarray]]:
        """Train ``params`` on each fold until ``deadline`` (the clock's time): the folds'
        validation outputs (in the first fold's units), their outcomes, and the first
        fold's weights. Stops after a pruned first fold, and at a later fold that
        runs out of time."""
        parts: list[np.ndarray] = []
        outcomes: list[TrainOutcome] = []
        weights: list[np.ndarray] = []
        for index, fold in enumerate(self.folds):
            encoded = self._encoded(params, index)
            model = new_model(
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
                    deadline=deadline,
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
                if index == 0 or self.clock.now() < deadline:
                    raise
                break
            self.timings["keras_train"] += outcome.seconds
            outcomes.append(outcome)
            if outcome.pruned:
                break
            fold_outputs = outcome.best_outputs
            if fold_outputs is None:
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
        model = new_model(
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
