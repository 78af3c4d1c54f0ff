"""Split-conformal prediction sets (classifiers) and intervals (regressors).

At fit, the chosen model's validation outputs (rows its trials did not train on, the
same outputs the ensemble and the temperature are fitted on) give one
*nonconformity score* per row:

- classifiers, LAC (least ambiguous set-valued classifier; Sadinle et al., 2019):
  ``1 - p(true class)`` with the calibrated probabilities ``predict_proba`` returns;
- regressors: the absolute residual ``|y - prediction|`` in the target's units (one
  column per target).

At predict, with ``n`` scores and level ``alpha``, the threshold ``q`` is the
``ceil((n + 1)(1 - alpha))``-th smallest score; a class is in the set when its
score ``1 - p`` is at most ``q`` (``p >= 1 - q``), and the interval is
``prediction +- q``. When
the scores and the new row are exchangeable this covers the truth with probability at
least ``1 - alpha``. With too few scores for ``alpha`` (``(n + 1)(1 - alpha) > n``)
the threshold is infinite: every class, an unbounded interval.
"""

from __future__ import annotations

import math

import numpy as np


def class_scores(proba: np.ndarray, y_codes: np.ndarray) -> np.ndarray:
    """LAC scores: one minus the probability of each row's true class."""
    proba = np.asarray(proba, dtype=np.float64)
    return 1.0 - proba[np.arange(len(y_codes)), np.asarray(y_codes, dtype=np.int64)]


def residual_scores(truth: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Absolute residuals, one column per target (1-D for one target)."""
    return np.abs(np.asarray(truth, np.float64) - np.asarray(predicted, np.float64))


def check_alpha(alpha: float) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)):
        raise ValueError(f"alpha must be a number between 0 and 1; got {alpha!r}.")
    if not 0.0 < float(alpha) < 1.0:
        raise ValueError(
            f"alpha must be between 0 and 1 (exclusive); got {alpha}. It is the "
            "share of cases allowed to fall outside: alpha=0.1 asks for 90 % coverage."
        )
    return float(alpha)


def threshold(scores: np.ndarray, alpha: float) -> np.ndarray:
    """The conformal quantile of ``scores`` (per column) at level ``alpha``: the
    ``ceil((n + 1)(1 - alpha))``-th smallest, or infinity when that rank is above
    ``n``."""
    scores = np.asarray(scores, dtype=np.float64)
    n = scores.shape[0]
    rank = math.ceil((n + 1) * (1.0 - check_alpha(alpha)))
    if rank > n:
        return np.full(scores.shape[1:], np.inf)
    return np.sort(scores, axis=0)[rank - 1]


def fewest_rows(alpha: float) -> int:
    """Scores needed for a finite threshold at ``alpha``."""
    return math.ceil((1.0 - alpha) / alpha)
