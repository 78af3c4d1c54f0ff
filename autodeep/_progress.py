"""The search's progress display and its log lines.

``verbose=1`` shows one tqdm bar for the whole search (trials done against the budget,
elapsed time against ``time_budget``, best score so far, the running trial's epoch) and
logs one line per finished trial through the ``autodeep`` logger; ``verbose=0`` shows
nothing. Engines feed it the same trial rows they put in ``leaderboard_``.
"""

from __future__ import annotations

import logging
import math
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

logger = logging.getLogger("autodeep")
REFRESH_SECONDS = 0.5  # most often the bar is redrawn for epoch news


@contextmanager
def verbosity(verbose: int) -> Iterator[None]:
    """Log autodeep's lines to stderr while fitting with ``verbose >= 1``.

    Without a handler of the user's (on the ``autodeep`` logger or the root), a
    stderr handler is added for the fit, and tqdm's ``logging_redirect_tqdm`` has it
    write above the progress bar instead of through it.
    """
    import optuna
    from tqdm.contrib.logging import logging_redirect_tqdm

    old_level, old_optuna = logger.level, optuna.logging.get_verbosity()
    handler = None
    if verbose >= 1 and not logger.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("[autodeep] %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO if verbose >= 1 else logging.ERROR)
    # Optuna's own per-trial lines repeat ours; failures are in leaderboard_.
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    # Only our own handler is swapped: a user's handlers stay as the user set them.
    redirect: AbstractContextManager[Any] = (
        nullcontext() if handler is None else logging_redirect_tqdm([logger])
    )
    try:
        with redirect:
            yield
    finally:
        logger.setLevel(old_level)
        optuna.logging.set_verbosity(old_optuna)
        if handler is not None:
            logger.removeHandler(handler)


class Progress:
    """One progress bar for a search, fed finished-trial rows and running epochs."""

    def __init__(
        self,
        verbose: int,
        max_trials: int | None,
        time_budget: float | None,
        score_name: str,
        bar: bool = True,
    ) -> None:
        from tqdm.auto import tqdm

        self.start = time.time()
        self.time_budget = time_budget
        self.score_name = score_name
        self.best: float | None = None  # score of the trial with the lowest loss
        self._best_value = math.inf  # objective of the best trial logged
        self.running = ""
        self._logged: set[int] = set()
        self._shown, self._refreshed = 0, 0.0
        self.bar = tqdm(
            total=max_trials,
            desc="search",
            unit="trial",
            file=sys.stderr,
            disable=verbose < 1 or not bar,
            dynamic_ncols=True,
            leave=True,
        )

    @classmethod
    def for_search(cls, trials: Any, settings: Any) -> Progress:
        """The display for one search; the trial runner reports its epochs to it."""
        progress = cls(
            settings.verbose,
            settings.max_trials,
            settings.time_budget,
            trials.score_name,
        )
        trials.on_epoch = progress.epoch
        return progress

    def epoch(self, number: int, epoch: int) -> None:
        """Trial ``number`` (in this process) finished ``epoch`` epochs."""
        self.running = f"trial {number} epoch {epoch}"
        self._refresh()

    def update(self, rows: Iterable[Mapping[str, Any]], done: int) -> None:
        """Log trials not logged yet; ``done`` trials count against ``max_trials``."""
        for row in sorted(rows, key=lambda r: r["trial"]):
            if row["state"] in ("running", "waiting") or row["trial"] in self._logged:
                continue
            self._logged.add(row["trial"])
            self._log(row)
            value = row.get("objective", math.nan)
            if row["state"] == "complete" and value < self._best_value:
                self._best_value, self.best = value, row.get("score", math.nan)
        self.bar.n = done
        self.running = ""
        self._refresh()

    def status(self, running: str) -> None:
        """Describe what is running (e.g. other workers' trials)."""
        self.running = running
        self._refresh()

    def close(self) -> None:
        self.bar.close()

    def _log(self, row: Mapping[str, Any]) -> None:
        reason = f" ({row['reason']})" if row.get("reason") else ""
        score = row.get("score")
        # A pruned or failed trial has no score, only the loss it stopped at.
        scored = (
            ""
            if score is None or math.isnan(score)
            else f"val {self.score_name} {score:.4f}, "
        )
        logger.info(
            "trial %d %s: %sval loss %.4f, %d epochs, %.1f s%s",
            row["trial"],
            row["state"],
            scored,
            row.get("val_loss", math.nan),
            row.get("epochs", 0),
            row.get("seconds", math.nan),
            reason,
        )

    def _refresh(self) -> None:
        parts = []
        if self.best is not None:
            parts.append(f"best {self.score_name} {self.best:.4f}")
        elapsed = time.time() - self.start
        if self.time_budget is not None:
            parts.append(f"{elapsed:.0f}/{self.time_budget:.0f} s")
        if self.running:
            parts.append(self.running)
        now = time.time()
        force = self.bar.n != self._shown
        if force or now - self._refreshed >= REFRESH_SECONDS:
            self._shown, self._refreshed = self.bar.n, now
            self.bar.set_postfix_str(", ".join(parts), refresh=True)
