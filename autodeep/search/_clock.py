"""The fit's time budget: one clock for the search, the refit and every worker (a leaf).

Inside a process, every duration and deadline is read on the monotonic clock, which no
change of the system clock (NTP, daylight saving, an administrator) moves. Only the
budget's end crosses process boundaries, as wall-clock time (``Settings.end_time``,
and the ``end_time`` a persistent study records): worker processes, and
``autodeep worker`` on other machines, share no monotonic clock with the process that
started the search (its zero point is per boot and per machine), while wall clocks
agree across processes and, kept in sync, across machines. Each process turns that
shared end into a monotonic one once, when it makes its :class:`Clock`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

# A trial may start while at least this share of a typical trial fits before the
# refit's reserve (early stopping and the deadline end most trials before their end).
START_SHARE = 0.5


class Clock:
    """The budget of one process's part in a fit: its start, its end, the time kept
    for the refit, and the deadlines of trials.

    Parameters
    ----------
    time_budget : float or None
        Seconds from now to the end; None for no budget (unless ``end_time``).
    end_time : float or None
        The end as wall-clock time (``time.time()``), computed by the process that
        started the search; it wins over ``time_budget``.
    wall, monotonic : callable
        The time sources, replaced by tests.

    Examples
    --------
    >>> clock = Clock(time_budget=60)
    >>> 59 < clock.remaining() <= 60
    True
    >>> Clock().out_of_time(typical=1e9)
    False
    """

    def __init__(
        self,
        time_budget: float | None = None,
        end_time: float | None = None,
        *,
        wall: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._monotonic = monotonic
        now_wall, self.start = wall(), monotonic()
        if end_time is not None:
            self.end_time = float(end_time)
        elif time_budget is not None:
            self.end_time = now_wall + time_budget
        else:
            self.end_time = math.inf
        # The one place where wall-clock time becomes monotonic time.
        self.end = self.start + (self.end_time - now_wall)
        # Seconds kept at the end for refitting the best configuration so far.
        self.reserve = 0.0

    def now(self) -> float:
        """The monotonic time that :attr:`start`, :attr:`end` and deadlines use."""
        return self._monotonic()

    def elapsed(self) -> float:
        """Seconds since the clock was made."""
        return self.now() - self.start

    def remaining(self) -> float:
        """Seconds left until the end (infinite without a budget)."""
        return self.end - self.now()

    def out_of_time(self, typical: float) -> bool:
        """Whether a trial of ``typical`` seconds can no longer start: no time left, or
        not enough for ``START_SHARE`` of it before the reserve."""
        left = self.remaining()
        return left <= 0 or left < self.reserve + START_SHARE * typical

    def trial_deadline(self, growth: float) -> float:
        """The monotonic deadline of a trial starting now.

        Before the reserve, and early enough that the trial's own refit, ``growth``
        times as long (all rows over the rows it trains on), fits too: a trial that
        runs ``t`` seconds and becomes the best needs ``t * (1 + growth)`` from now.
        """
        now = self.now()
        own_refit = (self.end + growth * now) / (1 + growth)
        return min(self.end - self.reserve, own_refit)
