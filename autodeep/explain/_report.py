"""The stakeholder report: one self-contained HTML file a non-specialist can read.

Everything is computed here and rendered by :mod:`autodeep.explain._html`: metrics
with bootstrap confidence intervals, a simple baseline, the search, what drives the
predictions, chosen examples with their explanations, and the trust checks.
"""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from autodeep.explain import _figures as figures
from autodeep.explain._explanation import Explanation
from autodeep.explain._trust import deletion_check, randomization_check

BOOTSTRAP_ROUNDS = 1000
NOUNS = {"tabular": "row", "image": "image", "text": "text"}


@dataclass
class Section:
    """One part of the report: an id, a title and HTML blocks (already escaped)."""

    id: str
    title: str
    blocks: list[str] = field(default_factory=list)


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

    from autodeep.explain import _html
    from autodeep.explain._subjects import make_subject

    check_is_fitted(estimator, "model_")
    kind = make_subject(estimator, _rows(X, [0])).kind
    y = estimator._validate_y(X, y)
    rng = np.random.default_rng(random_state)
    sample = np.sort(rng.choice(len(y), size=min(sample_size, len(y)), replace=False))
    context = _Context(estimator, X, y, kind, sample, rng)
    explanation = estimator.explain(_rows(X, sample))
    checked = sample[: min(check_size, len(sample))]
    sections = [
        _summary(context),
        _performance(context),
        _search(context),
        _drivers(context, explanation),
        _examples(context, explanation),
        _trust(context, explanation, checked),
        _caveats(context, explanation),
        _appendix(context),
    ]
    document = _html.page(f"Model report: {type(estimator).__name__}", sections)
    with open(path, "w", encoding="utf-8") as file:
        file.write(document)
    return os.fspath(path)


class _Context:
    """The data and predictions every section reads."""

    def __init__(
        self,
        estimator: Any,
        X: Any,
        y: np.ndarray,
        kind: str,
        sample: np.ndarray,
        rng: np.random.Generator,
    ) -> None:
        self.estimator, self.X, self.y, self.kind = estimator, X, y, kind
        self.sample, self.rng = sample, rng
        self.classes: Any = getattr(estimator, "classes_", None)
        self.noun = NOUNS[kind]
        if self.classes is not None:
            self.proba = estimator.predict_proba(X)
            self.pred = self.classes[self.proba.argmax(axis=1)]
        self.trust: tuple[Any, Any] | None = None
        if self.classes is None:
            self.proba = None
            self.pred = np.asarray(estimator.predict(X))
            self.y = np.asarray(y, dtype=np.float64)

    @property
    def classifier(self) -> bool:
        return self.classes is not None


# -- sections --------------------------------------------------------------------------


def _summary(context: _Context) -> Section:
    from autodeep.explain import _html

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
        error = float(np.mean(np.abs(_column(context.pred) - _column(context.y))))
        naive = float(np.mean(np.abs(_column(context.y) - _column(context.y).mean())))
        what = f"This model predicts a number for each {context.noun}."
        headline = (
            f"On the {n} labelled {context.noun}s in this report it explains "
            f"<b>{r2:.0%}</b> of the variation (R², 95% confidence interval {low:.0%} "
            f"to {high:.0%}); its typical error is {error:.3g}."
        )
        baseline = (
            f"Always predicting the average would have a typical error of {naive:.3g}."
        )
    board = estimator.leaderboard_
    completed = int((board["state"] == "complete").sum())
    seconds = float(estimator.timings_.get("total", 0.0))
    budget = _budget(estimator)
    search = (
        f"It was trained on {getattr(estimator, 'n_samples_fit_', 'the')} "
        f"{context.noun}s. The automatic search tried {len(board)} network "
        f"designs ({completed} completed) in {seconds:.0f} seconds ({budget})."
    )
    return Section(
        "summary", "Summary", [_html.paragraphs([what, headline, baseline, search])]
    )


