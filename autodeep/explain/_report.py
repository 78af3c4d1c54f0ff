"""The stakeholder report: one self-contained HTML file a non-specialist can read.

This module writes the file, chooses the rows to explain, and builds the caveats and
the technical appendix. The other sections are in their own modules: the summary and
how well the model works in :mod:`autodeep.explain._report_summary`, the search in
:mod:`autodeep.explain._report_search`, and the sections built on explanations in
:mod:`autodeep.explain._report_drivers`, :mod:`autodeep.explain._report_examples`
and :mod:`autodeep.explain._report_checks`. The markup is in
:mod:`autodeep.explain._html` and its templates.
"""

from __future__ import annotations

import os
import platform
from typing import Any

import numpy as np
import pandas as pd

from autodeep._fairness import groups_of
from autodeep.explain import _html
from autodeep.explain._explanation import Explanation
from autodeep.explain._report_board import number, searched
from autodeep.explain._report_certainty import certainty
from autodeep.explain._report_checks import explain_and_check, trust
from autodeep.explain._report_data import Context, Section, take_rows
from autodeep.explain._report_drivers import drivers
from autodeep.explain._report_examples import examples
from autodeep.explain._report_fairness import by_group
from autodeep.explain._report_robustness import fooled
from autodeep.explain._report_search import search
from autodeep.explain._report_summary import performance, summary

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
    sensitive_features: Any = None,
) -> str:
    """Write the report for ``estimator`` on labelled data ``(X, y)``; return its path."""
    from sklearn.utils.validation import check_is_fitted

    from autodeep.explain._subjects import subject_class

    check_is_fitted(estimator, "model_")
    kind = subject_class(estimator).kind
    y = estimator._validate_y(X, y)
    if sensitive_features is not None:
        groups_of(X, sensitive_features)  # a bad argument fails before any work
    rng = np.random.default_rng(random_state)
    context = Context(estimator, X, y, kind, rng)
    context.sample = sample = _explained_rows(context, sample_size)
    explanation, checks = explain_and_check(context, take_rows(X, sample), check_size)
    sections = [
        summary(context),
        performance(context),
        certainty(context),
        None if sensitive_features is None else by_group(context, sensitive_features),
        fooled(context),
        search(context),
        drivers(context, explanation),
        examples(context, explanation),
        trust(context, checks),
        _caveats(context, explanation, checks.passed),
        _appendix(context),
    ]
    shown = [section for section in sections if section is not None]
    document = _html.page(f"Model report: {type(estimator).__name__}", shown)
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
    board = searched(context.estimator.leaderboard_)
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
        {k: number(v) for k, v in estimator.best_params_.items()}, name="value"
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
