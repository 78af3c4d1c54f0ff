"""Where Optuna studies live: storages, and trials whose worker died.

``storage=`` is None (memory), a file path (an Optuna journal, or SQLite for names
ending in .db, .sqlite, .sqlite3) or a database URL. A running trial on a database
storage beats every ``HEARTBEAT`` seconds; one silent for ``GRACE`` seconds is failed and
re-queued (with the same parameters) by the next worker that starts a trial. Workers on
the same machine are also checked by process id, which covers journal files and lets a
restarted ``fit`` retry at once.
"""

from __future__ import annotations

import inspect
import logging
import os
import socket
import tempfile
import time
import warnings
from typing import Any

import optuna

logger = logging.getLogger("autodeep")
TrialState = optuna.trial.TrialState
HEARTBEAT = 5
GRACE = 20
MAX_RETRY = 2
SCHEMA_ATTEMPTS = 4
SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
_DATABASES: dict[tuple[str, int, int], optuna.storages.RDBStorage] = {}


def make_storage(storage: Any, n_jobs: int = 1) -> optuna.storages.BaseStorage | None:
    """The Optuna storage for ``storage=``: None (memory), a file path or a URL.

    A path ending in .db, .sqlite or .sqlite3 is a SQLite database, any other path an
    Optuna journal file; a URL (``postgresql://...``) is a database. SQLite does not
    support several writers, so it is refused with ``n_jobs > 1``.
    """
    if storage is None or isinstance(storage, optuna.storages.BaseStorage):
        return storage
    if not isinstance(storage, (str, os.PathLike)):
        raise TypeError(
            "storage must be None, a file path (journal, or SQLite ending in .db) or a "
            f"database URL such as 'postgresql://user@host/db'; got {type(storage).__name__}."
        )
    text = os.fspath(storage)
    url = text if "://" in text else None
    if url is None and text.lower().endswith(SQLITE_SUFFIXES):
        url = "sqlite:///" + os.path.abspath(text)
    if url is None:
        from optuna.storages.journal import JournalFileBackend, JournalStorage

        return JournalStorage(JournalFileBackend(os.path.abspath(text)))
    if url.startswith("sqlite") and n_jobs > 1:
        raise ValueError(
            f"storage={text!r} is SQLite, which several processes cannot write at once; "
            "with n_jobs > 1 use a journal file (any other file name) or a database URL."
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        # Optuna 4.9 renamed failed_trial_callback; use whichever this version has.
        takes = inspect.signature(optuna.storages.RDBStorage).parameters
        callback = (
            "heartbeat_stale_trial_callback"
            if "heartbeat_stale_trial_callback" in takes
            else "failed_trial_callback"
        )
        options = {
            "heartbeat_interval": HEARTBEAT,
            "grace_period": GRACE,
            callback: _retry_callback(),
        }
        if url.startswith("sqlite"):
            return _rdb_storage(url, options)
        # One storage (one connection pool) per database and process: a new one each
        # time would open connections faster than the server allows.
        key = (url, HEARTBEAT, GRACE)
        if key not in _DATABASES:
            _DATABASES[key] = _rdb_storage(url, options)
        return _DATABASES[key]


def _rdb_storage(url: str, options: dict[str, Any]) -> optuna.storages.RDBStorage:
    """Connect to a database storage, creating Optuna's tables if it is new.

    Workers that start together on a new database race to create the tables; the
    losers fail with an integrity error, and find the tables there when they retry.
    """
    from sqlalchemy.exc import SQLAlchemyError

    for attempt in range(SCHEMA_ATTEMPTS - 1):
        try:
            return optuna.storages.RDBStorage(url, **options)
        except SQLAlchemyError:
            time.sleep(0.5 * (attempt + 1))
    return optuna.storages.RDBStorage(url, **options)


def _retry_callback() -> Any:
    """Re-queues a lost trial with the same parameters (at most MAX_RETRY times)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        # Optuna 4.9 renamed RetryFailedTrialCallback; accept both.
        callback = getattr(
            optuna.storages,
            "RetryHeartbeatStaleTrialCallback",
            optuna.storages.RetryFailedTrialCallback,
        )
        return callback(max_retry=MAX_RETRY)


def load_study(storage: Any, name: str, **kwargs: Any) -> optuna.Study | None:
    """The study ``name`` kept in ``storage``, or None when there is none."""
    backend = make_storage(storage)
    if backend is None:
        return None
    try:
        return optuna.load_study(study_name=name, storage=backend, **kwargs)
    except KeyError:
        return None


def temporary_journal() -> tuple[str, tempfile.TemporaryDirectory[str]]:
    """A journal file in a temporary folder, for ``n_jobs > 1`` without ``storage``."""
    folder = tempfile.TemporaryDirectory(prefix="autodeep-study-")
    return os.path.join(folder.name, "study.journal"), folder


# -- lost trials -------------------------------------------------------


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def fail_lost_trials(study: optuna.Study) -> list[int]:
    """Fail and re-queue running trials whose worker process on this machine is gone.

    Database storages also do this through Optuna's heartbeat, for any machine; this
    check covers journal files and makes a restarted ``fit`` retry at once.
    """
    host = socket.gethostname()
    lost = []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        worker_host, _, pid = trial.user_attrs.get("worker", "").rpartition(":")
        if worker_host != host or not pid.isdigit() or _alive(int(pid)):
            continue
        try:
            study.tell(trial.number, state=TrialState.FAIL)
        except (ValueError, RuntimeError, optuna.exceptions.UpdateFinishedTrialError):
            continue  # another worker got there first
        failed = next(t for t in study.get_trials() if t.number == trial.number)
        _retry_callback()(study, failed)
        lost.append(trial.number)
        logger.warning("trial %d lost its worker; re-queued", trial.number)
    return lost


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as file:
            return file.read().rsplit(") ", 1)[-1][:1] != "Z"  # a zombie is dead
    except OSError:
        return True