def _performance(context: _Context) -> Section:
    from sklearn.metrics import classification_report, confusion_matrix

    from autodeep.explain import _html

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
                figures.residuals(_column(context.y), _column(context.pred)),
                "Left: each dot is one example; on the dashed line the prediction is "
                "exact. Right: how far off the predictions are.",
            )
        )
    return section


def _search(context: _Context) -> Section:
    from autodeep.explain import _html

    estimator = context.estimator
    board = estimator.leaderboard_
    score = next(
        (c for c in board.columns if c.startswith("val_") and c != "val_loss"),
        "val_loss",
    )
    section = Section("search", "How the model was found")
    section.blocks.append(
        _html.figure(
            figures.search_progress(board, score, estimator.history_),
            "Left: the validation score of every design the search tried. Right: the "
            "chosen design's training loss per epoch when it was refit.",
        )
    )
    shown = board.sort_values(score, ascending=score == "val_loss").head(10)
    section.blocks.append(_html.paragraphs(["The best designs (leaderboard):"]))
    section.blocks.append(
        _html.table(shown.drop(columns=["reason"], errors="ignore"), digits=4)
    )
    return section


def _drivers(context: _Context, explanation: Explanation) -> Section:
    from autodeep.explain import _html

    section = Section("drivers", "What drives the predictions")
    method = _method_words(explanation.method)
    if context.kind == "tabular":
        importance = pd.Series(explanation.global_importance())
        section.blocks.append(
            _html.figure(
                figures.importance_bars(importance, "average influence per column"),
                f"How much each column moved the predictions on average ({method}, "
                f"{len(explanation)} {context.noun}s). Longer bars matter more.",
            )
        )
        top = importance.head(15).rename("mean absolute attribution").to_frame()
        section.blocks.append(_html.table(top, digits=3))
    elif context.kind == "image":
        maps, titles = _class_average_maps(context, explanation)
        section.blocks.append(
            _html.figure(
                figures.image_grid(maps, titles),
                f"Where the model looks, averaged over the images of each predicted "
                f"class ({method}); bright areas matter more.",
            )
        )
    else:
        section.blocks.append(
            _html.paragraphs([f"Words that push toward each prediction ({method}):"])
        )
        section.blocks.append(_html.table(_top_tokens(context, explanation)))
    return section


def _examples(context: _Context, explanation: Explanation) -> Section:
    from autodeep.explain import _html

    section = Section("examples", "Examples, explained")
    section.blocks.append(
        _html.paragraphs(
            [
                "Chosen automatically: predictions the model was sure of and got right, "
                "ones it was sure of and got wrong, and borderline ones. Blue pushed "
                "toward the prediction being explained, red away from it."
            ]
        )
    )
    for group, positions in _pick_examples(context):
        for position in positions:
            section.blocks.append(_example(context, explanation, group, position))
    return section


def _trust(context: _Context, explanation: Explanation, checked: np.ndarray) -> Section:
    from autodeep.explain import _html

    estimator, rows = context.estimator, _rows(context.X, checked)
    method = explanation.method
    randomization = randomization_check(estimator, rows, method=method)
    deletion = deletion_check(estimator, rows, estimator.explain(rows, method=method))
    section = Section("trust", "Can the explanations be trusted?")
    section.blocks.append(
        _html.paragraphs(
            _trust_words(randomization, deletion, len(checked), context.noun)
        )
    )
    ylabel = (
        "probability of the class" if context.classifier else "predicted value (scaled)"
    )
    section.blocks.append(
        _html.figure(
            figures.deletion_curves(deletion.curve, deletion.random_curve, ylabel),
            "Deletion check: the prediction as more and more of the input is removed.",
        )
    )
    context.trust = (randomization, deletion)
    return section


def _caveats(context: _Context, explanation: Explanation) -> Section:
    from autodeep.explain import _html

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
        f"{context.noun}s, chosen at random.",
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
    trust = context.trust
    if trust and not (trust[0].passed and trust[1].passed):
        notes.append(
            "The explanation maps failed a trust check (see above): do not base decisions on them."
        )
    return Section("caveats", "Caveats", [_html.bullets(notes)])


