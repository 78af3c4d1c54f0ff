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


DESCRIPTION = (
    "Tuned, explainable deep networks for tables, images and text. Commands: demo "
    "(a search on a bundled dataset), fit, predict and report (on CSV or Parquet "
    "files), worker (join a search kept in a database)."
)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("autodeep")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


class _Formatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows an option's default, unless it has none worth showing (None, off, [])."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default in (None, False, []):
            return action.help
        return super()._get_help_string(action)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autodeep", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"autodeep {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    formatter = _Formatter

    def command(name: str, summary: str) -> argparse.ArgumentParser:
        return commands.add_parser(
            name, help=summary, description=summary, formatter_class=formatter
        )

    demo = command(
        "demo", "search a TabularClassifier on scikit-learn's breast_cancer data"
    )
    demo.add_argument("--max-trials", type=int, default=5, help="trials to run")
    demo.add_argument(
        "--time-budget", type=float, default=None, help="seconds for the whole fit"
    )
    demo.set_defaults(run=_demo)

    fit = command("fit", "fit on a CSV or Parquet file and save the model folder")
    fit.add_argument(
        "data", help="CSV or Parquet file with the features and the target column"
    )
    fit.add_argument("--target", required=True, help="name of the target column")
    fit.add_argument(
        "--task",
        choices=["classification", "regression"],
        required=True,
        help="what to predict: classes or numbers",
    )
    fit.add_argument("-o", "--output", required=True, help="model folder to write")
    fit.add_argument(
        "--drop",
        nargs="+",
        default=[],
        metavar="COLUMN",
        help="columns not to use as features (identifiers, leaks)",
    )
    fit.add_argument("--max-trials", type=int, default=10, help="trials to run")
    fit.add_argument(
        "--time-budget", type=float, default=None, help="seconds for the whole fit"
    )
    fit.add_argument(
        "--random-state", type=int, default=0, help="seed of the split and search"
    )
    fit.add_argument(
        "--tuner",
        choices=["optuna", "hyperband", "bayesian", "random"],
        default="optuna",
        help="search algorithm (the last three are KerasTuner's)",
    )
    fit.add_argument("--n-jobs", type=int, default=1, help="worker processes here")
    fit.add_argument(
        "--storage",
        default=None,
        help="keep the Optuna study here: a journal file, SQLite .db file or database "
        "URL; other machines join it with 'autodeep worker'",
    )
    fit.add_argument("--study", default=None, help="study name in --storage")
    fit.set_defaults(run=_fit)

    worker = command(
        "worker", "run trials of a study kept in a database, until it is done"
    )
    worker.add_argument("--storage", required=True, help="database URL or journal file")
    worker.add_argument("--study", required=True, help="study name")
    worker.add_argument(
        "--data",
        default=None,
        help="training data (default: the path the study records)",
    )
    worker.add_argument(
        "--target", default=None, help="target column (default: the recorded one)"
    )
    worker.set_defaults(run=_worker)

    predict = command("predict", "predict a CSV or Parquet file with a saved model")
    predict.add_argument(
        "model", help="model folder written by 'autodeep fit' or save()"
    )
    predict.add_argument("data", help="CSV or Parquet file with the feature columns")
    predict.add_argument(
        "-o", "--output", default=None, help="CSV file to write (default: stdout)"
    )
    predict.add_argument(
        "--id-column",
        nargs="+",
        default=[],
        metavar="COLUMN",
        help="columns of the data copied next to the predictions",
    )
    predict.add_argument(
        "--proba",
        action="store_true",
        help="also write each class's probability (classifiers)",
    )
    predict.set_defaults(run=_predict)

    report = command(
        "report", "write the HTML report of a saved model on labelled data"
    )
    report.add_argument(
        "model", help="model folder written by 'autodeep fit' or save()"
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

    export = command(
        "export",
        "write a saved model, preprocessing included, as one ONNX file",
    )
    export.add_argument(
        "model", help="model folder written by 'autodeep fit' or save()"
    )
    export.add_argument(
        "-o", "--output", default="model.onnx", help="ONNX file to write"
    )
    export.set_defaults(run=_export)

    serve = command(
        "serve",
        "answer predictions over HTTP (POST /predict, GET /health) with onnxruntime",
    )
    serve.add_argument(
        "model",
        help="an .onnx file written by 'autodeep export', or a model folder "
        "(exported when the server starts)",
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (0.0.0.0: all)"
    )
    serve.add_argument("--port", type=int, default=8000, help="port to listen on")
    serve.set_defaults(run=_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``autodeep`` command line."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args))
    except (ValueError, FileNotFoundError, NotImplementedError) as error:
        print(f"autodeep: error: {error}", file=sys.stderr)
        return 2


def _demo(args: argparse.Namespace) -> int:
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
    print()
    _print_leaderboard(board, top=len(board))
    print(f"\nBest configuration: {clf.best_params_}")
    members = member_count(board)
    if members:
        print(f"The model averages {members} trials (weights in ensemble_weight).")
    print(f"Fit time: {seconds:.1f} s (search and refit)")
    print(f"Held-out test accuracy: {clf.score(X_test, y_test):.4f}")
    return 0


def _export(args: argparse.Namespace) -> int:
    import autodeep

    path = autodeep.load(args.model).export(args.output)
    info = autodeep.onnx_info(path)
    inputs = ", ".join(f"{e['name']} ({e['type']})" for e in info["inputs"])
    print(f"wrote {path}: inputs {inputs}; outputs {', '.join(info['outputs'])}")
    if "text" in info:
        print(
            f"The graph reads {info['text']['graph_input']}, made from the texts with "
            "the vocabulary stored in the file: autodeep.export.onnx_inputs(texts, "
            "autodeep.onnx_info(path)) (see docs/deploy.md)."
        )
    return 0


def _serve(args: argparse.Namespace) -> int:
    from autodeep.export._serve import serve

    print(
        f"serving {args.model} on http://{args.host}:{args.port} "
        "(POST /predict, GET /health; Ctrl+C stops)",
        flush=True,
    )
    serve(args.model, host=args.host, port=args.port)
    return 0


def _fit(args: argparse.Namespace) -> int:
    from autodeep import TabularClassifier, TabularRegressor
    from autodeep._worker import read_table

    X, y = read_table(args.data, args.target)
    X = _without(X, args.drop, args.data)
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
    _print_leaderboard(estimator.leaderboard_, top=5)
    metric = _metric_name(estimator.leaderboard_)
    print(
        f"validation {metric} {estimator.best_score_:.4f} (best trial); "
        f"model saved to {args.output}"
    )
    return 0


def _without(X: Any, columns: list[str], path: str) -> Any:
    """``X`` without ``columns`` (each must be there)."""
    missing = [c for c in columns if c not in X.columns]
    if missing:
        raise ValueError(
            f"--drop names columns that are not in {path}: {missing}; columns are "
            f"{list(X.columns)}."
        )
    return X.drop(columns=columns)


def _metric_name(board: Any) -> str:
    """The leaderboard's validation metric, in words ("balanced accuracy")."""
    from autodeep.explain._report_board import metric_words, score_column

    return metric_words(score_column(board))


def _print_leaderboard(board: Any, top: int) -> None:
    import pandas as pd

    columns = [c for c in LEADERBOARD_COLUMNS + PARAM_COLUMNS if c in board.columns]
    columns += [c for c in board.columns if c.startswith("val_") and c not in columns]
    with pd.option_context("display.width", 200, "display.precision", 4):
        print(f"Leaderboard (best first, top {min(top, len(board))}):")
        print(board[columns].head(top).to_string(index=False))


def _worker(args: argparse.Namespace) -> int:
    import logging

    from autodeep._worker import join

    logging.basicConfig(level=logging.INFO, format="[autodeep worker] %(message)s")
    join(args.storage, args.study, data=args.data, target=args.target)
    print(f"study {args.study!r}: no trials left to run")
    return 0


def _predict(args: argparse.Namespace) -> int:

    from autodeep._worker import read_frame

    _check_model_folder(args.model)
    frame = read_frame(args.data)
    missing = [c for c in args.id_column if c not in frame.columns]
    if missing:
        raise ValueError(
            f"--id-column names columns that are not in {args.data}: {missing}."
        )
    import autodeep

    estimator = autodeep.load(args.model)
    X = _model_input(estimator, frame.drop(columns=args.id_column))
    out = frame[args.id_column].reset_index(drop=True)
    out["prediction"] = estimator.predict(X)
    if args.proba:
        if not hasattr(estimator, "predict_proba"):
            raise ValueError("--proba is for classifiers; this model is a regressor.")
        proba = estimator.predict_proba(X)
        for i, label in enumerate(estimator.classes_):
            out[f"proba_{label}"] = proba[:, i]
    if args.output is None:
        out.to_csv(sys.stdout, index=False)
        return 0
    out.to_csv(args.output, index=False)
    print(f"{len(out)} predictions written to {args.output}", file=sys.stderr)
    return 0


def _report(args: argparse.Namespace) -> int:
    from autodeep._worker import read_table

    _check_model_folder(args.model)
    X, y = read_table(args.data, args.target)  # before loading the model: fail fast
    import autodeep

    estimator = autodeep.load(args.model)
    X = _model_input(estimator, X)
    start = time.perf_counter()
    estimator.report(X, y, args.output, sample_size=args.sample_size)
    seconds = time.perf_counter() - start
    print(f"report on {len(y)} rows written to {args.output} ({seconds:.1f} s)")
    return 0


def _check_model_folder(path: str) -> None:
    """Fail before TensorFlow loads when ``path`` cannot be a model folder."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"Model folder {path!r} does not exist.")
    if not os.path.isfile(os.path.join(path, "manifest.json")):
        raise ValueError(
            f"{path!r} is not an autodeep model folder (no manifest.json); write one "
            "with 'autodeep fit' or estimator.save(path)."
        )


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
