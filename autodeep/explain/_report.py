"""The stakeholder report: one self-contained HTML file a non-specialist can read.

This module writes the file and the sections about the model itself: the summary
(metric with a bootstrap confidence interval, a simple baseline, the search), how well
it works, the search, caveats and the technical appendix. The sections built on
explanations are in :mod:`autodeep.explain._report_explained`; the markup in
:mod:`autodeep.explain._html`.
"""

from __future__ import annotations

import os
import platform
from typing import Any

import numpy as np
import pandas as pd

from autodeep._ensemble import STATE as ENSEMBLE
from autodeep._ensemble import member_count
from autodeep._reference import STATE as REFERENCE
from autodeep.explain import _figures as figures
from autodeep.explain import _html
from autodeep.explain import _report_explained as explained
from autodeep.explain._explanation import Explanation
from autodeep.explain._report_data import Context, Section, column, take_rows

BOOTSTRAP_ROUNDS = 1000


def write_report(
    estimator: Any,
    X: Any,
    y: Any,
    path: str | os.PathLike[str] = "report.html",
    *,
    sample_size: int = 200,
    check_size: int = 50,
    random_state: int = 0,
) -> str:
    """Write the report for ``estimator`` on labelled data ``(X, y)``; return its path."""
    from sklearn.utils.validation import check_is_fitted

    from autodeep.explain._subjects import subject_class

    check_is_fitted(estimator, "model_")
    kind = subject_class(estimator).kind
    y = estimator._validate_y(X, y)
    rng = np.random.default_rng(random_state)
    context = Context(estimator, X, y, kind, rng)
    context.sample = sample = _explained_rows(context, sample_size)
    explanation = estimator.explain(take_rows(X, sample))
    checks = explained.run_checks(context, explanation, check_size)
    sections = [
        _summary(context),
        _performance(context),
        _search(context),
        explained.drivers(context, explanation),
        explained.examples(context, explanation),
        explained.trust(context, checks),
        _caveats(context, explanation, all(check.passed for check in checks)),
        _appendix(context),
    ]
    document = _html.page(f"Model report: {type(estimator).__name__}", sections)
    with open(path, "w", encoding="utf-8") as file:
        file.write(document)
    return os.fspath(path)


def _explained_rows(context: Context, size: int, wrong: int = 3) -> np.ndarray:
    """Rows to explain: a random sample that includes the most confident mistakes.

    Mistakes are rare in a good model, so a purely random sample would often leave the
    report without a "most confident, wrong" example to show.
    """
    n = len(context.y)
    if size >= n:
        return np.arange(n)
    chosen = np.zeros(0, dtype=int)
    if context.classifier:
        mistakes = np.flatnonzero(context.y != context.pred)
        confidence = context.proba[mistakes].max(axis=1)
        chosen = mistakes[np.argsort(-confidence)][:wrong]
    others = np.setdiff1d(np.arange(n), chosen)
    fill = context.rng.choice(others, size=size - len(chosen), replace=False)
    return np.sort(np.concatenate([chosen, fill]))


def _summary(context: Context) -> Section:
    estimator, n = context.estimator, len(context.y)
    if context.classifier:
        accuracy, low, high = _bootstrap(context, _accuracy)
        values, counts = np.unique(context.y, return_counts=True)
        majority = values[counts.argmax()]
        what = (
            f"This model sorts each {context.noun} into one of {len(context.classes)} "
            f"classes: {_list(context.classes)}."
        )
        headline = (
            f"On the {n} labelled {context.noun}s in this report it is right "
            f"<b>{accuracy:.1%}</b> of the time (95% confidence interval {low:.1%} "
            f"to {high:.1%})."
        )
        baseline = (
            f"Always answering the most common class ({_html.quote(majority)}) would "
            f"be right {counts.max() / n:.1%} of the time."
        )
    else:
        r2, low, high = _bootstrap(context, _r2)
        error = float(np.mean(np.abs(column(context.pred) - column(context.y))))
        naive = float(np.mean(np.abs(column(context.y) - column(context.y).mean())))
        what = f"This model predicts a number for each {context.noun}."
        headline = (
            f"On the {n} labelled {context.noun}s in this report it explains "
            f"<b>{r2:.0%}</b> of the variation (R², 95% confidence interval {low:.0%} "
            f"to {high:.0%}); its typical error is {error:.3g}."
        )
        baseline = (
            f"Always predicting the average would have a typical error of {naive:.3g}."
        )
    board = _searched(estimator.leaderboard_)
    completed = int((board["state"] == "complete").sum())
    seconds = float(estimator.timings_.get("total", 0.0))
    budget = _budget(estimator)
    search = (
        f"It was trained on {getattr(estimator, 'n_samples_fit_', 'the')} "
        f"{context.noun}s. The automatic search tried {len(board)} network "
        f"designs ({completed} completed) in {seconds:.0f} seconds ({budget})."
    )
    texts = [what, headline, baseline, search]
    for sentence in (_ensemble_sentence(estimator), _reference_sentence(estimator)):
        if sentence:
            texts.append(sentence)
    return Section("summary", "Summary", [_html.paragraphs(texts)])


