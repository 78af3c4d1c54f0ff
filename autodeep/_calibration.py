"""Calibrated class probabilities: temperature scaling (Guo et al., 2017).

One number, the temperature ``T``, divides the log-probabilities of every class before
they are normalized again: ``p_k ** (1 / T) / sum_j p_j ** (1 / T)``. ``T > 1`` softens
an overconfident model, ``T < 1`` sharpens an underconfident one; the most likely
class, and so ``predict``, never changes. ``T`` is fitted after the search on the
chosen model's validation outputs (rows the model did not train on), by the
validation loss the search used, so class weights weigh the classes here too. Working
on probabilities rather than logits makes it apply unchanged to an ensemble's
average.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar

# The temperatures searched: a model this far off is broken, not miscalibrated.
LOWEST, HIGHEST = 0.2, 20.0
# Equal-width confidence bins of the expected calibration error.
BINS = 15


def scaled(proba: np.ndarray, temperature: float | None) -> np.ndarray:
    """``proba`` (rows of class probabilities) at ``temperature`` (None: unchanged)."""
    proba = np.asarray(proba, dtype=np.float64)
    if temperature is None or temperature == 1.0:
        return proba / proba.sum(axis=1, keepdims=True)
    logits = np.log(np.clip(proba, 1e-12, 1.0)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=1, keepdims=True)


def _log_loss(
    proba: np.ndarray, y_codes: np.ndarray, class_ratio: np.ndarray | None
) -> float:
    picked = proba[np.arange(len(y_codes)), y_codes]
    losses = -np.log(np.clip(picked, 1e-12, 1.0))
    weights = None if class_ratio is None else class_ratio[y_codes]
    return float(np.average(losses, weights=weights))


def fit_temperature(
    proba: np.ndarray, y_codes: np.ndarray, class_ratio: np.ndarray | None = None
) -> float:
    """The temperature that minimizes the (class-weighted) log loss of ``proba`` on
    the true classes ``y_codes``, between ``LOWEST`` and ``HIGHEST``."""
    proba = np.asarray(proba, dtype=np.float64)
    y_codes = np.asarray(y_codes, dtype=np.int64)

    def loss(log_t: float) -> float:
        return _log_loss(scaled(proba, float(np.exp(log_t))), y_codes, class_ratio)

    found = minimize_scalar(
        loss, bounds=(np.log(LOWEST), np.log(HIGHEST)), method="bounded"
    )
    temperature = float(np.exp(found.x))
    if temperature < LOWEST * 1.01:
        # At the lower bound the loss was still falling: every validation row is
        # classified right, and sharper probabilities always score better there.
        # That says nothing about new rows, so the model is kept as it is.
        return 1.0
    # The bounded search need not try T = 1 itself: keep the model as it is unless
    # scaling does better.
    return temperature if loss(found.x) < loss(0.0) else 1.0


def reliability(
    proba: np.ndarray, y_codes: np.ndarray, bins: int = BINS
) -> pd.DataFrame:
    """Top-label reliability: per equal-width bin of confidence (the largest
    probability) with rows in it, the bin's edges, ``rows``, mean ``confidence`` and
    ``accuracy`` (the share whose most likely class is the true one)."""
    proba = np.asarray(proba, dtype=np.float64)
    confidence = proba.max(axis=1)
    correct = proba.argmax(axis=1) == np.asarray(y_codes)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    rows = []
    for b in np.unique(which):
        inside = which == b
        rows.append(
            {
                "low": edges[b],
                "high": edges[b + 1],
                "rows": int(inside.sum()),
                "confidence": float(confidence[inside].mean()),
                "accuracy": float(correct[inside].mean()),
            }
        )
    return pd.DataFrame(rows, columns=["low", "high", "rows", "confidence", "accuracy"])


def calibration_error(
    proba: np.ndarray, y_codes: np.ndarray, bins: int = BINS
) -> float:
    """Expected calibration error (top label, ``bins`` equal-width bins): the
    row-weighted mean gap between confidence and accuracy, 0 when calibrated."""
    table = reliability(proba, y_codes, bins)
    gaps = (table["confidence"] - table["accuracy"]).abs()
    return float(np.average(gaps, weights=table["rows"]))
