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


def confusion_matrix(y_true: Any, y_pred: Any, labels: Sequence[Any]) -> bytes:
    """Counts of each (true, predicted) pair, drawn by scikit-learn's
    ``ConfusionMatrixDisplay``: true classes down, predicted across."""
    from sklearn.metrics import ConfusionMatrixDisplay

    size = max(3.5, 0.45 * len(labels) + 2)
    figure = _figure(size, size * 0.85)
    ax = figure.add_subplot()
    ConfusionMatrixDisplay.from_predictions(
        y_true,
        y_pred,
        labels=list(labels),
        display_labels=[str(label) for label in labels],
        ax=ax,
        cmap="Blues",
        colorbar=False,
        xticks_rotation=45,
    )
    for tick in ax.get_xticklabels():
        tick.set_horizontalalignment("right")
    ax.set_xlabel("predicted")
    ax.set_ylabel("actual")
    return to_png(figure)


def residuals(y_true: np.ndarray, y_pred: np.ndarray) -> bytes:
    """Actual against predicted values (scikit-learn's ``PredictionErrorDisplay``;
    on the dashed diagonal the prediction is exact) and a histogram of the errors."""
    from matplotlib.ticker import AutoLocator
    from sklearn.metrics import PredictionErrorDisplay

    figure = _figure(8, 3.4)
    left, right = figure.subplots(1, 2)
    PredictionErrorDisplay.from_predictions(
        y_true,
        y_pred,
        kind="actual_vs_predicted",
        subsample=None,  # every example, as the caption says
        ax=left,
        scatter_kwargs={"s": 10, "alpha": 0.6, "color": BLUE},
        line_kwargs={"color": GREY, "linestyle": "--"},
    )
    # The display puts ticks at five evenly spaced raw values (47.0, 115.5...).
    left.xaxis.set_major_locator(AutoLocator())
    left.yaxis.set_major_locator(AutoLocator())
    left.set_xlabel("predicted")
    left.set_ylabel("actual")
    left.set_title("actual vs predicted")
    right.hist(y_pred - y_true, bins=30, color=BLUE)
    right.set_xlabel("predicted - actual")
    right.set_title("errors")
    return to_png(figure)


def search_progress(
    trials: pd.DataFrame,
    score: str,
    metric: str,
    *,
    chosen: int | None,
    ensemble: float | None,
    curves: dict[str, list[float]],
    refit: bool,
) -> bytes:
    """Each trial's ``score`` (what the search ranked by) with the best so far, the
    chosen trial starred and the ensemble's score dashed; and per-epoch ``curves``:
    the refit's training loss (``refit``) or the chosen trial's training and
    validation curves."""
    figure = _figure(8, 3.2)
    left, right = figure.subplots(1, 2)
    done = trials[trials["state"] == "complete"].sort_values("trial")
    if len(done):
        values = done[score].astype(float).to_numpy()
        higher = higher_is_better(score)
        best = np.fmax.accumulate(values) if higher else np.fmin.accumulate(values)
        left.scatter(done["trial"], values, color=BLUE, s=14, label="trial")
        left.plot(done["trial"], best, color=RED, label="best so far")
        picked = done[done["trial"] == chosen]
        if len(picked):
            left.scatter(
                picked["trial"],
                picked[score].astype(float),
                marker="*",
                s=160,
                color=RED,
                edgecolor="black",
                zorder=3,
                label="chosen",
            )
        if ensemble is not None:
            left.axhline(ensemble, color=GREY, linestyle="--", label="ensemble")
        left.legend(loc="best", fontsize=8)
    left.xaxis.get_major_locator().set_params(integer=True)
    left.set_xlabel("trial")
    left.set_ylabel(f"validation {metric}")
    left.set_title("search")
    handles = []
    if "loss" in curves:
        epochs = range(1, len(curves["loss"]) + 1)
        handles += right.plot(epochs, curves["loss"], color=BLUE, label="training loss")
        right.set_ylabel("training loss")
    validation = curves.get("val_objective")
    if not refit and validation:
        twin = right.twinx()
        handles += twin.plot(
            range(1, len(validation) + 1),
            validation,
            color=RED,
            linestyle="--",
            label="validation (early stopping)",
        )
        twin.set_ylabel("validation objective")
    right.set_xlabel("epoch")
    right.set_title("final model, refit on all rows" if refit else "chosen trial")
    if handles:
        right.legend(handles=handles, loc="upper right", fontsize=8)
    return to_png(figure)


