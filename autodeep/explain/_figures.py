"""Figures for the report, drawn with matplotlib's object API and returned as PNG bytes.

``matplotlib.figure.Figure`` needs no GUI backend and no global state, so reports can
be written from servers and worker processes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

BLUE, RED, GREY = "#2471a3", "#c0392b", "#7f8c8d"


def _figure(width: float = 6.0, height: float = 3.6) -> Any:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    return figure


def to_png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def confusion_matrix(matrix: np.ndarray, labels: Sequence[str]) -> bytes:
    size = max(3.5, 0.45 * len(labels) + 2)
    figure = _figure(size, size * 0.85)
    ax = figure.add_subplot()
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("actual")
    threshold = matrix.max() / 2 if matrix.size else 0
    for (row, column), count in np.ndenumerate(matrix):
        color = "white" if count > threshold else "black"
        ax.text(column, row, str(count), ha="center", va="center", color=color)
    return to_png(figure)


def residuals(y_true: np.ndarray, y_pred: np.ndarray) -> bytes:
    figure = _figure(8, 3.4)
    left, right = figure.subplots(1, 2)
    left.scatter(y_true, y_pred, s=10, alpha=0.6, color=BLUE)
    low, high = (
        float(min(y_true.min(), y_pred.min())),
        float(max(y_true.max(), y_pred.max())),
    )
    left.plot([low, high], [low, high], color=GREY, linestyle="--")
    left.set_xlabel("actual")
    left.set_ylabel("predicted")
    left.set_title("predicted vs actual")
    right.hist(y_pred - y_true, bins=30, color=BLUE)
    right.set_xlabel("predicted - actual")
    right.set_title("errors")
    return to_png(figure)


def search_progress(
    leaderboard: pd.DataFrame, score: str, history: dict[str, Any]
) -> bytes:
    """Each trial's score with the best so far, and the final model's loss per epoch."""
    figure = _figure(8, 3.2)
    left, right = figure.subplots(1, 2)
    done = leaderboard[leaderboard["state"] == "complete"].sort_values("trial")
    if len(done):
        values = done[score].astype(float).to_numpy()
        best = (
            np.fmax.accumulate(values)
            if _higher_is_better(score)
            else np.fmin.accumulate(values)
        )
        left.scatter(done["trial"], values, color=BLUE, s=14, label="trial")
        left.plot(done["trial"], best, color=RED, label="best so far")
        left.legend(loc="best", fontsize=8)
    left.xaxis.get_major_locator().set_params(integer=True)
    left.set_xlabel("trial")
    left.set_ylabel(score)
    left.set_title("search")
    for name, values in history.items():
        right.plot(range(1, len(values) + 1), values, label=name)
    right.set_xlabel("epoch")
    right.set_title("final model training")
    if history:
        right.legend(loc="best", fontsize=8)
    return to_png(figure)


def _higher_is_better(score: str) -> bool:
    return not score.endswith("loss")


def importance_bars(importance: pd.Series, title: str, top: int = 15) -> bytes:
    shown = importance.head(top)[::-1]
    figure = _figure(6.5, max(2.4, 0.3 * len(shown) + 1))
    ax = figure.add_subplot()
    colors = [RED if v < 0 else BLUE for v in shown.to_numpy()]
    ax.barh([str(i) for i in shown.index], shown.to_numpy(), color=colors)
    ax.set_title(title)
    ax.set_xlabel("mean absolute attribution")
    return to_png(figure)


def signed_bars(names: Sequence[str], values: np.ndarray, top: int = 10) -> bytes:
    order = np.argsort(-np.abs(values))[:top][::-1]
    figure = _figure(5.0, max(2.0, 0.28 * len(order) + 0.8))
    ax = figure.add_subplot()
    ax.barh(
        [str(names[i]) for i in order],
        values[order],
        color=[RED if values[i] < 0 else BLUE for i in order],
    )
    ax.axvline(0, color=GREY, linewidth=0.8)
    ax.set_xlabel("attribution: toward (blue) / away (red)")
    return to_png(figure)


def image_grid(
    images: Sequence[np.ndarray], titles: Sequence[str], columns: int = 5
) -> bytes:
    """A grid of RGB or grayscale images, drawn without smoothing (small images stay sharp)."""
    rows = max(1, -(-len(images) // columns))
    figure = _figure(1.8 * columns, 1.9 * rows)
    axes = np.atleast_1d(figure.subplots(rows, columns)).reshape(-1)
    for ax in axes:
        ax.set_axis_off()
    for ax, image, title in zip(axes, images, titles, strict=False):
        cmap = "gray" if image.ndim == 2 or image.shape[-1] == 1 else None
        ax.imshow(np.squeeze(image), cmap=cmap, interpolation="nearest")
        ax.set_title(title, fontsize=9)
    return to_png(figure)


def deletion_curves(curve: np.ndarray, random_curve: np.ndarray, ylabel: str) -> bytes:
    figure = _figure(4.6, 3.0)
    ax = figure.add_subplot()
    fractions = np.linspace(0, 100, len(curve))
    ax.plot(fractions, curve, color=BLUE, label="most important first")
    ax.plot(fractions, random_curve, color=GREY, linestyle="--", label="random order")
    ax.set_xlabel("% of the input removed")
    ax.set_ylabel(ylabel)
    ax.legend(loc="best", fontsize=8)
    return to_png(figure)
