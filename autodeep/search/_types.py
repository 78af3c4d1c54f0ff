"""What the search engines and the fit driver share (a leaf: nothing above it).

:class:`Settings` (the search's budget and options), :class:`TrialResult` (one trained
configuration), :class:`Best` (an engine's answer) and :class:`TrialRunner`, the
interface an engine drives: ``autodeep._trials.Trials`` implements it. An engine is a
function ``search(runner, settings) -> Best`` (see ``autodeep._engine.ENGINES``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import pandas as pd

from autodeep.search_spaces._space import SearchSpace

# The largest seed every consumer accepts (numpy, Optuna's samplers, Keras).
SEED_MAX = 2**31 - 1


@dataclass(frozen=True)
class Settings:
    """Budget and search settings, from the estimator's parameters; a changed copy is
    made with :func:`dataclasses.replace`."""

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
    tuner: str = "optuna"
    # ``scoring=``: a scikit-learn scorer name or callable; None ranks by the loss.
    scoring: Any = None
    # Picks of the greedy ensemble selection; below 2, no ensemble.
    ensemble_size: int = 0
    # ``calibration=``: "temperature" fits a classifier's temperature after the search.
    calibration: str | None = None
    # Cross-validation folds of the search (1: one split, validation_fraction).
    folds: int = 1
    storage: Any = None
    study_name: str | None = None
    n_jobs: int = 1
    directory: str | None = None
    # The budget's end as wall-clock time (``time.time()``), shared by every worker
    # process: the one form of the end that means the same in another process or on
    # another machine. Each process's Clock (search/_clock.py) turns it into a
    # monotonic end once.
    end_time: float | None = None
    # Which worker this process is (0 in the process that called ``fit``).
    worker: int = 0
    # Recorded in a persistent study so that workers can check they join the same search.
    study_attrs: dict[str, Any] = field(default_factory=dict)
    # Starts worker process ``i`` (``n_jobs > 1``); set by the estimator.
    launch: Callable[[int, Settings], Any] | None = None


@dataclass
class TrialResult:
    """One trained configuration: its objective (lower is better) and what to record."""

    value: float
    attrs: dict[str, Any]
    pruned: bool


@dataclass
class Best:
    """The search's answer, whichever engine ran it."""

    params: dict[str, Any]
    epochs: int
    score: float
    history: dict[str, list[float]]
    leaderboard: pd.DataFrame


class TrialRunner(Protocol):
    """What a search engine needs from the fit driver's trial runner."""

    # Called with (trial number, epochs done) after each epoch; the progress display
    # sets it.
    on_epoch: Callable[[int, int], None]

    @property
    def space(self) -> SearchSpace:
        """The search space the engine samples from."""

    @property
    def default_params(self) -> dict[str, Any]:
        """A known-good configuration the engine tries first (where it is in the space)."""

    @property
    def score_name(self) -> str:
        """The name of the validation score column (``val_<name>``)."""

    def remaining(self) -> float:
        """Seconds left in the fit's time budget (infinite without one)."""

    def may_start(self, seconds: Sequence[float]) -> bool:
        """Whether another trial may start, given how many seconds the trials so far
        took (any worker's)."""

    def note_best(self, attrs: Mapping[str, Any]) -> None:
        """Told the best complete trial's attributes so far (any worker's)."""

    def run(
        self,
        params: dict[str, Any],
        number: int,
        report: Callable[[float, int], bool] | None = None,
        epochs: int | None = None,
    ) -> TrialResult:
        """Train ``params`` as trial ``number``; ``report(value, epoch)`` returns True
        to prune."""


def failure_reason(error: BaseException) -> str:
    """A failed trial's one-line reason, for the leaderboard and the log."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"[:300]


def board(trial_rows: list[dict[str, Any]], score_name: str) -> pd.DataFrame:
    """``leaderboard_`` from trial rows: complete trials by their objective, then
    pruned, then failed. The ``objective`` column (what the search minimized) stays for
    :func:`autodeep._engine.fit` to compare with a constant prediction."""
    table = pd.DataFrame(trial_rows)
    if table.empty:
        return table
    table = table.rename(columns={"score": f"val_{score_name}"})
    order = table["state"].map({"complete": 0, "pruned": 1}).fillna(2)
    table = table.assign(_order=order).sort_values(["_order", "objective", "trial"])
    return table.drop(columns="_order").reset_index(drop=True)


def most_common_failure(trial_rows: list[dict[str, Any]]) -> str:
    """The most frequent failure reason among ``trial_rows``, with its count."""
    if not trial_rows:
        return "no trial started (is time_budget long enough for one trial?)"
    reasons = [r["reason"] or "unknown error" for r in trial_rows]
    reason, count = Counter(reasons).most_common(1)[0]
    return f"{reason} ({count} of {len(reasons)} trials)"
