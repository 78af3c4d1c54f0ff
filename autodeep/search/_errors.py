"""Which errors inside a trial the search survives, and which stop it.

A trial that fails for a reason of its own (NaN loss, out of memory, a configuration
the data cannot take: Keras raises ``ValueError`` or a framework error for those) is
recorded and the search goes on. An error that means autodeep's own code is wrong
(``TypeError``, ``AttributeError``, ``KeyError`` ...) would fail every trial the same
way: it stops the search at once, with its original traceback, instead of ending as
"every trial failed".
"""

from __future__ import annotations

import traceback

PROGRAMMING_ERRORS: tuple[type[BaseException], ...] = (
    TypeError,
    AttributeError,
    LookupError,  # KeyError, IndexError
    NameError,
    AssertionError,
    ImportError,
    NotImplementedError,
)
# The user attribute a trial's traceback is kept under, so that the process that
# runs the search stops when a worker process hits such an error.
FATAL = "fatal"


def is_programming_error(error: BaseException) -> bool:
    """Whether ``error`` is a bug to stop on rather than a trial to record."""
    return isinstance(error, PROGRAMMING_ERRORS)


def traceback_text(error: BaseException, limit: int = 8000) -> str:
    """``error``'s traceback as text, the end kept when it is long."""
    text = "".join(traceback.format_exception(error))
    return text[-limit:]


class WorkerBug(RuntimeError):
    """A worker process hit a programming error; the search stops."""
