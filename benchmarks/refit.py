"""Refit on all rows, or keep the trials' models as trained? Paired, on the suite's tables.

After the search, autodeep either refits the chosen configuration (or the ensemble's
members) on all training rows for the epochs the search found (``refit=True``), or
keeps the models the trials trained on their training part (``refit=False``);
``refit="auto"``, the default, chooses by what this script measured. Two separate
fits would compare two different searches, whose difference on ~1,000-row tables is
larger than the effect asked about. This script
compares the two on the *same* search: it fits once with ``refit=True`` and, from the
same fit, also builds the kept models (the trials' weights, which the fit holds in
memory, with the preprocessing fitted on the training part), then scores both on the
test part. It reaches into ``autodeep._engine`` to see the fit's trials and ensemble:
a measurement harness, not an API.

The kept variant here had slightly less search time than a real ``refit=False`` fit
(the search kept the refit's estimated time in reserve) and its ensemble was chosen
among trials whose refit was affordable; both make it, if anything, pessimistic.

Tables, splits and estimator options are those of ``benchmarks/suite.py`` (75/25,
``random_state=seed``, ``class_weight="balanced"`` and
``scoring="balanced_accuracy"`` on the imbalanced tables)::

    python benchmarks/refit.py --tables default caravan hmda email --budget 300 \
        --split-seeds 0 1 2

Run it alone on the machine (see suite.py: the budget is wall-clock).
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import time
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
from _common import machine, table
from suite import METRICS, TABLES, autodeep_estimator, load, split_table


def _capture() -> dict[str, Any]:
    """Wrap the engine's trial runner and ensemble so that a fit leaves them here."""
    from autodeep import _engine

    seen: dict[str, Any] = {}
    trials_for, ensemble = _engine.trials_for, _engine._ensemble

    def capture_trials(*args: Any, **kwargs: Any) -> Any:
        seen["trials"] = trials_for(*args, **kwargs)
        return seen["trials"]

    def capture_ensemble(*args: Any, **kwargs: Any) -> Any:
        seen["ensemble"] = ensemble(*args, **kwargs)
        return seen["ensemble"]

    _engine.trials_for, _engine._ensemble = capture_trials, capture_ensemble
    return seen


def kept_estimator(fitted: Any, seen: dict[str, Any]) -> Any:
    """A copy of ``fitted`` predicting with the trials' models as trained."""
    from autodeep._ensemble import combine

    trials, ensemble = seen["trials"], seen["ensemble"]
    if ensemble is not None:
        configs = [(m.params, m.epochs) for m in ensemble.members]
    else:
        configs = [(fitted.best_params_, fitted.best_epochs_)]
    models, preprocessor = trials.trained_models(configs)
    kept = copy.copy(fitted)
    kept.model_ = models[0] if ensemble is None else combine(models, ensemble.weights)
    kept.preprocessor_ = preprocessor
    kept.target_transform_ = trials.stage.target
    return kept


def positive_share(estimator: Any, X: Any) -> str:
    """Share of rows predicted as the minority class (binary), else ''."""
    classes = getattr(estimator, "classes_", None)
    if classes is None or len(classes) != 2:
        return ""
    predicted = np.asarray(estimator.predict(X))
    return f"{float(np.mean(predicted == classes[1])):.3f}"


def run(name: str, seed: int, budget: float, seen: dict[str, Any]) -> list[str]:
    kind = TABLES[name].kind
    X_train, X_test, y_train, y_test = split_table(*load(name), kind, seed)
    # The kept models come from the same fit (kept_estimator).
    estimator = autodeep_estimator(kind, budget, {"refit": True})
    started = time.perf_counter()
    refit = estimator.fit(X_train, y_train)
    seconds = time.perf_counter() - started
    kept = kept_estimator(refit, seen)
    score = METRICS[kind][1]
    refit_score = score(y_test, refit.predict(X_test))
    kept_score = score(y_test, kept.predict(X_test))
    board = refit.leaderboard_
    ensemble = seen["ensemble"]
    members = 1 if ensemble is None else len(ensemble.members)
    trials = int((~board["state"].isin(["reference", "ensemble"])).sum())
    return [
        name,
        str(seed),
        f"{refit_score:.4f}",
        f"{kept_score:.4f}",
        f"{kept_score - refit_score:+.4f}",
        positive_share(refit, X_test),
        positive_share(kept, X_test),
        str(trials),
        str(members),
        "yes" if refit.refit_history_ else "no (out of time)",
        f"{refit.timings_.get('refit', float('nan')):.1f}",
        f"{seconds:.0f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="+", default=list(TABLES), choices=TABLES)
    parser.add_argument("--split-seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--budget", type=float, default=300.0)
    args = parser.parse_args()

    seen = _capture()
    rows = []
    for seed in args.split_seeds:
        for name in args.tables:
            print(f"[split {seed}] {name}", file=sys.stderr, flush=True)
            rows.append(run(name, seed, args.budget, seen))
            print(" | ".join(rows[-1]), file=sys.stderr, flush=True)
    print(machine(["autodeep", "keras", "tensorflow", "optuna", "scikit-learn"]))
    print(
        f"\nBudget {args.budget:g} s; test scores of one fit each, two final models.\n"
    )
    table(
        [
            "table",
            "split seed",
            "refit",
            "kept",
            "kept - refit",
            "positive share refit",
            "positive share kept",
            "trials",
            "members",
            "refit done",
            "refit s",
            "fit s",
        ],
        rows,
    )
    for name in args.tables:
        mine = [r for r in rows if r[0] == name]
        gaps = [float(r[4]) for r in mine]
        print(f"{name}: mean kept - refit {np.mean(gaps):+.4f} over {len(gaps)} seeds")


if __name__ == "__main__":
    main()
