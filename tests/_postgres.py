"""Throw-away PostgreSQL server for tests that need a real RDB storage.

Example
-------
>>> with postgres_server() as url:  # doctest: +SKIP
...     storage = optuna.storages.RDBStorage(url)
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["PostgresUnavailable", "find_bindir", "postgres_server"]

DEFAULT_BINDIR = Path("/usr/lib/postgresql/15/bin")
_TOOLS = ("initdb", "pg_ctl", "createdb")
_INSTALL_HINT = (
    "install the PostgreSQL 15 server binaries (Debian/Ubuntu: "
    "`apt-get install postgresql-15`) so that initdb, pg_ctl and createdb "
    "are in /usr/lib/postgresql/15/bin or on PATH"
)


class PostgresUnavailable(RuntimeError):
    """No usable PostgreSQL server binaries (or OS user) on this machine."""


def _has_tools(bindir: Path) -> bool:
    return all((bindir / tool).is_file() for tool in _TOOLS)


def find_bindir() -> Path:
    """Locate the directory holding ``initdb``, ``pg_ctl`` and ``createdb``.

    Returns
    -------
    Path
        ``/usr/lib/postgresql/15/bin`` if present, else the directory of
        ``initdb`` on ``PATH``, else ``pg_config --bindir``.

    Raises
    ------
    PostgresUnavailable
        If none of these holds all three binaries.
    """
    candidates = [DEFAULT_BINDIR]
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).resolve().parent)
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, check=False
        )
        if out.returncode == 0 and out.stdout.strip():
            candidates.append(Path(out.stdout.strip()))
    for bindir in candidates:
        if _has_tools(bindir):
            return bindir
    raise PostgresUnavailable(f"PostgreSQL server binaries not found; {_INSTALL_HINT}")


def _free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _log_tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


@contextlib.contextmanager
def postgres_server(dbname: str = "autodeep") -> Iterator[str]:
    """Run a fresh PostgreSQL server for the duration of the ``with`` block.

    The cluster lives in a new temporary directory, listens on a free
    loopback port with ``trust`` authentication for superuser ``postgres``,
    and is stopped (``-m immediate``) and deleted on exit, even on error.
    As root, the binaries run as the ``postgres`` OS user via ``runuser``
    because ``initdb`` refuses to run as root.

    Parameters
    ----------
    dbname : str, default="autodeep"
        Database created in the new cluster.

    Yields
    ------
    str
        SQLAlchemy URL, ``postgresql+psycopg2://postgres@127.0.0.1:PORT/DBNAME``.

    Raises
    ------
    PostgresUnavailable
        If the binaries (or, as root, ``runuser`` and the ``postgres`` user)
        are missing.
    RuntimeError
        If the server fails to initialise or start; the message includes
        the tail of the server log.
    """
    bindir = find_bindir()
    prefix: list[str] = []
    base = Path(tempfile.mkdtemp(prefix="autodeep-pg-"))
    try:
        if os.geteuid() == 0:
            runuser = shutil.which("runuser")
            try:
                user = pwd.getpwnam("postgres")
            except KeyError:
                user = None
            if runuser is None or user is None:
                raise PostgresUnavailable(
                    "running as root needs `runuser` and a `postgres` OS user; "
                    + _INSTALL_HINT
                )
            os.chown(base, user.pw_uid, user.pw_gid)
            prefix = [runuser, "-u", "postgres", "--"]
        with _cluster(bindir, prefix, base, dbname) as url:
            yield url
    finally:
        shutil.rmtree(base, ignore_errors=True)


@contextlib.contextmanager
def _cluster(bindir: Path, prefix: list[str], base: Path, dbname: str) -> Iterator[str]:
    """Initialise, start and finally stop a cluster under ``base``."""
    data = base / "data"
    log = data / "log"
    port = _free_port()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        # cwd=base: the postgres user may not be able to read the caller's cwd.
        return subprocess.run(
            [*prefix, *args], cwd=base, capture_output=True, text=True, check=False
        )

    # Fixed C locale + UTF8: independent of the host's (often unset) locale.
    flags = ["-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"]
    init = run(str(bindir / "initdb"), "-D", str(data), *flags)
    if init.returncode != 0:
        raise RuntimeError(f"initdb failed:\n{init.stdout}\n{init.stderr}")
    pg_ctl = [str(bindir / "pg_ctl"), "-D", str(data)]
    try:
        opts = f"-p {port} -h 127.0.0.1 -k {shlex.quote(str(data))} -c fsync=off -c max_connections=50"
        start = run(*pg_ctl, "-l", str(log), "-w", "-o", opts, "start")
        if start.returncode != 0:
            raise RuntimeError(
                f"pg_ctl start failed on port {port}:\n{start.stdout}{start.stderr}"
                f"\n--- server log ---\n{_log_tail(log)}"
            )
        conn = ["-h", "127.0.0.1", "-p", str(port), "-U", "postgres"]
        create = run(str(bindir / "createdb"), *conn, dbname)
        if create.returncode != 0:
            raise RuntimeError(
                f"createdb failed:\n{create.stderr}\n--- server log ---\n{_log_tail(log)}"
            )
        yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}/{dbname}"
    finally:
        run(*pg_ctl, "-m", "immediate", "stop")
