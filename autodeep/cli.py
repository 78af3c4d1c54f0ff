"""The ``autodeep`` command: ``demo``, ``fit``, ``predict``, ``report`` and ``worker``."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

LEADERBOARD_COLUMNS = [
    "trial",
    "state",
    "val_accuracy",
    "val_loss",
    "epochs",
    "seconds",
    "ensemble_weight",
]
PARAM_COLUMNS = [
    "depth",
    "activation",
    "optimizer",
    "learning_rate",
    "dropout",
    "batch_size",
]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``autodeep`` command line."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    parser = argparse.ArgumentParser(prog="autodeep", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser(
        "demo", help="search a TabularClassifier on scikit-learn's breast_cancer data"
    )
    demo.add_argument("--max-trials", type=int, default=5)
    demo.add_argument("--time-budget", type=float, default=None)
    demo.set_defaults(run=_demo)

    fit = commands.add_parser("fit", help="fit on a CSV file and save the model folder")
    fit.add_argument(
        "data", help="CSV or Parquet file with the features and the target column"
    )
    fit.add_argument("--target", required=True, help="name of the target column")
    fit.add_argument("--task", choices=["classification", "regression"], required=True)
    fit.add_argument("-o", "--output", required=True, help="model folder to write")
    fit.add_argument("--max-trials", type=int, default=10)
    fit.add_argument("--time-budget", type=float, default=None)
    fit.add_argument("--random-state", type=int, default=0)
    fit.add_argument(
        "--tuner",
        choices=["optuna", "hyperband", "bayesian", "random"],
        default="optuna",
    )
    fit.add_argument("--n-jobs", type=int, default=1, help="worker processes here")
    fit.add_argument(
        "--storage",
        default=None,
        help="keep the Optuna study here: a journal file, SQLite .db file or database "
        "URL; other machines join it with `autodeep worker`",
    )
    fit.add_argument("--study", default=None, help="study name in --storage")
    fit.set_defaults(run=_fit)

    worker = commands.add_parser(
        "worker", help="run trials of a study kept in a database, until it is done"
    )
    worker.add_argument("--storage", required=True, help="database URL or journal file")
    worker.add_argument("--study", required=True, help="study name")
    worker.add_argument(
        "--data",
        default=None,
        help="training data (default: the path the study records)",
    )
    worker.add_argument(
        "--target", default=None, help="target column (default: recorded)"
    )
    worker.set_defaults(run=_worker)

    predict = commands.add_parser(
        "predict", help="predict a CSV file with a saved model"
    )
    predict.add_argument(
        "model", help="model folder written by `autodeep fit` or save()"
    )
    predict.add_argument("data", help="CSV file with the same feature columns")
    predict.add_argument("-o", "--output", required=True, help="CSV file to write")
    predict.set_defaults(run=_predict)

    report = commands.add_parser(
        "report", help="write the HTML report of a saved model on labelled data"
    )
    report.add_argument(
        "model", help="model folder written by `autodeep fit` or save()"
    )
    report.add_argument(
        "data",
        help="CSV or Parquet file with the features (for text or image models: one "
        "column of texts or image paths) and the target column",
    )
    report.add_argument("--target", required=True, help="name of the target column")
    report.add_argument(
        "-o", "--output", default="report.html", help="HTML file to write"
    )
    report.add_argument("--sample-size", type=int, default=200, help="rows to explain")
    report.set_defaults(run=_report)

    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except (ValueError, FileNotFoundError) as error:
        print(f"autodeep: error: {error}", file=sys.stderr)
        return 2


def _demo(args: argparse.Namespace) -> int:
    import pandas as pd
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    from autodeep import TabularClassifier
    from autodeep._ensemble import member_count

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    print(
        f"breast_cancer: {len(X_train)} training rows, {len(X_test)} test rows, "
        f"{X.shape[1]} features; searching {args.max_trials} trials\n"
    )
    start = time.perf_counter()
    clf = TabularClassifier(
        max_trials=args.max_trials, time_budget=args.time_budget, random_state=0
    ).fit(X_train, y_train)
    seconds = time.perf_counter() - start
    board = clf.leaderboard_
    columns = [c for c in LEADERBOARD_COLUMNS + PARAM_COLUMNS if c in board.columns]
    with pd.option_context("display.width", 200, "display.precision", 4):
        print("\nLeaderboard (best first):")
        print(board[columns].to_string(index=False))
    print(f"\nBest configuration: {clf.best_params_}")
    members = member_count(board)
    if members:
        print(f"The model averages {members} trials (weights in ensemble_weight).")
    print(f"Fit time: {seconds:.1f} s (search and refit)")
    print(f"Held-out test accuracy: {clf.score(X_test, y_test):.4f}")
    return 0


def _fit(args: argparse.Namespace) -> int:
    from autodeep import TabularClassifier, TabularRegressor
    from autodeep._worker import read_table

    X, y = read_table(args.data, args.target)
    estimator_class = (
        TabularClassifier if args.task == "classification" else TabularRegressor
    )
    estimator = estimator_class(
        max_trials=args.max_trials,
        time_budget=args.time_budget,
        random_state=args.random_state,
        tuner=args.tuner,
        n_jobs=args.n_jobs,
        storage=args.storage,
        study_name=args.study,
    )
    if args.storage is not None:
        # Recorded in the study, so that `autodeep worker` finds the same data.
        estimator._data_source = {
            "path": os.path.abspath(args.data),
            "target": args.target,
        }
    estimator.fit(X, y)
    estimator.save(args.output)
    print(f"validation score {estimator.best_score_:.4f}; model saved to {args.output}")
    return 0


def _worker(args: argparse.Namespace) -> int:
    import logging

    from autodeep._worker import join

    logging.basicConfig(level=logging.INFO, format="[autodeep worker] %(message)s")
    join(args.storage, args.study, data=args.data, target=args.target)
    print(f"study {args.study!r}: no trials left to run")
    return 0


def _predict(args: argparse.Namespace) -> int:
    import pandas as pd

    import autodeep

    estimator = autodeep.load(args.model)
    X = _model_input(estimator, pd.read_csv(args.data))
    out = pd.DataFrame({"prediction": estimator.predict(X)})
    if hasattr(estimator, "predict_proba"):
        proba = estimator.predict_proba(X)
        for i, label in enumerate(estimator.classes_):
            out[f"proba_{label}"] = proba[:, i]
    out.to_csv(args.output, index=False)
    print(f"{len(out)} predictions written to {args.output}")
    return 0


def _report(args: argparse.Namespace) -> int:
    import autodeep
    from autodeep._worker import read_table

    estimator = autodeep.load(args.model)
    X, y = read_table(args.data, args.target)
    X = _model_input(estimator, X)
    start = time.perf_counter()
    estimator.report(X, y, args.output, sample_size=args.sample_size)
    seconds = time.perf_counter() - start
    print(f"report on {len(y)} rows written to {args.output} ({seconds:.1f} s)")
    return 0


def _model_input(estimator: Any, frame: Any) -> Any:
    """The columns of a table that the model reads.

    A tabular model takes its training columns (extra columns such as ids are left
    out); a text or image model, which has no column names, reads a one-column table
    as its texts or image paths.
    """
    names = [str(c) for c in getattr(estimator, "feature_names_in_", [])]
    if names and set(names) <= set(frame.columns):
        return frame[names]
    if not hasattr(estimator, "feature_names_in_") and frame.shape[1] == 1:
        return frame.iloc[:, 0]
    return frame


if __name__ == "__main__":
    sys.exit(main())
