"""KerasTuner behind autodeep's search interface: Hyperband, Bayesian and random search.

A KerasTuner oracle proposes the values; each trial reads them through
:func:`autodeep.search_spaces.sample` and trains with the engine-neutral
``Trials.run``, as the Optuna engine does, so both engines fill ``leaderboard_`` with
the same columns. What differs from the Optuna engine, and why:

- Every dimension is declared to KerasTuner before the first trial, unconditionally
  (per-layer ones up to the largest depth), so that each is drawn at random from the
  start rather than at its low bound the first time it becomes active. The oracle also
  draws values for inactive dimensions; they are unused, and a trial's parameters list
  only the active ones.
- No checkpoints: ``Trials`` keeps the best weights in memory and the final model is
  refit, so each Hyperband round trains from scratch for that round's epochs.
- Project files (oracle and trial JSON) go to ``directory/autodeep`` and are overwritten
  at every fit; without ``directory`` they go to a temporary folder. Resuming a search
  is an Optuna feature (``storage=``).
- KerasTuner's ``Choice`` holds only one type of str, int or float (it turns bools into
  ints), so other option lists (None, bools, mixed types) travel as string labels.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import keras_tuner
import numpy as np
from keras_tuner.src import config as kt_config

from autodeep.search._errors import is_programming_error
from autodeep.search._types import (
    Best,
    board,
    failure_reason,
    most_common_failure,
)
from autodeep.search_spaces._space import (
    Choice,
    Dimension,
    Fixed,
    Float,
    Int,
    SearchSpace,
    Suggest,
    contains,
    sample,
)

if TYPE_CHECKING:
    from autodeep.search._types import Settings, TrialRunner

logger = logging.getLogger("autodeep")
OBJECTIVE = "val_objective"
PROJECT = "autodeep"


# -- the space -------------------------------------------------------------------------


def choice_values(options: Sequence[Any]) -> list[Any]:
    """``options`` as KerasTuner ``Choice`` values: as they are if all str, all int or
    all float; otherwise as string labels (``str``, or ``repr`` where ``str`` clashes).
    """
    kinds = {type(option) for option in options}
    if len(kinds) == 1 and kinds <= {str, int, float}:
        return list(options)
    labels = [str(option) for option in options]
    if len(set(labels)) < len(labels):
        labels = [repr(option) for option in options]
    return labels


def suggest(hp: keras_tuner.HyperParameters) -> Suggest:
    """Adapt KerasTuner ``HyperParameters`` to :func:`autodeep.search_spaces.sample`."""

    def draw(name: str, dim: Dimension) -> Any:
        sampling = "log" if getattr(dim, "log", False) else "linear"
        if isinstance(dim, Int):
            return int(hp.Int(name, dim.low, dim.high, sampling=sampling))
        if isinstance(dim, Float):
            return float(hp.Float(name, dim.low, dim.high, sampling=sampling))
        if isinstance(dim, Choice):
            values = choice_values(dim.options)
            return dim.options[values.index(hp.Choice(name, values))]
        raise TypeError(f"Cannot sample {type(dim).__name__} dimension {name!r}.")

    return draw


def declare(space: SearchSpace) -> keras_tuner.HyperParameters:
    """Every dimension KerasTuner may have to draw, registered unconditionally."""
    hp = keras_tuner.HyperParameters()
    draw = suggest(hp)
    for name, dim in space.items():
        if not _tunable(dim):
            continue
        if dim.per_layer is None:
            draw(name, dim)
            continue
        for layer in range(_most_layers(space.get(dim.per_layer))):
            draw(f"{name}_{layer}", dim)
    return hp


def _tunable(dim: Dimension) -> bool:
    """Whether :func:`sample` asks the engine for this dimension's value."""
    if isinstance(dim, Choice):
        return len(dim.options) > 1
    if isinstance(dim, (Int, Float)):
        return dim.low < dim.high
    return False


def _most_layers(parent: Dimension | None) -> int:
    if isinstance(parent, Int):
        return parent.high
    if isinstance(parent, Choice):
        return max((o for o in parent.options if isinstance(o, int)), default=0)
    if isinstance(parent, Fixed) and isinstance(parent.value, int):
        return parent.value
    return 0  # not a layer count: sample() reports the error in each trial


