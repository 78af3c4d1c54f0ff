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

from autodeep._processes import folder_prefix, process_alive, remove_stale_folders

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
    url = _with_installed_driver(url)
    _check_database_url(url)
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


# PostgreSQL drivers SQLAlchemy knows, by preference; ``autodeep[postgres]`` installs
# psycopg2, and SQLAlchemy 2.1 made psycopg (3) the default for ``postgresql://``.
POSTGRES_DRIVERS = (("psycopg", "psycopg"), ("psycopg2", "psycopg2"))


def _with_installed_driver(url: str) -> str:
    """``postgresql://...`` with the PostgreSQL driver that is installed here."""
    import importlib.util

    scheme, _, rest = url.partition("://")
    if scheme not in ("postgresql", "postgres"):
        return url
    for module, driver in POSTGRES_DRIVERS:
        if importlib.util.find_spec(module) is not None:
            return f"postgresql+{driver}://{rest}"
    return url


def _check_database_url(url: str) -> None:
    """A clear error for a URL no installed SQLAlchemy dialect or driver can open."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        dialect = make_url(url).get_dialect()
    except (ArgumentError, NoSuchModuleError, ValueError):
        raise ValueError(
            f"storage={_hide_password(url)!r} is not a database URL autodeep can open: "
            "use a file path (a journal, or SQLite ending in .db) or a URL such as "
            "'postgresql://user@host:5432/db' or 'sqlite:///search.db'."
        ) from None
    try:
        dialect.import_dbapi()
    except ImportError as error:
        hint = (
            'pip install "autodeep[postgres]"'
            if dialect.name == "postgresql"
            else f"install the Python driver for {dialect.name}"
        )
        raise ValueError(
            f"storage={_hide_password(url)!r} needs a database driver that is not "
            f"installed ({error}): {hint}."
        ) from None


def _hide_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1]


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
    try:
        return optuna.storages.RDBStorage(url, **options)
    except SQLAlchemyError as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise ValueError(
            f"Could not open the study database {_hide_password(url)!r}: "
            f"{type(error).__name__}: {first}. Check that the server runs and that "
            "the URL's host, port, user and database name are right."
        ) from error


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
    remove_stale_folders()
    folder = tempfile.TemporaryDirectory(prefix=folder_prefix("study"))
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
        if worker_host != host or not pid.isdigit() or process_alive(int(pid)):
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
