"""Worker processes that share one Optuna study.

Two ways in, one loop (:func:`autodeep._engine.run_worker`):

* ``n_jobs=k`` in ``fit``: :class:`Launcher` starts k processes of
  ``python -m autodeep._worker PAYLOAD INDEX``; the payload is the unfitted estimator,
  the training data and the parent's seed, storage and deadline.
* ``autodeep worker --storage URL --study NAME`` on any machine: :func:`join` reads the
  estimator, its parameters and the data's location from the study.

Every worker derives the same train/validation split from the study's seed, and checks
the data's fingerprint against the one the study recorded.
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from typing import Any

from autodeep._processes import folder_prefix, remove_stale_folders
from autodeep._registry import ESTIMATORS

logger = logging.getLogger("autodeep")


class Launcher:
    """Starts the worker processes of one ``fit`` with ``n_jobs > 1``."""

    def __init__(self, estimator: Any, X: Any, y: Any) -> None:
        self.estimator, self.X, self.y = estimator, X, y
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self._payload = ""

    def __enter__(self) -> Launcher:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._folder is not None:
            self._folder.cleanup()

    def __call__(self, index: int, settings: Any) -> subprocess.Popen[bytes]:
        if self._folder is None:
            remove_stale_folders()
            self._folder = tempfile.TemporaryDirectory(prefix=folder_prefix("workers"))
            self._payload = os.path.join(self._folder.name, "payload.pkl")
            shared = {
                "storage": settings.storage,
                "study_name": settings.study_name,
                "seed": settings.seed,
                "end_time": settings.end_time,
                "threads": max(1, (os.cpu_count() or 1) // settings.n_jobs),
            }
            from sklearn.base import clone

            with open(self._payload, "wb") as file:
                pickle.dump((clone(self.estimator), self.X, self.y, shared), file)
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "autodeep._worker",
                self._payload,
                str(index),
                str(os.getpid()),
            ]
        )


def die_with_parent(parent: int) -> None:
    """End this worker process soon after the process that started it ends.

    On Linux the kernel sends SIGKILL when the parent dies; everywhere, a watchdog
    thread checks the parent once a second (an orphan gets a new parent). The trial
    it was running is then retried by the next ``fit`` on the same study.
    """
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL))
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="autodeep-parent-watch", daemon=True).start()


PR_SET_PDEATHSIG = 1


def _run_payload(path: str, index: int) -> None:
    with open(path, "rb") as file:
        estimator, X, y, shared = pickle.load(file)
    from autodeep import _backend

    _backend.limit_threads(shared["threads"])
    _run(estimator, X, y, index, shared)


def join(
    storage: str,
    study_name: str,
    data: str | None = None,
    target: str | None = None,
    index: int | None = None,
) -> None:
    """Run trials of an existing study (``autodeep worker``) until its budget is used.

    Parameters
    ----------
    storage : str
        The study's storage: a database URL or a journal file path.
    study_name : str
        The study to join.
    data, target : str or None
        CSV or Parquet file with the training data and its target column; by default
        the ones the study recorded (``autodeep fit --storage`` records them).
    index : int or None
        Worker number, which seeds this worker's sampler; default from the process id.
    """
    from autodeep.search._storage import load_study

    study = load_study(storage, study_name)
    if study is None:
        raise ValueError(
            f"No study named {study_name!r} in {storage!r}; start it with "
            "`autodeep fit ... --storage URL --study NAME` or fit(storage=...)."
        )
    info = study.user_attrs.get("autodeep")
    if not info:
        raise ValueError(f"Study {study_name!r} was not created by autodeep.")
    source = info.get("source") or {}
    data = data or source.get("path")
    target = target or source.get("target")
    if not data or not target:
        raise ValueError(
            f"Study {study_name!r} does not record its training data; pass --data FILE "
            "and --target COLUMN (the same data the search was started with)."
        )
    estimator = build_estimator(info.get("estimator"), info.get("params"))
    X, y = read_table(data, target)
    estimator.set_params(storage=storage, study_name=study_name, n_jobs=1)
    shared = {
        "storage": storage,
        "study_name": study_name,
        "seed": info["seed"],
        "end_time": info.get("end_time"),
    }
    _run(
        estimator, X, y, index if index is not None else 1 + os.getpid() % 9973, shared
    )


ESTIMATOR_NAMES = (
    "TabularClassifier",
    "TabularRegressor",
    "ImageClassifier",
    "ImageRegressor",
    "TextClassifier",
    "TextRegressor",
)
# What a study's ``params`` may hold: what JSON gives, nothing that names code.
PLAIN = (str, int, float, bool, type(None))


def estimator_name(recorded: Any) -> str | None:
    """The autodeep estimator a study names, or None when it names anything else.

    Studies record the class name; earlier versions recorded
    ``autodeep.estimators.<name>``, which is accepted too.
    """
    if not isinstance(recorded, str):
        return None
    name = recorded.removeprefix("autodeep.estimators.")
    return name if name in ESTIMATOR_NAMES else None


def build_estimator(recorded: Any, params: Any) -> Any:
    """The estimator a study records, built only from the six autodeep classes.

    A study is data anyone with access to the storage can write: the class comes from
    a fixed list of names (checked before anything is imported) and the parameters
    must be the class's own, holding plain values.
    """
    name = estimator_name(recorded)
    if name is None:
        raise ValueError(
            f"The study names estimator {recorded!r}, which is not an autodeep "
            f"estimator (one of {list(ESTIMATOR_NAMES)}); autodeep worker refuses to "
            "build it. Start the study with an autodeep estimator's fit(storage=...)."
        )
    cls = ESTIMATORS[name]
    if not isinstance(params, dict):
        raise ValueError(
            f"The study's parameters for {name} are {type(params).__name__}, not a "
            "dict of parameter names to values; start the study again with fit()."
        )
    allowed = cls().get_params()
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ValueError(
            f"The study gives {name} parameters it does not have: {unknown}; valid "
            f"parameters are {sorted(allowed)}."
        )
    for key, value in params.items():
        if not _plain(value):
            raise ValueError(
                f"The study's parameter {key}={value!r} for {name} is not plain data "
                "(strings, numbers, booleans, None, lists and dicts of them)."
            )
    from autodeep.search_spaces._space import overrides_from_plain

    params = {
        **params,
        "search_space": overrides_from_plain(params.get("search_space")),
    }
    return cls(**params)


def _plain(value: Any) -> bool:
    if isinstance(value, PLAIN):
        return True
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return False


def read_frame(path: str) -> Any:
    """A CSV or Parquet file (by its extension) as a DataFrame."""
    import pandas as pd

    if not os.path.exists(path):
        raise FileNotFoundError(f"Data file {path!r} does not exist on this machine.")
    reader = pd.read_parquet if path.endswith((".parquet", ".pq")) else pd.read_csv
    return reader(path)


def read_table(path: str, target: str) -> tuple[Any, Any]:
    """Features and target from a CSV or Parquet file."""
    frame = read_frame(path)
    if target not in frame.columns:
        raise ValueError(
            f"Target column {target!r} is not in {path}; columns are {list(frame.columns)}."
        )
    return frame.drop(columns=target), frame[target]


def _run(estimator: Any, X: Any, y: Any, index: int, shared: dict[str, Any]) -> None:
    import optuna

    from autodeep import _engine

    # Optuna's own per-trial lines repeat autodeep's; failures are in the leaderboard.
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    plan, X, y_fit, settings, _ = estimator._fit_inputs(X, y)
    attrs = settings.study_attrs
    settings = replace(
        settings,
        seed=shared["seed"],
        storage=shared["storage"],
        study_name=shared["study_name"],
        end_time=shared["end_time"],
        worker=index,
        verbose=0,
        study_attrs={**attrs, "seed": shared["seed"]} if attrs else attrs,
    )
    _engine.run_worker(plan, X, y_fit, settings)


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING, format="[autodeep worker] %(message)s")
    path, index, parent = argv
    die_with_parent(int(parent))
    _run_payload(path, int(index))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