def _searched(board: pd.DataFrame) -> pd.DataFrame:
    """The leaderboard's trials, without the ensemble's and the reference's rows."""
    return board[~board["state"].isin([ENSEMBLE, REFERENCE])]


def _ensemble_sentence(estimator: Any) -> str | None:
    """What the model is when it averages several designs."""
    board = estimator.leaderboard_
    rows = board[board["state"] == ENSEMBLE]
    if rows.empty:
        return None
    members = member_count(board)
    column = _score_column(board)
    if column == "val_loss":
        scores = f"a validation loss of {float(rows[column].iloc[0]):.4g}"
    else:
        metric = column.removeprefix("val_").replace("_", " ")
        scores = (
            f"{metric} {float(rows[column].iloc[0]):.3f} on {_held_out(estimator)}, "
            f"where the best single design scored {float(estimator.best_score_):.3f}"
        )
    return (
        f"The model is a weighted average of {members} of these designs, chosen "
        f"because together they did better than any one alone: {scores}. The average "
        "was chosen on that same data, so its score there flatters it a little."
    )


def _reference_sentence(estimator: Any) -> str | None:
    """How the gradient-boosting reference scored beside the best network, if fit."""
    board = estimator.leaderboard_
    rows = board[board["state"] == REFERENCE]
    column = _score_column(board)
    if rows.empty or column == "val_loss":
        return None
    metric = column.removeprefix("val_").replace("_", " ")
    reference = float(rows[column].iloc[0])
    network = float(estimator.best_score_)
    verdict = "did better than" if network > reference else "did not do better than"
    if network == reference:
        verdict = "did as well as"
    return (
        "For comparison, gradient-boosted trees (a standard non-deep method, "
        "scikit-learn's HistGradientBoosting) were trained on the same rows during the "
        f"search and scored {metric} {reference:.3f} on the same "
        f"{_held_out(estimator).removeprefix('the ')}, where the best network design "
        f"scored {network:.3f}: the network {verdict} the trees there."
    )


def _held_out(estimator: Any) -> str:
    """The rows the search scored designs on, in words."""
    from autodeep._folds import folds_for

    folds = folds_for(
        getattr(estimator, "cv", None),  # absent in models saved before cv=
        estimator.n_samples_fit_,
        estimator._small_data_folds,
    )
    if folds > 1:
        return f"the held-out folds of a {folds}-fold cross-validation"
    return "the validation part"


def _score_column(board: pd.DataFrame) -> str:
    """The leaderboard's validation score column (``val_<score>``)."""
    return next(
        (c for c in board.columns if c.startswith("val_") and c != "val_loss"),
        "val_loss",
    )


def _performance(context: Context) -> Section:
    from sklearn.metrics import classification_report, confusion_matrix

    section = Section("performance", "How well it works")
    if context.classifier:
        labels = list(context.classes)
        matrix = confusion_matrix(context.y, context.pred, labels=labels)
        section.blocks.append(
            _html.figure(
                figures.confusion_matrix(matrix, [str(c) for c in labels]),
                "Rows are the true class, columns the predicted one; the diagonal "
                "counts correct answers.",
            )
        )
        report = classification_report(
            context.y, context.pred, labels=labels, output_dict=True, zero_division=0
        )
        table = pd.DataFrame(
            {
                str(c): {
                    "precision": report[str(c)]["precision"],
                    "recall": report[str(c)]["recall"],
                    "examples": int(report[str(c)]["support"]),
                }
                for c in labels
            }
        ).T
        section.blocks.append(
            _html.paragraphs(
                [
                    "<i>Precision</i>: when the model says this class, how often it "
                    "is right. <i>Recall</i>: of the true cases of this class, how "
                    "many the model finds."
                ]
            )
        )
        section.blocks.append(_html.table(table, digits=3))
    else:
        section.blocks.append(
            _html.figure(
                figures.residuals(column(context.y), column(context.pred)),
                "Left: each dot is one example; on the dashed line the prediction is "
                "exact. Right: how far off the predictions are.",
            )
        )
    return section


