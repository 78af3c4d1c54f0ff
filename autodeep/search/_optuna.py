"""Optuna behind autodeep's search interface: the search and its workers (studies,
samplers and pruners: :mod:`autodeep.search._study`).

One search is one Optuna study. In memory by default; with ``storage=`` (see
:mod:`autodeep.search._storage`) it lives in a journal file, SQLite or a database, so
that a killed ``fit`` resumes and several processes or machines share it. Each worker
runs trials one at a time until the study's trial budget (counted over all workers) or
the time budget is used.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import optuna
from optuna.trial import FrozenTrial

from autodeep.search._errors import (
    FATAL,
    WorkerBug,
    is_programming_error,
    traceback_text,
)
from autodeep.search._storage import fail_lost_trials, temporary_journal, worker_id
from autodeep.search._study import open_study
from autodeep.search._types import (
    Best,
    board,
    failure_reason,
    most_common_failure,
)
from autodeep.search_spaces._space import (
    Choice,
    Dimension,
    Float,
    Int,
    SearchSpace,
    contains,
    sample,
)

if TYPE_CHECKING:
    from autodeep.search._types import Settings, TrialRunner

logger = logging.getLogger("autodeep")
TrialState = optuna.trial.TrialState
LOST = "its worker stopped mid-trial; re-queued"

STATES = {
    optuna.trial.TrialState.COMPLETE: "complete",
    optuna.trial.TrialState.PRUNED: "pruned",
    optuna.trial.TrialState.FAIL: "failed",
    optuna.trial.TrialState.RUNNING: "running",
    optuna.trial.TrialState.WAITING: "waiting",
}


def suggest(trial: optuna.Trial) -> Any:
    """Adapt an Optuna trial to :func:`autodeep.search_spaces.sample`."""

    def draw(name: str, dim: Dimension) -> Any:
        if isinstance(dim, Int):
            return trial.suggest_int(name, dim.low, dim.high, log=dim.log)
        if isinstance(dim, Float):
            return trial.suggest_float(name, dim.low, dim.high, log=dim.log)
        if isinstance(dim, Choice):
            return trial.suggest_categorical(name, list(dim.options))
        raise TypeError(f"Cannot sample {type(dim).__name__} dimension {name!r}.")

    return draw


def sample_params(space: SearchSpace, trial: optuna.Trial) -> dict[str, Any]:
    """One configuration for ``trial``; fixed values are recorded as user attributes."""
    params = sample(space, suggest(trial))
    fixed = {k: v for k, v in params.items() if k not in trial.params}
    trial.set_user_attr("fixed_params", fixed)
    return params


def enqueue_default(
    study: optuna.Study, space: SearchSpace, default: Mapping[str, Any]
) -> None:
    """Try a known-good configuration first, keeping only values inside the space."""
    params = {}
    for name, value in default.items():
        base = name.rsplit("_", 1)[0] if name not in space else name
        dim = space.get(base)
        if dim is not None and contains(dim, value):  # never a Fixed one
            params[name] = value
    if params:
        study.enqueue_trial(params)


def trial_params(trial: optuna.trial.FrozenTrial) -> dict[str, Any]:
    return {**trial.params, **trial.user_attrs.get("fixed_params", {})}


def rows(every: Sequence[FrozenTrial]) -> list[dict[str, Any]]:
    """One dict per trial: state, score, objective, epochs, seconds, reason, params."""
    result = []
    for trial in every:
        attrs = trial.user_attrs
        state = STATES.get(trial.state, trial.state.name.lower())
        reason = attrs.get("reason", LOST if state == "failed" else "")
        result.append(
            {
                "trial": trial.number,
                "state": state,
                "score": attrs.get("score", np.nan),
                "val_loss": attrs.get("loss", attrs.get("best_value", np.nan)),
                "objective": attrs.get("best_value", np.nan),
                "epochs": attrs.get("epochs", 0),
                "seconds": attrs.get("seconds", np.nan),
                "reason": reason,
                **trial_params(trial),
            }
        )
    return result


# -- the search ------------------------------------------------------------------------


def search(trials: TrialRunner, settings: Settings) -> Best:
    """Run the whole search (in this process, or in ``n_jobs`` worker processes)."""
    from autodeep._progress import Progress

    folder = None
    if settings.n_jobs > 1 and settings.storage is None:
        storage, folder = temporary_journal()
        settings = replace(settings, storage=storage)
    try:
        study = open_study(settings, create=True)
        if not study.get_trials(deepcopy=False):
            enqueue_default(study, trials.space, trials.default_params)
        progress = Progress.for_search(trials, settings)
        try:
            if settings.n_jobs > 1:
                _run_processes(study, trials, settings, progress)
            else:
                _work_until_done(study, trials, settings, progress)
            every = study.get_trials(deepcopy=False)
            trial_rows = rows(every)
            progress.update(trial_rows, _used(every))
        finally:
            progress.close()
        complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        if not complete:
            # The queued default trial waits when time ran out before it started.
            ended = [r for r in trial_rows if r["state"] not in ("waiting", "running")]
            raise RuntimeError(
                "Every trial failed; the most common reason: "
                f"{most_common_failure(ended)}."
            )
        best = study.best_trial
        return Best(
            params=trial_params(best),
            epochs=int(best.user_attrs["best_epoch"]),
            score=float(best.user_attrs["score"]),
            history=best.user_attrs["history"],
            leaderboard=board(trial_rows, trials.score_name),
        )
    finally:
        if folder is not None:
            folder.cleanup()


def work(trials: TrialRunner, settings: Settings) -> None:
    """Join an existing study as one more worker and run trials until it is done."""
    from autodeep._progress import Progress

    study = open_study(settings, create=False)
    # Log finished trials (seen if logging is configured), but draw no bar.
    progress = Progress(1, None, None, trials.score_name, bar=False)
    _work(study, trials, settings, progress, len(study.get_trials(deepcopy=False)))


def _work(
    study: optuna.Study,
    trials: TrialRunner,
    settings: Settings,
    progress: Any,
    since: int = 0,
) -> None:
    objective = _Objective(trials)
    while True:
        fail_lost_trials(study)
        every = study.get_trials(deepcopy=False)
        _stop_on_worker_bug(every, since)
        used = _used(every)
        progress.update(rows(every), used)
        running = sum(t.state == TrialState.RUNNING for t in every)
        if settings.max_trials is not None and used + running >= settings.max_trials:
            return
        finished = [t for t in every if t.state.is_finished()]
        if any(t.state == TrialState.COMPLETE for t in finished):
            trials.note_best(study.best_trial.user_attrs)
        seconds = [
            t.user_attrs["seconds"] for t in finished if "seconds" in t.user_attrs
        ]
        if not trials.may_start(seconds):
            return
        study.optimize(objective, n_trials=1, catch=(Exception,))
        if objective.fatal is not None:
            raise objective.fatal


def _stop_on_worker_bug(every: Sequence[FrozenTrial], since: int) -> None:
    """Raise when a trial of this search (numbered ``since`` or later) stopped on a
    programming error, in this process or another."""
    for trial in every:
        if trial.number >= since and FATAL in trial.user_attrs:
            raise WorkerBug(
                f"Trial {trial.number} (worker {trial.user_attrs.get('worker')}) "
                "stopped on an error in autodeep itself, so the search stops too. "
                "Please report it with this traceback:\n" + trial.user_attrs[FATAL]
            )


def _work_until_done(
    study: optuna.Study, trials: TrialRunner, settings: Settings, progress: Any
) -> None:
    """Run trials, then wait for other workers' running trials, picking up any trial
    that comes back (a lost one re-queued) until the budget is used or time is up."""
    since = len(study.get_trials(deepcopy=False))
    while True:
        _work(study, trials, settings, progress, since)
        fail_lost_trials(study)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            optuna.storages.fail_stale_trials(study)  # heartbeat: workers elsewhere
        every = study.get_trials(deepcopy=False)
        _stop_on_worker_bug(every, since)
        running = [t for t in every if t.state == TrialState.RUNNING]
        if not running or trials.remaining() <= 0:
            return
        progress.update(rows(every), _used(every))
        progress.status(
            ", ".join(
                f"trial {t.number} epoch {len(t.intermediate_values)}" for t in running
            )
        )
        time.sleep(1.0)


def _used(every: Sequence[FrozenTrial]) -> int:
    """Trials that count against ``max_trials``: all ended ones except lost ones."""
    return sum(
        1
        for t in every
        if t.state in (TrialState.COMPLETE, TrialState.PRUNED)
        or (t.state == TrialState.FAIL and "reason" in t.user_attrs)
    )


class _Objective:
    """The Optuna objective: sample, train through ``Trials``, record attributes."""

    def __init__(self, trials: TrialRunner) -> None:
        self.trials = trials
        # A programming error raised in a trial; Optuna records the trial as failed,
        # then the search raises it (see _work).
        self.fatal: BaseException | None = None

    def __call__(self, trial: optuna.Trial) -> float:
        trial.set_user_attr("worker", worker_id())
        started = time.monotonic()

        def report(value: float, epoch: int) -> bool:
            trial.report(value, epoch)
            return trial.should_prune()

        try:
            params = sample_params(self.trials.space, trial)
            result = self.trials.run(params, trial.number, report)
        except Exception as error:
            reason = failure_reason(error)
            trial.set_user_attr("reason", reason)
            trial.set_user_attr("seconds", time.monotonic() - started)
            if is_programming_error(error):
                trial.set_user_attr(FATAL, traceback_text(error))
                self.fatal = error
            else:
                logger.warning("trial %d failed: %s", trial.number, reason)
            raise
        for key, value in result.attrs.items():
            trial.set_user_attr(key, value)
        if result.pruned:
            raise optuna.TrialPruned()
        return result.value


def _run_processes(
    study: optuna.Study, trials: TrialRunner, settings: Settings, progress: Any
) -> None:
    """Work in this process while ``n_jobs - 1`` worker processes share the study.

    This process starts on trials at once, while the others are still importing
    their libraries; then it follows the others until they end.
    """
    if settings.launch is None:
        raise RuntimeError("n_jobs > 1 needs the estimator's process launcher.")
    processes = [settings.launch(i, settings) for i in range(1, settings.n_jobs)]
    try:
        _work_until_done(study, trials, settings, progress)
        while any(p.poll() is None for p in processes):  # they end when no work is left
            time.sleep(0.2)
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
            process.wait()
    fail_lost_trials(study)
    crashed = [p.returncode for p in processes if p.returncode != 0]
    if crashed:
        logger.warning(
            "%d of %d worker processes ended with an error (exit codes %s)",
            len(crashed),
            len(processes),
            crashed,
        )