def default_values(space: SearchSpace, default: Mapping[str, Any]) -> dict[str, Any]:
    """The default configuration as KerasTuner values, for dimensions it draws."""
    values = {}
    for name, value in default.items():
        dim = space.get(name if name in space else name.rsplit("_", 1)[0])
        if dim is None or not _tunable(dim) or not contains(dim, value):
            continue
        if isinstance(dim, Choice):
            value = choice_values(dim.options)[list(dim.options).index(value)]
        values[name] = value
    return values


# -- the search ------------------------------------------------------------------------


class _Stop(Exception):
    """No further trial may start (trial or time budget used)."""


class _Search:
    """What one search records, fed by the tuner's hooks: trial rows and attributes."""

    def __init__(self, trials: TrialRunner, settings: Settings, progress: Any) -> None:
        self.trials, self.settings, self.progress = trials, settings, progress
        self.rows: list[dict[str, Any]] = []
        # Trial number -> (parameters, Trials.run attributes) of complete trials.
        self.complete: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}
        self.default = default_values(trials.space, trials.default_params)
        # A programming error raised in a trial: it stops the search (see _run).
        self.fatal: BaseException | None = None

    def before_trial(self) -> None:
        """Record progress; raise :class:`_Stop` when no further trial may start."""
        self.progress.update(self.rows, len(self.rows))
        max_trials = self.settings.max_trials
        if max_trials is not None and len(self.rows) >= max_trials:
            raise _Stop
        if self.complete:
            best = min(self.complete.values(), key=lambda run: run[1]["best_value"])
            self.trials.note_best(best[1])
        if not self.trials.may_start([row["seconds"] for row in self.rows]):
            raise _Stop

    def run(self, hp: keras_tuner.HyperParameters) -> dict[str, float]:
        """Train one trial; a failure is recorded, then re-raised for KerasTuner."""
        number = len(self.rows)
        if number == 0:
            # A known-good first trial. The oracle keeps the trial's (edited) values,
            # so Hyperband promotes, and the Bayesian model learns, what really ran.
            hp.values.update(self.default)
        started = time.monotonic()
        params: dict[str, Any] = {}
        try:
            params = sample(self.trials.space, suggest(hp))
            result = self.trials.run(
                params, number, epochs=hp.values.get("tuner/epochs")
            )
        except Exception as error:
            reason = failure_reason(error)
            attrs = {"seconds": time.monotonic() - started, "reason": reason}
            self.rows.append(_row(number, "failed", attrs, params))
            if is_programming_error(error):
                self.fatal = error
                raise keras_tuner.errors.FatalError(reason) from error
            logger.warning("trial %d failed: %s", number, reason)
            raise keras_tuner.errors.FailedTrialError(reason) from error
        self.complete[number] = (params, result.attrs)
        self.rows.append(_row(number, "complete", result.attrs, params))
        return {OBJECTIVE: result.value}

    def best(self) -> Best:
        """The complete trial with the lowest validation objective."""
        if not self.complete:
            if not self.rows:
                raise RuntimeError(
                    "No trial ran: time_budget was used up before the first one "
                    "could start; raise time_budget."
                )
            raise RuntimeError(
                "Every trial failed; the most common reason: "
                f"{most_common_failure(self.rows)}."
            )
        number = min(self.complete, key=lambda n: self.complete[n][1]["best_value"])
        params, attrs = self.complete[number]
        return Best(
            params=params,
            epochs=int(attrs["best_epoch"]),
            score=float(attrs["score"]),
            history=attrs["history"],
            leaderboard=board(self.rows, self.trials.score_name),
        )


def _row(
    number: int, state: str, attrs: Mapping[str, Any], params: Mapping[str, Any]
) -> dict[str, Any]:
    """One leaderboard row, as the Optuna engine writes it."""
    return {
        "trial": number,
        "state": state,
        "score": attrs.get("score", np.nan),
        "val_loss": attrs.get("loss", attrs.get("best_value", np.nan)),
        "objective": attrs.get("best_value", np.nan),
        "epochs": attrs.get("epochs", 0),
        "seconds": attrs.get("seconds", np.nan),
        "reason": attrs.get("reason", ""),
        **params,
    }