def _search(context: Context) -> Section:
    estimator = context.estimator
    board = estimator.leaderboard_
    score = _score_column(board)
    section = Section("search", "How the model was found")
    section.blocks.append(
        _html.figure(
            figures.search_progress(board, score, estimator.history_),
            "Left: the validation score of every design the search tried. Right: the "
            "chosen design's training loss per epoch when it was refit.",
        )
    )
    if getattr(estimator, "scoring", None) is not None:
        ranked = (
            f"by validation {score.removeprefix('val_')} (what the search maximized)"
        )
    else:
        ranked = "by validation loss (what the search minimized)"
    section.blocks.append(_html.paragraphs([f"The best designs, {ranked}:"]))
    shown = board.head(10).drop(columns=["reason"], errors="ignore")
    section.blocks.append(_html.table(shown, digits=4))
    return section


def _caveats(context: Context, explanation: Explanation, trusted: bool) -> Section:
    n = len(context.y)
    notes = [
        f"All numbers come from the {n} labelled {context.noun}s given to this report. "
        "If the model was trained on them too, the numbers flatter it: judge it on "
        "data it has not seen.",
        "Explanations show what the model relies on, not what causes the outcome in "
        "the real world.",
        f"The model only knows {context.noun}s like the ones it was trained on; "
        "expect worse results on data from other sources, places or times.",
        f"The explanations were computed for {len(explanation)} of the {n} "
        f"{context.noun}s, chosen at random (with the most confident mistakes).",
    ]
    if n < 100:
        notes.append(f"{n} examples is few: the confidence interval above is wide.")
    if context.classifier:
        _, counts = np.unique(context.y, return_counts=True)
        # Unbalanced: the rarest class has under half its share of a balanced split.
        if counts.min() / counts.sum() < 0.5 / len(counts):
            notes.append(
                f"The classes are unbalanced (the smallest is {counts.min() / counts.sum():.0%} "
                "of the data): a high accuracy can hide poor results on the rare class; "
                "check its recall above."
            )
    board = _searched(context.estimator.leaderboard_)
    if "beats_constant" in board and not board["beats_constant"].eq(True).any():
        notes.append(
            "No design the search tried did better on its validation data than a "
            "constant guess that ignores the inputs: this model has not learnt from "
            "the data, whatever the numbers above suggest."
        )
    if not trusted:
        notes.append(
            "The explanation maps failed a trust check (see above): do not base decisions on them."
        )
    return Section("caveats", "Caveats", [_html.bullets(notes)])


def _appendix(context: Context) -> Section:
    estimator = context.estimator
    lines: list[str] = []
    estimator.model_.summary(
        print_fn=lambda text, *args, **kwargs: lines.append(text), line_length=100
    )
    params = pd.Series(estimator.best_params_, name="value").to_frame()
    settings = {
        "estimator": type(estimator).__name__,
        "random_state": estimator.random_state,
        "max_trials": estimator.max_trials,
        "time_budget": estimator.time_budget,
        "tuner": estimator.tuner,
        "best validation score": estimator.best_score_,
        **_versions(),
    }
    return Section(
        "appendix",
        "Technical appendix",
        [
            _html.paragraphs(["Best hyperparameters:"]),
            _html.table(params, digits=6),
            _html.paragraphs(["Settings, seeds and versions:"]),
            _html.table(pd.Series(settings, name="value").astype(str).to_frame()),
            _html.paragraphs(["Architecture:"]),
            _html.preformatted(_strip_rich("\n".join(lines))),
        ],
    )


def _accuracy(y: np.ndarray, pred: np.ndarray) -> float:
    return float(np.mean(y == pred))


def _r2(y: np.ndarray, pred: np.ndarray) -> float:
    from sklearn.metrics import r2_score

    return float(r2_score(y, pred))


def _bootstrap(context: Context, metric: Any) -> tuple[float, float, float]:
    """The metric and its 95% percentile bootstrap interval over the report's rows."""
    y, pred, n = context.y, context.pred, len(context.y)
    values = []
    for _ in range(BOOTSTRAP_ROUNDS):
        rows = context.rng.integers(0, n, n)
        values.append(metric(y[rows], pred[rows]))
    low, high = np.nanpercentile(values, [2.5, 97.5])
    return metric(y, pred), float(low), float(high)


def _budget(estimator: Any) -> str:
    parts = []
    if estimator.max_trials is not None:
        parts.append(f"a budget of {estimator.max_trials} trials")
    if estimator.time_budget is not None:
        parts.append(f"{estimator.time_budget:g} seconds")
    return " and ".join(parts) or "no budget"


def _list(values: Any, limit: int = 10) -> str:
    shown = [_html.quote(v) for v in list(values)[:limit]]
    more = len(values) - limit
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    import keras

    found = {
        "python": platform.python_version(),
        "keras backend": keras.config.backend(),
    }
    for package in (
        "autodeep",
        "keras",
        "tensorflow",
        "optuna",
        "scikit-learn",
        "numpy",
        "pandas",
    ):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            continue
    return found


def _strip_rich(text: str) -> str:
    """Keras' summary without terminal colour codes."""
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", text)
