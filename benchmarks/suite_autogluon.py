"""Fit AutoGluon-Tabular on one train/test pair for ``benchmarks/suite.py``.

AutoGluon's pins clash with autodeep's, so it lives in its own environment and
``suite.py`` runs this script with that environment's Python::

    python3 -m venv /work/ag-venv
    /work/ag-venv/bin/pip install "autogluon.tabular[all]==1.*"
    python benchmarks/suite.py --autogluon-python /work/ag-venv/bin/python

It can also be run by hand::

    /work/ag-venv/bin/python benchmarks/suite_autogluon.py train.csv test.csv \\
        --label y --kind binary --time-limit 60 --variant default

It reads the two CSV files, fits ``TabularPredictor`` on the training part with
``time_limit`` seconds (``--variant default``: default presets and model zoo;
``--variant nn``: ``hyperparameters={"NN_TORCH": {}}``, the neural network alone),
predicts the test part and scores it with scikit-learn: balanced accuracy for
``imbalanced`` (also AutoGluon's ``eval_metric``), accuracy for ``binary`` and
``multiclass``, R² for ``regression``. The last line of standard output is
``AUTOGLUON_RESULT {json}`` with the score, the fit and predict seconds, the best
model's name and AutoGluon's version.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from importlib.metadata import version

import pandas as pd
from sklearn.metrics import accuracy_score, balanced_accuracy_score, r2_score

MARKER = "AUTOGLUON_RESULT "

# kind -> (AutoGluon problem_type, AutoGluon eval_metric, scikit-learn metric)
KINDS = {
    "imbalanced": ("binary", "balanced_accuracy", balanced_accuracy_score),
    "binary": ("binary", "accuracy", accuracy_score),
    "multiclass": ("multiclass", "accuracy", accuracy_score),
    "regression": ("regression", "r2", r2_score),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("train", help="CSV file of the training part")
    parser.add_argument("test", help="CSV file of the test part")
    parser.add_argument("--label", required=True, help="target column")
    parser.add_argument("--kind", required=True, choices=list(KINDS))
    parser.add_argument("--time-limit", type=float, required=True, help="seconds")
    parser.add_argument("--variant", choices=["default", "nn"], default="default")
    args = parser.parse_args()

    from autogluon.tabular import TabularPredictor

    train = pd.read_csv(args.train)
    test = pd.read_csv(args.test)
    problem_type, eval_metric, metric = KINDS[args.kind]
    hyperparameters = {"NN_TORCH": {}} if args.variant == "nn" else None
    with tempfile.TemporaryDirectory(prefix="ag-") as folder:
        start = time.perf_counter()
        predictor = TabularPredictor(
            label=args.label,
            problem_type=problem_type,
            eval_metric=eval_metric,
            path=folder,
            verbosity=0,
        ).fit(train, time_limit=args.time_limit, hyperparameters=hyperparameters)
        fit_seconds = time.perf_counter() - start
        start = time.perf_counter()
        predictions = predictor.predict(test.drop(columns=[args.label]))
        predict_seconds = time.perf_counter() - start
        best = predictor.model_best
    y_true = test[args.label]
    if problem_type != "regression":
        # CSV round trips can turn labels into numbers on one side only.
        y_true, predictions = y_true.astype(str), predictions.astype(str)
    result = {
        "score": float(metric(y_true, predictions)),
        "fit_seconds": fit_seconds,
        "predict_seconds": predict_seconds,
        "best_model": best,
        "version": version("autogluon.tabular"),
    }
    print(MARKER + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
