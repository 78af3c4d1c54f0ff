"""Post-hoc ensembling of the search's best trials.

Greedy ensemble selection with replacement (Caruana et al., 2004): start from nothing
and, ``size`` times, add the candidate whose inclusion gives the weighted average of
validation outputs (class probabilities, or standardized targets) with the lowest
validation objective (then the lowest validation loss, when a scorer ties), and keep
the best of those steps; a candidate may be picked several times. A member's weight is
the share of picks it got. Candidates are the best complete trials this process
trained, kept in memory with their weights and validation outputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from autodeep._model_parts import ENSEMBLE_AVERAGE

# How many of the best trials are kept as candidates.
CANDIDATES = 10
# The leaderboard state of the ensemble's row.
STATE = "ensemble"


@dataclass
class Candidate:
    """One complete trial, as the ensemble needs it."""

    number: int
    value: float
    params: dict[str, Any]
    epochs: int  # the trial's best epoch: how long a refit trains it
    weights: list[np.ndarray]
    outputs: np.ndarray  # validation outputs at the best epoch
    encoding: str = ""  # the trial's input encoding (text: its vectorizer settings)
    seconds: float = 0.0  # how long the trial took
    epochs_run: int = 0  # epochs it trained (past its best, waiting for early stopping)

    def refit_seconds(self, growth: float) -> float:
        """Estimated seconds to refit this trial on all rows (see
        :func:`refit_seconds`)."""
        return refit_seconds(self.seconds, self.epochs, self.epochs_run, growth)


def refit_seconds(
    seconds: float, best_epoch: int, epochs_run: int, growth: float
) -> float:
    """Estimated seconds to refit a trial on all rows: its ``seconds`` times ``growth``
    (all rows over the rows it trained on) and times the share of its epochs that a
    refit trains (its best epoch, plus one for building the model).

    The trial's own seconds would overestimate it several times over: a trial that
    peaked at epoch 3 of 13 ran ten epochs, waiting for early stopping, that a refit
    does not. With ``epochs_run`` unknown (0) the whole trial counts."""
    share = 1.0
    if epochs_run > 0:
        share = min(1.0, (best_epoch + 1) / epochs_run)
    return growth * seconds * share


def affordable(
    kept: list[Candidate], seconds_left: float, growth: float
) -> list[Candidate]:
    """The best of ``kept`` (always) and the next ones, in order, as long as their
    estimated refits (``growth``: all rows over a trial's rows) add up to no more than
    ``seconds_left``."""
    pool, needed = kept[:1], kept[0].refit_seconds(growth) if kept else 0.0
    for candidate in kept[1:]:
        needed += candidate.refit_seconds(growth)
        if needed > seconds_left:
            break
        pool.append(candidate)
    return pool


def keep(kept: list[Candidate], candidate: Candidate, limit: int) -> list[Candidate]:
    """``kept`` with ``candidate`` added, best (lowest value) first, at most ``limit``."""
    ranked = sorted([*kept, candidate], key=lambda c: (c.value, c.number))
    return ranked[: max(1, limit)]


def select(
    outputs: list[np.ndarray],
    objective: Any,
    y_val: np.ndarray,
    size: int,
) -> tuple[dict[int, float], tuple[float, float]]:
    """Member weights (index into ``outputs`` -> share of its picks) and the
    ensemble's validation rank: (objective, loss).

    Each of ``size`` steps adds the candidate whose inclusion ranks best; the
    ensemble returned is the best of the steps (Caruana's best prefix), so more
    steps never make it worse on validation. A rank is the objective, then the
    validation loss: a scorer such as balanced accuracy changes only when a
    prediction flips, so among averages that score the same the better-calibrated
    one is taken, not the first. Ties left go to the better-ranked candidate."""
    total = np.zeros_like(outputs[0], dtype=np.float64)
    counts = np.zeros(len(outputs), dtype=np.int64)
    best: tuple[tuple[float, float], np.ndarray] | None = None
    for step in range(1, size + 1):
        ranks = [rank(objective, y_val, (total + o) / step) for o in outputs]
        pick = min(range(len(outputs)), key=lambda i: ranks[i])
        counts[pick] += 1
        total += outputs[pick]
        if best is None or ranks[pick] < best[0]:
            best = (ranks[pick], counts.copy())
    assert best is not None, "size must be at least 1"
    picks = best[1].sum()
    weights = {int(i): float(n / picks) for i, n in enumerate(best[1]) if n}
    return weights, best[0]


def rank(objective: Any, y_val: np.ndarray, outputs: np.ndarray) -> tuple[float, float]:
    """How ``outputs`` rank on validation, lower is better: the objective, then the
    loss (the same number when the objective is the loss)."""
    value = objective(y_val, outputs)
    if getattr(objective, "scorer", None) is None:
        return value, value
    return value, objective.loss(y_val, outputs)


@dataclass
class Ensemble:
    """The selected members (best first), their weights, and the ensemble's
    validation objective, score and loss (optimistic: selected on that data), and its
    validation outputs."""

    members: list[Candidate]
    weights: list[float]
    value: float
    score: float
    loss: float
    outputs: np.ndarray

    def describe(self) -> str:
        parts = [
            f"trial {m.number} ({w:.2f})"
            for m, w in zip(self.members, self.weights, strict=True)
        ]
        return "weighted average of " + ", ".join(parts)


def choose(
    kept: list[Candidate], objective: Any, y_val: np.ndarray, size: int
) -> Ensemble | None:
    """The ensemble of ``kept`` candidates, or None when no average of two or more
    ranks better on validation than the best candidate alone (see :func:`select`).

    Members share the best candidate's input encoding, so they take one input.
    """
    if size < 2 or len(kept) < 2:
        return None
    pool = [c for c in kept if c.encoding == kept[0].encoding]
    if len(pool) < 2:
        return None
    outputs = [c.outputs for c in pool]
    picked, ranked = select(outputs, objective, y_val, size)
    if len(picked) < 2 or ranked >= rank(objective, y_val, pool[0].outputs):
        return None
    order = sorted(picked, key=lambda i: (-picked[i], i))
    members = [pool[i] for i in order]
    weights = [picked[i] for i in order]
    average: np.ndarray = np.sum(
        [w * m.outputs for m, w in zip(members, weights, strict=True)], axis=0
    )
    return Ensemble(
        members,
        weights,
        ranked[0],
        objective.score(y_val, average),
        objective.loss(y_val, average),
        average,
    )


def combine(members: list[Any], weights: list[float]) -> Any:
    """One Keras model whose output is the weighted average of ``members``' outputs."""
    import keras

    from autodeep._layers import WeightedAverage

    first = members[0]
    inputs = keras.Input(shape=first.input.shape[1:], dtype=first.input.dtype)
    # Each member gets its own name: the builders name every network alike.
    named = [
        keras.Model(m.input, m.output, name=f"member_{i}")
        for i, m in enumerate(members)
    ]
    outputs = WeightedAverage(weights, name=ENSEMBLE_AVERAGE)(
        [member(inputs) for member in named]
    )
    return keras.Model(inputs, outputs, name="ensemble")


def member_count(board: Any) -> int:
    """How many trials of a ``leaderboard_`` the ensemble averages (0 without one)."""
    if "ensemble_weight" not in board:
        return 0
    trials = board[board["state"] != STATE]
    return int((trials["ensemble_weight"] > 0).sum())


def members_of(model: Any) -> tuple[list[Any], list[float]] | None:
    """The member models and weights of a :func:`combine` model; None for a single
    network."""
    import keras

    try:
        average = model.get_layer(ENSEMBLE_AVERAGE)
    except ValueError:
        return None
    members = [layer for layer in model.layers if isinstance(layer, keras.Model)]
    return members, list(average.weights_)
