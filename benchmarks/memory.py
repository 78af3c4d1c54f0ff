"""Memory over a long search: peak RSS after 10, 100 and 500 trials, per Keras backend.

For each Keras backend that is installed (or those given), a child process started
with ``KERAS_BACKEND`` set fits one ``TabularClassifier`` search on scikit-learn's
breast_cancer with ``max_trials`` = the largest trial count asked for, and records
after every finished trial the process's peak resident memory (``ru_maxrss``) and its
current one (``VmRSS``). The table gives the peak after each asked-for trial count,
and the growth in MB a trial: the slope of a least-squares line through the per-trial
peaks between the two largest counts (100 and 500 by default). Both rows of memory
(peak and current) come from the same run.

So that 500 trials take minutes, each trial is small and costs about the same: the
network's shape is fixed (one layer of 32 units, batch size 64, no batch
normalization), every trial trains ``--epochs`` epochs (no pruning, no early
stopping); activation, dropout, L2, optimizer and learning rate are still searched,
so the trials build the same kinds of graphs as a default search (``swish``, the
optimizers' update steps). ``--default-space`` searches the full default space instead.
The trials are recorded from autodeep's per-trial log lines (``verbose=1``, the
progress bar sent nowhere). The median trial seconds come from ``leaderboard_``.

Run from the repository root (the backends run one after another)::

    python benchmarks/memory.py
    python benchmarks/memory.py --trials 10,40 --backends tensorflow
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import os
import resource
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from _common import machine, table

BACKENDS = ("tensorflow", "jax", "torch")
SPACE = {"depth": 1, "units": 32, "batch_size": 64, "batch_norm": False}
RESULT = "RESULT "


def peak_mb() -> float:
    """The process's peak resident memory so far (Linux reports ``ru_maxrss`` in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_mb() -> float:
    """The process's resident memory now (``VmRSS``); the peak where /proc is missing."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return peak_mb()


class TrialMemory(logging.Handler):
    """Records memory each time autodeep logs a finished trial."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.peaks: list[float] = []
        self.currents: list[float] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("trial "):
            self.peaks.append(peak_mb())
            self.currents.append(current_mb())


def slope_start(counts: list[int]) -> int:
    """The first trial of the growth slope: the second-largest count asked for."""
    return counts[-2] if len(counts) > 1 else 1


def slope(values: list[float], first: int, last: int) -> float:
    """MB a trial: least-squares slope of ``values`` over trials ``first``..``last``."""
    import numpy as np

    if last - first < 1:
        return float("nan")
    trials = np.arange(first, last + 1)
    return float(np.polyfit(trials, np.asarray(values[first - 1 : last]), 1)[0])


def child(args: argparse.Namespace) -> None:
    """One backend's search, in this process; prints one ``RESULT`` JSON line."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    from sklearn.datasets import load_breast_cancer

    from autodeep import TabularClassifier

    X, y = load_breast_cancer(return_X_y=True)
    counts = sorted(args.trials)
    recorder = TrialMemory()
    logger = logging.getLogger("autodeep")
    logger.addHandler(recorder)
    clf = TabularClassifier(
        max_trials=counts[-1],
        max_epochs=args.epochs,
        n_iter_no_change=args.epochs,
        pruner=None,
        search_space=None if args.default_space else SPACE,
        random_state=0,
        verbose=1,
    )
    clf.fit(X, y)
    logger.removeHandler(recorder)
    done = len(recorder.peaks)
    first = slope_start(counts)
    result = {
        "backend": keras.backend.backend(),
        "framework": framework_version(keras.backend.backend()),
        "trials": done,
        "peak_mb": {n: recorder.peaks[n - 1] for n in counts if n <= done},
        "current_mb": {n: recorder.currents[n - 1] for n in counts if n <= done},
        "peak_slope": slope(recorder.peaks, first, min(done, counts[-1])),
        "current_slope": slope(recorder.currents, first, min(done, counts[-1])),
        "trial_seconds": float(clf.leaderboard_["seconds"].median()),
    }
    print(RESULT + json.dumps(result), flush=True)


def framework_version(backend: str) -> str:
    """The installed framework, e.g. "tensorflow 2.21.0" (backends are named as
    their packages)."""
    try:
        return f"{backend} {version(backend)}"
    except PackageNotFoundError:
        return backend


def run_backend(backend: str, args: argparse.Namespace) -> dict | None:
    """Run :func:`child` in a fresh process with ``KERAS_BACKEND=backend``."""
    command = [
        sys.executable,
        __file__,
        "--child",
        "--trials",
        ",".join(str(n) for n in args.trials),
        "--epochs",
        str(args.epochs),
    ]
    if args.default_space:
        command.append("--default-space")
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = subprocess.run(command, env=env, capture_output=True, text=True)
    for line in out.stdout.splitlines():
        if line.startswith(RESULT):
            return json.loads(line[len(RESULT) :])
    print(f"{backend}: the search failed (exit {out.returncode}):", file=sys.stderr)
    print(out.stderr[-3000:], file=sys.stderr)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--trials",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[10, 100, 500],
        help="trial counts to report, comma-separated (default 10,100,500)",
    )
    parser.add_argument(
        "--backends",
        type=lambda text: text.split(","),
        default=None,
        help="Keras backends, comma-separated (default: the installed ones of "
        + ", ".join(BACKENDS)
        + ")",
    )
    parser.add_argument("--epochs", type=int, default=2, help="epochs a trial")
    parser.add_argument("--default-space", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    backends = args.backends or [
        b for b in BACKENDS if importlib.util.find_spec(b) is not None
    ]
    counts = sorted(args.trials)
    results = []
    for backend in backends:
        result = run_backend(backend, args)
        if result is not None:
            results.append(result)

    first = slope_start(counts)
    header = [
        "backend",
        *(f"peak MB after {n}" for n in counts),
        f"MB / trial ({first}-{counts[-1]}, peak)",
        f"MB / trial ({first}-{counts[-1]}, current)",
        "median trial s",
    ]
    rows = []
    for r in results:
        peaks = [r["peak_mb"].get(str(n)) for n in counts]
        rows.append(
            [
                r["framework"],
                *("-" if p is None else f"{p:.0f}" for p in peaks),
                f"{r['peak_slope']:.2f}",
                f"{r['current_slope']:.2f}",
                f"{r['trial_seconds']:.2f}",
            ]
        )
    table(header, rows)
    print(
        f"breast_cancer, {args.epochs} epochs a trial, "
        f"{'default search space' if args.default_space else 'small fixed network'}. "
        f"{machine(['keras', 'optuna', 'scikit-learn'])}; load average "
        f"{os.getloadavg()[0]:.1f} at the end"
    )


if __name__ == "__main__":
    main()
