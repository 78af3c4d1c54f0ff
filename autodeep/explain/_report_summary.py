"""The report's sections on the model's quality: the summary (the headline metric
with a 95% confidence interval, a simple baseline, the search) and how well it works
(confusion matrix and per-class table, or predicted against actual values)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from autodeep._ensemble import STATE as ENSEMBLE
from autodeep._ensemble import member_count
from autodeep._intervals import wilson_interval
from autodeep._reference import STATE as REFERENCE
from autodeep.explain import _figures as figures
from autodeep.explain import _html
from autodeep.explain._report_board import (
    held_out,
    metric_words,
    score_column,
    searched,
)
from autodeep.explain._report_data import Context, Section, column, list_words

BOOTSTRAP_ROUNDS = 1000


def summary(context: Context) -> Section:
    estimator = context.estimator
    if context.classifier:
        texts = _classifier_summary(context)
    else:
        texts = _regressor_summary(context)
    board = searched(estimator.leaderboard_)
    completed = int((board["state"] == "complete").sum())
    seconds = float(estimator.timings_.get("total", 0.0))
    texts.append(
        f"It was trained on {getattr(estimator, 'n_samples_fit_', 'the')} "
        f"{context.noun}s. The automatic search tried {len(board)} network "
        f"designs ({completed} completed) in {seconds:.0f} seconds "
        f"({_budget(estimator)})."
    )
    for sentence in (_ensemble_sentence(estimator), _reference_sentence(estimator)):
        if sentence:
            texts.append(sentence)
    return Section("summary", "Summary", [_html.paragraphs(texts)])


def _classifier_summary(context: Context) -> list[str]:
    """What the model does, its accuracy with a Wilson interval, and the majority
    class as a baseline; sets ``context.interval``."""
    n = len(context.y)
    right = int(np.sum(context.y == context.pred))
    low, high = wilson_interval(right, n)
    context.interval = (low, high)
    values, counts = np.unique(context.y, return_counts=True)
    majority = values[counts.argmax()]
    return [
        f"This model sorts each {context.noun} into one of {len(context.classes)} "
        f"classes: {_list(context.classes)}.",
        f"On the {n} labelled {context.noun}s in this report it is right "
        + _html.bold(f"{right / n:.1%}")
        + f" of the time ({right} of {n}; 95% confidence interval {low:.1%} to "
        f"{high:.1%}, Wilson score interval).",
        f"Always answering the most common class ({_html.quote(majority)}) would "
        f"be right {counts.max() / n:.1%} of the time.",
    ]


def _regressor_summary(context: Context) -> list[str]:
    """What the model does, its R² with a bootstrap interval and its mean absolute
    error, and the average as a baseline; sets ``context.interval``."""
    n = len(context.y)
    r2, low, high = _r2_interval(context)
    context.interval = (low, high)
    error = float(np.mean(np.abs(column(context.pred) - column(context.y))))
    naive = float(np.mean(np.abs(column(context.y) - column(context.y).mean())))
    return [
        f"This model predicts a number for each {context.noun}.",
        f"On the {n} labelled {context.noun}s in this report it explains "
        + _html.bold(f"{r2:.0%}")
        + f" of the variation (R², 95% confidence interval {low:.0%} to {high:.0%}, "
        f"percentile bootstrap over the {context.noun}s); its mean absolute error is "
        f"{error:.3g}, in the target's units.",
        "Always predicting the average would have a mean absolute error of "
        f"{naive:.3g}.",
    ]


def _r2_interval(context: Context) -> tuple[float, float, float]:
    """R² and its 95% percentile bootstrap interval over the report's rows."""
    from scipy.stats import bootstrap
    from sklearn.metrics import r2_score

    y, pred = context.y, context.pred

    def r2(rows: np.ndarray) -> float:
        return float(r2_score(y[rows], pred[rows]))

    # Resampling row positions keeps each row's target and prediction together, for
    # one or several targets.
    result = bootstrap(
        (np.arange(len(y)),),
        r2,
        n_resamples=BOOTSTRAP_ROUNDS,
        vectorized=False,
        confidence_level=0.95,
        method="percentile",
        rng=context.rng,
    )
    interval = result.confidence_interval
    return float(r2_score(y, pred)), float(interval.low), float(interval.high)


def _ensemble_sentence(estimator: Any) -> str | None:
    """What the model is when it averages several designs."""
    board = estimator.leaderboard_
    rows = board[board["state"] == ENSEMBLE]
    if rows.empty:
        return None
    members = member_count(board)
    score = score_column(board)
    if score == "val_loss":
        scores = f"a validation loss of {float(rows[score].iloc[0]):.4g}"
    else:
        scores = (
            f"{metric_words(score)} {float(rows[score].iloc[0]):.3f} on "
            f"{held_out(estimator)}, where the best single design scored "
            f"{float(estimator.best_score_):.3f}"
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
    score = score_column(board)
    if rows.empty or score == "val_loss":
        return None
    reference = float(rows[score].iloc[0])
    network = float(estimator.best_score_)
    verdict = "did better than" if network > reference else "did not do better than"
    if network == reference:
        verdict = "did as well as"
    return (
        "For comparison, gradient-boosted trees (a standard non-deep method, "
        "scikit-learn's HistGradientBoosting) were trained on the same rows during the "
        f"search{_reference_columns(estimator)} and scored {metric_words(score)} {reference:.3f} on the same "
        f"{held_out(estimator).removeprefix('the ')}, where the best network design "
        f"scored {network:.3f}: the network {verdict} the trees there."
    )


def _reference_columns(estimator: Any) -> str:
    """What the trees read, when they could not read every column."""
    types = getattr(estimator, "column_types_", {})
    skipped = [str(c) for c, kind in types.items() if kind in ("text", "image")]
    if not skipped:
        return ""
    names = list_words([_html.quote(c) for c in skipped])
    return f" (on every column but {names}, which trees cannot read)"


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


PRECISION_WORDS = (
    _html.italic("Precision")
    + ": when the model says this class, how often it is right. "
    + _html.italic("Recall")
    + ": of the true cases of this class, how many the model finds."
)


def performance(context: Context) -> Section:
    section = Section("performance", "How well it works")
    if not context.classifier:
        section.blocks.append(
            _html.figure(
                figures.residuals(column(context.y), column(context.pred)),
                "Left: each dot is one example; on the dashed line the prediction is "
                "exact. Right: how far off the predictions are.",
            )
        )
        return section
    labels = list(context.classes)
    section.blocks.append(
        _html.figure(
            figures.confusion_matrix(context.y, context.pred, labels),
            "Rows are the true class, columns the predicted one; the diagonal "
            "counts correct answers.",
        )
    )
    section.blocks.append(_html.paragraphs([PRECISION_WORDS]))
    section.blocks.append(_html.table(_per_class(context, labels), digits=3))
    return section


def _per_class(context: Context, labels: list[Any]) -> pd.DataFrame:
    """Precision, recall and number of examples of each class."""
    from sklearn.metrics import classification_report

    report = classification_report(
        context.y, context.pred, labels=labels, output_dict=True, zero_division=0
    )
    return pd.DataFrame(
        {
            str(c): {
                "precision": report[str(c)]["precision"],
                "recall": report[str(c)]["recall"],
                "examples": int(report[str(c)]["support"]),
            }
            for c in labels
        }
    ).T.astype({"examples": int})
