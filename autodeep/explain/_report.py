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
# A 95% interval wider than this (10 points of accuracy or R²) is called wide.
WIDE_INTERVAL = 0.10


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
    explanation, checks = explained.explain_and_check(
        context, take_rows(X, sample), check_size
    )
    sections = [
        _summary(context),
        _performance(context),
        _search(context),
        explained.drivers(context, explanation),
        explained.examples(context, explanation),
        explained.trust(context, checks),
        _caveats(context, explanation, checks.passed),
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
    context.added_mistakes = len(chosen)
    others = np.setdiff1d(np.arange(n), chosen)
    fill = context.rng.choice(others, size=size - len(chosen), replace=False)
    return np.sort(np.concatenate([chosen, fill]))


def _summary(context: Context) -> Section:
    estimator, n = context.estimator, len(context.y)
    if context.classifier:
        right = int(np.sum(context.y == context.pred))
        low, high = wilson_interval(right, n)
        context.interval = (low, high)
        values, counts = np.unique(context.y, return_counts=True)
        majority = values[counts.argmax()]
        what = (
            f"This model sorts each {context.noun} into one of {len(context.classes)} "
            f"classes: {_list(context.classes)}."
        )
        headline = (
            f"On the {n} labelled {context.noun}s in this report it is right "
            f"<b>{right / n:.1%}</b> of the time ({right} of {n}; 95% confidence "
            f"interval {low:.1%} to {high:.1%}, Wilson score interval)."
        )
        baseline = (
            f"Always answering the most common class ({_html.quote(majority)}) would "
            f"be right {counts.max() / n:.1%} of the time."
        )
    else:
        r2, low, high = _bootstrap(context, _r2)
        context.interval = (low, high)
        error = float(np.mean(np.abs(column(context.pred) - column(context.y))))
        naive = float(np.mean(np.abs(column(context.y) - column(context.y).mean())))
        what = f"This model predicts a number for each {context.noun}."
        headline = (
            f"On the {n} labelled {context.noun}s in this report it explains "
            f"<b>{r2:.0%}</b> of the variation (R², 95% confidence interval {low:.0%} "
            f"to {high:.0%}, percentile bootstrap over the {context.noun}s); its mean "
            f"absolute error is {error:.3g}, in the target's units."
        )
        baseline = (
            "Always predicting the average would have a mean absolute error of "
            f"{naive:.3g}."
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


def wilson_interval(successes: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """The Wilson score interval of a proportion (95% by default).

    Unlike a percentile bootstrap it does not collapse to one point when every (or
    no) prediction is right: 143 right out of 143 gives about 97.4% to 100%."""
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


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
        ).T.astype({"examples": int})
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
    ranked = _ranked_column(estimator)
    metric = _metric_words(ranked)
    refit = getattr(estimator, "refit_history_", None)  # None: not recorded
    section = Section("search", "How the model was found")
    trial, ensemble = _chosen_trial(board), _ensemble_score(board, ranked)
    picture = figures.search_progress(
        _searched(board),
        ranked,
        metric,
        chosen=trial,
        ensemble=ensemble,
        curves=refit or estimator.history_,
        refit=bool(refit),
    )
    chosen = (
        "" if trial is None else f" The star marks the chosen design (trial {trial})."
    )
    if ensemble is not None:
        chosen += " The dashed line is the weighted average of several designs."
    if refit:
        right = (
            "Right: the final model's training loss per epoch when the chosen design "
            f"was trained again on all {estimator.n_samples_fit_} rows (no rows were "
            "held out then, so there is no validation curve)."
        )
    elif refit is None:
        right = (
            "Right: the chosen trial's training loss and validation curve per epoch "
            "during the search (this model was saved by an earlier version, which "
            "did not record the final training)."
        )
    else:
        right = (
            "Right: the chosen trial's training loss and validation curve per epoch "
            "(it was kept as trained, without training it again on all rows)."
        )
    section.blocks.append(
        _html.figure(
            picture,
            f"Left: the validation {metric} of every design the search tried, and the "
            f"best so far (what the search ranked designs by).{chosen} {right}",
        )
    )
    order = "maximized" if figures.higher_is_better(ranked) else "minimized"
    section.blocks.append(
        _html.paragraphs(
            [f"The best designs, by validation {metric} (what the search {order}):"]
        )
    )
    section.blocks.append(_html.table(leaderboard_table(board), index=False))
    return section


def _ranked_column(estimator: Any) -> str:
    """The leaderboard column the search ranked trials by."""
    if getattr(estimator, "scoring", None) is None:
        return "val_loss"
    return _score_column(estimator.leaderboard_)


def _metric_words(column: str) -> str:
    return column.removeprefix("val_").replace("_", " ")


def _chosen_trial(board: pd.DataFrame) -> int | None:
    """The number of the best searched trial (the first ensemble member, if any)."""
    rows = _searched(board)
    rows = rows[rows["state"] == "complete"]
    return None if rows.empty else int(rows["trial"].iloc[0])


def _ensemble_score(board: pd.DataFrame, column: str) -> float | None:
    rows = board[board["state"] == ENSEMBLE]
    return None if rows.empty else float(rows[column].iloc[0])


# Leaderboard columns shown as they are; every other non-empty one is a parameter.
SHOWN = ("trial", "state", "ensemble_weight", "epochs", "seconds")
NOT_PARAMETERS = ("beats_constant", "reason", "objective")


def leaderboard_table(board: pd.DataFrame, top: int = 10) -> pd.DataFrame:
    """The report's leaderboard: the first ``top`` rows, one format per column, the
    scores rounded, and a trial's parameters in one "design" column (blank for a
    parameter the trial did not have) so the table fits a page."""
    board = board.head(top)
    columns = [str(c) for c in board.columns]
    scores = [c for c in columns if c.startswith("val_")]
    parameters = [c for c in columns if c not in (*SHOWN, *scores, *NOT_PARAMETERS)]
    table = pd.DataFrame(index=board.index)
    table["trial"] = [_integer(v) for v in board["trial"]]
    table["state"] = board["state"]
    for name in scores:
        table[_metric_words(name)] = [_fixed(v, 4) for v in board[name]]
    if "ensemble_weight" in board:
        table["weight in the model"] = [_fixed(v, 2) for v in board["ensemble_weight"]]
    table["epochs"] = [
        "" if s in (ENSEMBLE, REFERENCE) else _integer(v)
        for v, s in zip(board["epochs"], board["state"], strict=True)
    ]
    table["seconds"] = [_fixed(v, 1) for v in board["seconds"]]
    table["design"] = [
        _design(row, parameters)
        if row["state"] not in (ENSEMBLE, REFERENCE)
        else str(row.get("reason", ""))
        for _, row in board.iterrows()
    ]
    return table.reset_index(drop=True)


def _design(row: pd.Series, parameters: list[str]) -> str:
    parts = []
    for name in parameters:
        if not _missing(row[name]):
            parts.append(f"{name}={_number(row[name])}")
    return ", ".join(parts)


def _missing(value: Any) -> bool:
    return (
        value is None
        or value is pd.NA
        or (isinstance(value, (float, np.floating)) and np.isnan(value))
    )


def _integer(value: Any) -> str:
    return "" if _missing(value) else str(int(value))


def _fixed(value: Any, digits: int) -> str:
    return "" if _missing(value) else f"{float(value):.{digits}f}"


def _number(value: Any) -> str:
    """A parameter value: integers as integers, other numbers to 3 significant digits."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        return str(value)
    number = float(value)
    if number.is_integer() and abs(number) < 1e6:
        return str(int(number))
    return f"{number:.3g}"


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
        _sample_sentence(context, len(explanation)),
    ]
    low, high = context.interval
    if high - low > WIDE_INTERVAL:
        shown = "{:.1%}" if context.classifier else "{:.0%}"
        notes.append(
            f"The 95% confidence interval above is wide ({shown.format(low)} to "
            f"{shown.format(high)}): {n} labelled {context.noun}s are too few to "
            "pin the model's quality down; more labelled data would narrow it."
        )
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


def _sample_sentence(context: Context, explained: int) -> str:
    """Which rows the explanations were computed for, as it happened."""
    n, noun = len(context.y), context.noun
    if explained >= n:
        return f"The explanations were computed for all {n} {noun}s."
    added = context.added_mistakes
    sentence = (
        f"The explanations were computed for {explained} of the {n} {noun}s, "
        "chosen at random"
    )
    if added:
        mistakes = "mistake" if added == 1 else f"{added} mistakes"
        sentence += (
            f" except for the model's most confident {mistakes}, always included"
        )
    return sentence + "."


def _appendix(context: Context) -> Section:
    estimator = context.estimator
    lines: list[str] = []
    estimator.model_.summary(
        print_fn=lambda text, *args, **kwargs: lines.append(text), line_length=100
    )
    params = pd.Series(
        {k: _number(v) for k, v in estimator.best_params_.items()}, name="value"
    ).to_frame()
    settings = {
        "estimator": type(estimator).__name__,
        "random_state": estimator.random_state,
        "max_trials": estimator.max_trials,
        "time_budget": estimator.time_budget,
        "tuner": estimator.tuner,
        "best validation score": estimator.best_score_,
        **_versions(),
    }
    settings = {k: "none" if v is None else v for k, v in settings.items()}
    return Section(
        "appendix",
        "Technical appendix",
        [
            _html.paragraphs(["Best hyperparameters:"]),
            _html.table(params),
            _html.paragraphs(["Settings, seeds and versions:"]),
            _html.table(pd.Series(settings, name="value").astype(str).to_frame()),
            _html.paragraphs(["Architecture:"]),
            _html.preformatted(_strip_rich("\n".join(lines))),
        ],
    )


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
