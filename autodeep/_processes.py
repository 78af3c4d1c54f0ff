"""Processes on this machine: which still run, and the temporary folders they own."""

from __future__ import annotations

import os
import shutil
import tempfile

TEMPORARY_KINDS = ("workers", "study")


def folder_prefix(kind: str) -> str:
    """Prefix of a temporary folder of this process: ``autodeep-<kind>-<pid>-``.

    The process id in the name lets a later ``fit`` remove the folders of a process
    that was killed before it could clean up.
    """
    return f"autodeep-{kind}-{os.getpid()}-"


def remove_stale_folders(root: str | None = None) -> list[str]:
    """Delete the temporary folders of autodeep processes that no longer run."""
    root = root or tempfile.gettempdir()
    removed = []
    for name in os.listdir(root):
        parts = name.split("-")
        if len(parts) < 4 or parts[0] != "autodeep" or parts[1] not in TEMPORARY_KINDS:
            continue
        if not parts[2].isdigit() or process_alive(int(parts[2])):
            continue
        shutil.rmtree(os.path.join(root, name), ignore_errors=True)
        removed.append(name)
    return removed


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` on this machine is running (a zombie is not)."""
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