def reliability(tables: dict[str, pd.DataFrame]) -> bytes:
    """Reliability diagram: per confidence bin, how often the most likely class was
    right against how sure the model said it was (``autodeep._calibration.
    reliability`` tables, one line each); on the dashed diagonal they agree. A dot's
    area grows with the rows in its bin, so that a bin of one or two answers, which
    can only be right 0 % or 100 % of the time, does not look like a finding."""
    figure = _figure(4.6, 3.8)
    ax = figure.add_subplot()
    ax.plot([0, 1], [0, 1], color=GREY, linestyle="--", linewidth=1)
    styles = ((BLUE, "o", "-"), (RED, "s", ":"))
    for (label, table), (color, marker, line) in zip(
        tables.items(), styles, strict=False
    ):
        ax.plot(
            table["confidence"],
            table["accuracy"],
            color=color,
            linestyle=line,
            marker=marker,
            markersize=4,
            label=label,
        )
        share = table["rows"].to_numpy() / max(1, int(table["rows"].sum()))
        ax.scatter(
            table["confidence"],
            table["accuracy"],
            s=12 + 300 * share,
            marker=marker,
            color=color,
            zorder=3,
        )
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("how sure the model said it was")
    ax.set_ylabel("how often it was right")
    ax.legend(loc="upper left", fontsize=8)
    return to_png(figure)


def attack_curves(table: pd.DataFrame, measure: str, xlabel: str) -> bytes:
    """``measure`` against the attack's size, one line per attack. The vertical axis
    starts at 0 (and accuracy ends at 1), so a small drop looks small."""
    figure = _figure(4.6, 3.4)
    ax = figure.add_subplot()
    styles = ((BLUE, "o", "-"), (RED, "s", "--"))
    for (attack, curve), (color, marker, line) in zip(
        table.groupby("attack"), styles, strict=False
    ):
        ax.plot(
            curve["epsilon"],
            curve[measure],
            marker=marker,
            linestyle=line,
            color=color,
            label=attack,
        )
    top = 1.02 if measure == "accuracy" else 1.05 * float(table[measure].max())
    ax.set_ylim(0, top)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(measure)
    ax.legend(loc="best", fontsize=8)
    return to_png(figure)


def higher_is_better(score: str) -> bool:
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


def signed_bars(
    names: Sequence[str], values: np.ndarray, xlabel: str, top: int = 10
) -> bytes:
    order = np.argsort(-np.abs(values))[:top][::-1]
    figure = _figure(5.0, max(2.0, 0.28 * len(order) + 0.8))
    ax = figure.add_subplot()
    ax.barh(
        [str(names[i]) for i in order],
        values[order],
        color=[RED if values[i] < 0 else BLUE for i in order],
    )
    ax.axvline(0, color=GREY, linewidth=0.8)
    ax.set_xlabel(xlabel)
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


def attribution_overlay(
    image: np.ndarray, attribution: np.ndarray, signed: bool, label: str
) -> bytes:
    """One image in grey with its attribution map laid over it, and a colour bar.

    Signed maps use a diverging map centred on zero (blue for positive, red for
    negative); magnitudes a one-sided heat map from zero."""
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    figure = _figure(3.6, 2.8)
    ax = figure.add_subplot()
    grey = image.mean(axis=-1) if image.ndim == 3 else image
    ax.imshow(grey, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    values = attribution if signed else np.abs(attribution)
    top = (
        float(np.percentile(np.abs(values), 99.5)) or float(np.abs(values).max()) or 1.0
    )
    norm = Normalize(-top if signed else 0.0, top, clip=True)
    cmap = colormaps["RdBu" if signed else "inferno"]
    colours = cmap(norm(values))
    # Weak attributions stay see-through so the image shows where nothing mattered.
    colours[..., 3] = 0.05 + 0.6 * np.clip(np.abs(values) / top, 0.0, 1.0)
    ax.imshow(colours, interpolation="nearest")
    ax.set_axis_off()
    bar = figure.colorbar(ScalarMappable(norm, cmap), ax=ax, shrink=0.85)
    bar.set_label(label, fontsize=8)
    bar.ax.tick_params(labelsize=7)
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
