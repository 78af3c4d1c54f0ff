"""Benchmark autodeep against two scikit-learn baselines on small bundled datasets.

For each of scikit-learn's breast_cancer (classification), wine (classification)
and diabetes (regression) datasets it makes one train/test split (25% test,
``random_state=0``, stratified for classification) and, on that split, fits and
times (wall clock) three models:

* autodeep ``TabularClassifier`` / ``TabularRegressor`` (``max_trials=5``),
* ``HistGradientBoostingClassifier`` / ``HistGradientBoostingRegressor``,
* ``StandardScaler`` + ``LogisticRegression`` / ``Ridge``.

Test scores come from ``.score()``: accuracy for classifiers, R² for regressors.
It then splits autodeep's own breast_cancer fit time (``timings_``) into time
spent inside Keras (training and prediction) and the library's overhead, and
prints the machine and library versions.

Run from the repository root (takes a few minutes on a small CPU machine)::

    python benchmarks/tabular.py
    python benchmarks/tabular.py --trials 10 --datasets breast_cancer diabetes
    python benchmarks/tabular.py --datasets diabetes --split-seeds 0 1 2 3 4
    python benchmarks/tabular.py --datasets diabetes --reference-models

``--reference-models`` adds more scikit-learn models (tuned SVR, Gaussian process,
random forest, ...) for regression datasets: they show how high a test score the split
allows, independently of autodeep.

Output is markdown pipe tables, ready to paste into the docs.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# Import Keras (and so TensorFlow) before timing anything, so the one-time
# import is not counted in the first autodeep fit.
import keras  # noqa: F401
from _common import machine
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from autodeep import TabularClassifier, TabularRegressor

# name -> (loader, is_classification)
DATASETS: dict[str, tuple[Callable[..., Any], bool]] = {
    "breast_cancer": (load_breast_cancer, True),
    "wine": (load_wine, True),
    "diabetes": (load_diabetes, False),
}


def make_models(classification: bool, trials: int) -> dict[str, Any]:
    """The three unfitted models compared on one dataset."""
    if classification:
        return {
            "autodeep": TabularClassifier(max_trials=trials, random_state=0, verbose=0),
            "hist_gradient_boosting": HistGradientBoostingClassifier(random_state=0),
            "logistic_regression": make_pipeline(
                StandardScaler(), LogisticRegression(max_iter=5000)
            ),
        }
    return {
        "autodeep": TabularRegressor(max_trials=trials, random_state=0, verbose=0),
        "hist_gradient_boosting": HistGradientBoostingRegressor(random_state=0),
        "ridge": make_pipeline(StandardScaler(), Ridge()),
    }


def reference_regressors() -> dict[str, Any]:
    """Other model families, each tuned by its own built-in CV, for regression."""
    import numpy as np
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, DotProduct, WhiteKernel
    from sklearn.linear_model import LassoCV, RidgeCV
    from sklearn.model_selection import GridSearchCV
    from sklearn.svm import SVR

    return {
        "ridge_cv": make_pipeline(StandardScaler(), RidgeCV(np.logspace(-3, 3, 30))),
        "lasso_cv": make_pipeline(StandardScaler(), LassoCV(random_state=0)),
        "svr_grid": make_pipeline(
            StandardScaler(),
            GridSearchCV(SVR(), {"C": [1, 10, 100, 1000], "epsilon": [0.1, 1, 10]}),
        ),
        "gaussian_process": make_pipeline(
            StandardScaler(),
            GaussianProcessRegressor(
                DotProduct() + RBF(3.0) + WhiteKernel(), normalize_y=True
            ),
        ),
        "random_forest": RandomForestRegressor(500, random_state=0),
    }


def print_table(header: list[str], rows: list[list[str]]) -> None:
    """Print a markdown pipe table with fixed-width columns."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return (
            "| "
            + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))
            + " |"
        )

    print(line(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print(line(row))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=5, help="autodeep max_trials")
    parser.add_argument(
        "--datasets",
        nargs="+",
        choices=list(DATASETS),
        default=list(DATASETS),
        help="datasets to run (default: all)",
    )
    parser.add_argument(
        "--split-seeds",
        nargs="+",
        type=int,
        default=[0],
        help="random_state of each train/test split to run (default: 0)",
    )
    parser.add_argument(
        "--reference-models",
        action="store_true",
        help="also fit more scikit-learn model families on regression datasets",
    )
    args = parser.parse_args()

    rows: list[list[str]] = []
    overhead_run: tuple[str, float, dict[str, float]] | None = None
    for name in args.datasets:
        loader, classification = DATASETS[name]
        X, y = loader(return_X_y=True, as_frame=True)
        metric = "accuracy" if classification else "r2"
        for split in args.split_seeds:
            X_train, X_test, y_train, y_test = train_test_split(
                X,
                y,
                test_size=0.25,
                random_state=split,
                stratify=y if classification else None,
            )
            models = make_models(classification, args.trials)
            if args.reference_models and not classification:
                models.update(reference_regressors())
            for model_name, model in models.items():
                start = time.perf_counter()
                model.fit(X_train, y_train)
                seconds = time.perf_counter() - start
                score = model.score(X_test, y_test)
                rows.append(
                    [
                        name,
                        str(split),
                        model_name,
                        metric,
                        f"{score:.4f}",
                        f"{seconds:.2f}",
                    ]
                )
                if model_name == "autodeep" and overhead_run is None:
                    overhead_run = (name, seconds, dict(model.timings_))

    print(f"## Test scores and fit times (autodeep max_trials={args.trials})\n")
    header = ["dataset", "split", "model", "metric", "test score", "fit seconds"]
    print_table(header, rows)

    if overhead_run is not None:
        name, wall, t = overhead_run
        keras_s = t["keras_train"] + t["keras_predict"]
        overhead = t["total"] - keras_s
        print(f"\n## Library overhead split (autodeep, {name})\n")
        print_table(
            ["quantity", "seconds"],
            [
                ["fit wall time (measured outside)", f"{wall:.2f}"],
                ["timings_['total']", f"{t['total']:.2f}"],
                ["  search", f"{t['search']:.2f}"],
                ["  refit", f"{t['refit']:.2f}"],
                ["keras train", f"{t['keras_train']:.2f}"],
                ["keras predict", f"{t['keras_predict']:.2f}"],
                ["model construction (counted as overhead)", f"{t['keras_build']:.2f}"],
                ["overhead (total - keras)", f"{overhead:.2f}"],
                ["overhead % of total", f"{100 * overhead / t['total']:.1f}%"],
            ],
        )

    print("\n" + machine(["tensorflow", "keras", "optuna", "scikit-learn"]))


if __name__ == "__main__":
    main()