def _appendix(context: _Context) -> Section:
    from autodeep.explain import _html

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


# -- helpers ---------------------------------------------------------------------------


def _rows(X: Any, positions: Any) -> Any:
    positions = np.asarray(positions)
    if isinstance(X, (pd.DataFrame, pd.Series)):
        return X.iloc[positions]
    if isinstance(X, np.ndarray):
        return X[positions]
    if hasattr(X, "paths"):  # ImagePaths
        return X.paths[positions]
    return [X[i] for i in positions]


def _column(values: Any) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    return array if array.ndim == 1 else array[:, 0]


def _accuracy(y: np.ndarray, pred: np.ndarray) -> float:
    return float(np.mean(y == pred))


def _r2(y: np.ndarray, pred: np.ndarray) -> float:
    from sklearn.metrics import r2_score

    return float(r2_score(y, pred))


def _bootstrap(context: _Context, metric: Any) -> tuple[float, float, float]:
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
    from autodeep.explain import _html

    shown = [_html.quote(v) for v in list(values)[:limit]]
    more = len(values) - limit
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _method_words(method: str) -> str:
    return {
        "integrated_gradients": "integrated gradients",
        "gradcam": "Grad-CAM",
        "smoothgrad": "SmoothGrad",
        "saliency": "gradients",
        "gradient_x_input": "gradient times input",
        "occlusion": "occlusion",
    }[method]


def _class_average_maps(
    context: _Context, explanation: Explanation
) -> tuple[list[np.ndarray], list[str]]:
    from matplotlib import colormaps

    heat = np.array([explanation.heatmap(i) for i in range(len(explanation))])
    predicted = context.pred[context.sample]
    groups = list(context.classes) if context.classifier else [None]
    maps, titles = [], []
    for label in groups[:20]:
        rows = np.ones(len(heat), bool) if label is None else predicted == label
        if rows.any():
            maps.append(colormaps["inferno"](heat[rows].mean(axis=0))[..., :3])
            titles.append("all" if label is None else f"{label} ({rows.sum()})")
    return maps, titles


def _top_tokens(
    context: _Context, explanation: Explanation, top: int = 8
) -> pd.DataFrame:
    frame = explanation.to_frame()
    labels = np.asarray(explanation.targets, dtype=object)
    frame["target"] = labels[frame["row"].to_numpy()]
    columns = {}
    for label, part in frame.groupby("target", sort=True):
        score = part.groupby("token")["attribution"].sum() / part["row"].nunique()
        best = score.sort_values(ascending=False).head(top)
        columns[str(label)] = [
            f"{token} ({value:+.2f})" for token, value in best.items()
        ]
    length = max((len(v) for v in columns.values()), default=0)
    return pd.DataFrame({k: v + [""] * (length - len(v)) for k, v in columns.items()})


