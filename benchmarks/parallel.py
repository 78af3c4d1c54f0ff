"""Search throughput with one and with several worker processes.

Fits the same ``TabularClassifier`` search (same data, same search space, same trial
budget) with ``n_jobs=1`` and ``n_jobs=2`` (or the values given) and prints trials
completed per minute of search, and the speed-up over ``n_jobs=1``.

So that trials cost the same whichever worker runs them, the network's shape is fixed
(two layers of 64 units, batch size 64) and every trial trains for the same number of
epochs (no pruning, no early stopping); the optimizer, learning rate, activation,
dropout and L2 are still searched. Search time is ``timings_["search"]``: it includes
starting the worker processes (each imports TensorFlow), which the parallel runs pay
and the serial run does not.

Run from the repository root::

    python benchmarks/parallel.py
    python benchmarks/parallel.py --trials 16 --n-jobs 1 2 4
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from _common import machine
from sklearn.datasets import make_classification

from autodeep import TabularClassifier

SPACE = {"depth": 2, "units": 64, "batch_size": 64, "batch_norm": False}


def run(n_jobs: int, trials: int, epochs: int, X, y) -> dict[str, float]:
    clf = TabularClassifier(
        max_trials=trials,
        max_epochs=epochs,
        n_iter_no_change=epochs,
        pruner=None,
        search_space=SPACE,
        n_jobs=n_jobs,
        random_state=0,
        verbose=0,
    )
    start = time.perf_counter()
    clf.fit(X, y)
    wall = time.perf_counter() - start
    board = clf.leaderboard_
    done = int((board["state"] == "complete").sum())
    search = clf.timings_["search"]
    return {
        "done": done,
        "search": search,
        "wall": wall,
        "per_minute": 60 * done / search,
        "trial_seconds": float(board["seconds"].median()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--rows", type=int, default=4000)
    parser.add_argument("--n-jobs", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()

    X, y = make_classification(
        n_samples=args.rows, n_features=20, n_informative=10, random_state=0
    )
    results = {n: run(n, args.trials, args.epochs, X, y) for n in args.n_jobs}
    base = results[args.n_jobs[0]]["per_minute"]
    header = (
        "| n_jobs | trials completed | search s | trials / minute | speed-up "
        "| median trial s | fit wall s |"
    )
    print(header)
    print("|" + "|".join("---" for _ in range(header.count("|") - 1)) + "|")
    for n, r in results.items():
        print(
            f"| {n} | {r['done']} | {r['search']:.1f} | {r['per_minute']:.1f} "
            f"| {r['per_minute'] / base:.2f}x | {r['trial_seconds']:.2f} "
            f"| {r['wall']:.1f} |"
        )
    print(
        f"\n{args.rows} rows x 20 features, {args.epochs} epochs a trial. "
        + machine(["tensorflow", "keras", "optuna"])
    )


if __name__ == "__main__":
    main()