class _Hooks(keras_tuner.Tuner):
    """Runs autodeep trials in a KerasTuner tuner: no model building, no checkpoints."""

    record: _Search

    def pre_create_trial(self) -> None:
        self.record.before_trial()

    def run_trial(self, trial: Any, *args: Any, **kwargs: Any) -> dict[str, float]:
        return self.record.run(trial.hyperparameters)

    def save_model(self, trial_id: str, model: Any, step: int = 0) -> None:
        """Keep no model files: ``Trials`` holds the best weights in memory."""

    def load_model(self, trial: Any) -> Any:
        raise NotImplementedError("autodeep's KerasTuner search keeps no trial models.")


class _Hyperband(_Hooks, keras_tuner.Hyperband):
    pass


class _Bayesian(_Hooks, keras_tuner.BayesianOptimization):
    pass


class _Random(_Hooks, keras_tuner.RandomSearch):
    pass


def make_tuner(settings: Settings, space: SearchSpace, directory: str) -> _Hooks:
    """The KerasTuner tuner ``settings.tuner`` names, writing under ``directory``."""
    hp = declare(space)
    common: dict[str, Any] = {
        "objective": keras_tuner.Objective(OBJECTIVE, direction="min"),
        # KerasTuner draws a random seed for seed=0.
        "seed": settings.seed + 1,
        "hyperparameters": hp,
        "max_retries_per_trial": 0,
        # A failed trial is recorded and the search goes on, as with Optuna.
        "max_consecutive_failed_trials": sys.maxsize,
        "directory": directory,
        "project_name": PROJECT,
        "overwrite": True,
    }
    # With nothing to tune Hyperband stops before its first trial; one trial of
    # max_epochs (what random search runs then) is the whole search.
    if settings.tuner == "hyperband" and hp.space:
        # Brackets repeat until max_trials or time_budget ends the search.
        return _Hyperband(
            max_epochs=settings.max_epochs,
            factor=3,
            hyperband_iterations=None,
            **common,
        )
    if settings.tuner == "bayesian":
        return _Bayesian(max_trials=settings.max_trials, **common)
    if settings.tuner in ("random", "hyperband"):
        return _Random(max_trials=settings.max_trials, **common)
    raise ValueError(
        "tuner must be 'optuna', 'hyperband', 'bayesian' or 'random'; "
        f"got {settings.tuner!r}."
    )


def search(trials: TrialRunner, settings: Settings) -> Best:
    """Run the whole search with the KerasTuner tuner ``settings.tuner`` names."""
    from autodeep._progress import Progress

    progress = Progress.for_search(trials, settings)
    record = _Search(trials, settings, progress)
    try:
        with _project_folder(settings.directory) as directory:
            tuner = make_tuner(settings, trials.space, directory)
            tuner.record = record
            _run(tuner, settings.verbose)
        progress.update(record.rows, len(record.rows))
    finally:
        progress.close()
    return record.best()


@contextlib.contextmanager
def _project_folder(directory: str | os.PathLike[str] | None) -> Iterator[str]:
    """``directory``, or a temporary folder removed afterwards (even on error)."""
    if directory is not None:
        yield os.fspath(directory)
        return
    with tempfile.TemporaryDirectory(prefix="autodeep-kerastuner-") as folder:
        yield folder


def _run(tuner: _Hooks, verbose: int) -> None:
    """``tuner.search()`` until it ends or a hook stops it; quiet below verbose=2."""
    # KerasTuner prints each failed trial's traceback while config.DEBUG is set (its
    # default); the "trial N failed" warning says enough.
    debug, kt_config.DEBUG = kt_config.DEBUG, verbose >= 2
    try:
        tuner.search(verbose=1 if verbose >= 2 else 0)
    except _Stop:
        pass
    except keras_tuner.errors.FatalError:
        fatal = tuner.record.fatal
        if fatal is None:
            raise
        raise fatal from None  # our own bug, with its own traceback
    finally:
        kt_config.DEBUG = debug