def _pick_examples(context: _Context) -> list[tuple[str, list[int]]]:
    """Positions (within the explained sample) of 6 to 12 examples, by kind."""
    rows = context.sample
    y, pred = context.y[rows], context.pred[rows]
    if context.classifier:
        proba = np.sort(context.proba[rows], axis=1)
        confidence, margin = proba[:, -1], proba[:, -1] - proba[:, -2]
        right = np.flatnonzero(y == pred)
        wrong = np.flatnonzero(y != pred)
        groups = [
            ("Sure and right", right[np.argsort(-confidence[right])]),
            ("Sure and wrong", wrong[np.argsort(-confidence[wrong])]),
            ("Borderline", np.argsort(margin)),
        ]
    else:
        error = np.abs(_column(pred) - _column(y))
        order = np.argsort(error)
        middle = order[len(order) // 2 :]
        groups = [
            ("Most accurate", order),
            ("Furthest off", order[::-1]),
            ("Typical", middle),
        ]
    chosen: list[tuple[str, list[int]]] = []
    used: set[int] = set()
    quota = {name: 3 for name, _ in groups}
    shortfall = 0
    for name, candidates in groups:
        picked = [int(p) for p in candidates if p not in used][
            : quota[name] + shortfall
        ]
        used.update(picked)
        shortfall = quota[name] + shortfall - len(picked)
        chosen.append((name, picked))
    if shortfall and len(used) < 6:  # too few wrong or borderline: more right ones
        extra = [int(p) for p in groups[0][1] if p not in used][: 6 - len(used)]
        chosen[0] = (chosen[0][0], chosen[0][1] + extra)
    return [(name, picked) for name, picked in chosen if picked]


def _example(
    context: _Context, explanation: Explanation, group: str, position: int
) -> str:
    from autodeep.explain import _html

    row = context.sample[position]
    values = explanation.attributions[position]
    caption = _caption(context, explanation, row, position)
    if context.kind == "image":
        picture = figures.image_grid(
            [explanation.image(position), explanation.overlay(position)],
            ["image", "explanation"],
            columns=2,
        )
        body = _html.image(picture, width=320)
    elif context.kind == "text":
        body = _html.tokens(explanation.unit_names[position], values)
    else:
        body = _html.image(
            figures.signed_bars(explanation.unit_names[position], values), width=460
        )
    return _html.example(group, body, caption)


def _caption(
    context: _Context, explanation: Explanation, row: int, position: int
) -> str:
    from autodeep.explain import _html

    truth, predicted = context.y[row], context.pred[row]
    if context.classifier:
        confidence = float(context.proba[row].max())
        sure = "over 99%" if confidence > 0.99 else f"{confidence:.0%}"
        verdict = "right" if truth == predicted else "wrong"
        sentence = (
            f"Predicted {_html.quote(predicted)} with {sure} confidence; the "
            f"true class is {_html.quote(truth)}, so the model is {verdict}."
        )
    else:
        sentence = (
            f"Predicted {float(_column([predicted])[0]):.3g}; the true value is "
            f"{float(_column([truth])[0]):.3g}."
        )
    values = explanation.attributions[position]
    names = explanation.unit_names[position]
    if context.kind != "image" and len(values):
        top = int(np.argmax(np.abs(values)))
        sentence += f" What mattered most: {_html.quote(names[top])}."
    elif context.kind == "image":
        sentence += " The bright area is what the model relied on most."
    return sentence


def _trust_words(randomization: Any, deletion: Any, n: int, noun: str) -> list[str]:
    words = [
        f"Two standard checks were run on {n} {noun}s with the method used here "
        f"({_method_words(randomization.method)}).",
    ]
    if randomization.passed:
        words.append(
            "<b>Passed: sensitivity to the model.</b> When the model's learned weights "
            "are replaced by random ones, the explanations change completely (rank "
            f"correlation {randomization.correlation:.2f}; below 0.5 passes). So they "
            "reflect what the model learned."
        )
    else:
        words.append(
            "<b>Failed: sensitivity to the model.</b> The explanations look much the "
            "same for a model with random weights (rank correlation "
            f"{randomization.correlation:.2f}; below 0.5 passes). They may show the "
            "input's own structure rather than what the model learned."
        )
    if deletion.passed:
        words.append(
            "<b>Passed: faithfulness.</b> Removing the parts the explanations point at "
            "first lowers the prediction faster than removing random parts (area "
            f"under the curve {deletion.auc:.3f} against {deletion.random_auc:.3f})."
        )
    else:
        words.append(
            "<b>Failed: faithfulness.</b> Removing the parts the explanations point at "
            "does not lower the prediction faster than removing random parts (area "
            f"{deletion.auc:.3f} against {deletion.random_auc:.3f})."
        )
    verdict = (
        "The explanations can be trusted to show what this model relies on."
        if randomization.passed and deletion.passed
        else "Treat the explanations with caution."
    )
    words.append(f"<b>Verdict:</b> {verdict}")
    return words


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
