"""Training one Keras model: callbacks for pruning, NaN loss and the time budget."""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np

from autodeep import _backend
from autodeep._data import Batches, blocks, is_lazy

MONITOR = "val_objective"
PREDICT_BATCH = 256


class TrialFailed(Exception):
    """A trial that cannot give a usable model (NaN loss, no epoch finished)."""


@dataclass
class TrainOutcome:
    """What one call of :func:`train` observed."""

    epochs_run: int = 0
    best_epoch: int = 0
    best_value: float = math.inf
    pruned: bool = False
    timed_out: bool = False
    nan_loss: bool = False
    history: dict[str, list[float]] = field(default_factory=dict)
    seconds: float = 0.0
    # The validation outputs of the best epoch, whose weights early stopping restores.
    best_outputs: np.ndarray | None = None


class _Monitor(keras.callbacks.Callback):
    """Score the validation part each epoch, report it for pruning, stop on NaN/deadline.

    The score is computed here with a direct model call rather than by Keras' own
    validation pass, which rebuilds its input pipeline every epoch; it is written into
    ``logs`` so that callbacks after this one (early stopping) see it. The best epoch's
    outputs are kept, so that nobody predicts the validation part once more.

    An epoch cut short by the deadline is not scored when an earlier one was: its
    weights are not kept (early stopping restores the best epoch's), and scoring it
    would run past the budget for nothing (a recurrent network's validation pass can
    take seconds).
    """

    def __init__(
        self,
        outcome: TrainOutcome,
        deadline: float,
        validation: tuple[np.ndarray, np.ndarray] | None,
        objective: Callable[[np.ndarray, np.ndarray], float] | None,
        report: Callable[[float, int], bool] | None,
    ) -> None:
        super().__init__()
        self.outcome = outcome
        self.deadline = deadline
        self.validation = validation
        self.objective = objective
        self.report = report

    def on_train_batch_end(
        self, batch: int, logs: dict[str, Any] | None = None
    ) -> None:
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            self.outcome.nan_loss = True
            self.model.stop_training = True
        elif time.monotonic() > self.deadline:
            self.outcome.timed_out = True
            self.model.stop_training = True

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.outcome.epochs_run = epoch + 1
        if self.validation is None or self.objective is None or logs is None:
            return
        if self.outcome.timed_out and self.outcome.best_epoch > 0:
            return
        X_val, y_val = self.validation
        outputs = predict_array(self.model, X_val)
        value = float(self.objective(y_val, outputs))
        logs[MONITOR] = value
        if not math.isfinite(value):
            self.outcome.nan_loss = True
            self.model.stop_training = True
            return
        if value < self.outcome.best_value:
            self.outcome.best_value, self.outcome.best_epoch = value, epoch + 1
            self.outcome.best_outputs = outputs
        if self.report is not None and self.report(value, epoch):
            self.outcome.pruned = True
            self.model.stop_training = True


def train(
    model: keras.Model,
    data: tuple[Any, np.ndarray],
    *,
    epochs: int,
    batch_size: int,
    deadline: float,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
    patience: int | None = None,
    objective: Callable[[np.ndarray, np.ndarray], float] | None = None,
    class_weight: dict[int, float] | None = None,
    report: Callable[[float, int], bool] | None = None,
    learning_rate: Callable[[int], float] | None = None,
    verbose: int = 0,
) -> TrainOutcome:
    """Fit ``model``; with ``validation`` and ``patience``, keep the weights of the
    best epoch, and its validation outputs as ``best_outputs``.

    ``objective(y_val, outputs)`` scores the validation part after each epoch (lower is
    better); ``report(value, epoch)`` receives that score and returns True to prune;
    ``learning_rate(epoch)`` (0-based) sets the optimizer's rate at each epoch's start.
    """
    outcome = TrainOutcome()
    monitor = _Monitor(outcome, deadline, validation, objective, report)
    callbacks: list[keras.callbacks.Callback] = [monitor]
    if learning_rate is not None:
        callbacks.append(
            keras.callbacks.LearningRateScheduler(lambda epoch, _: learning_rate(epoch))
        )
    if validation is not None and patience is not None:
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor=MONITOR,
                mode="min",
                patience=patience,
                restore_best_weights=True,
            )
        )
    start = time.monotonic()
    X, y = data
    batch_size = min(batch_size, len(y))
    if is_lazy(X):
        inputs: dict[str, Any] = {"x": Batches(X, y, batch_size, seed=len(y))}
    else:
        inputs = {"x": X, "y": y, "batch_size": batch_size, "shuffle": True}
    with _backend.traces_owned_by(model), warnings.catch_warnings():
        # An epoch cut by the deadline has no score (see _Monitor); early stopping
        # warns of the missing value and keeps the best epoch's weights all the same.
        warnings.filterwarnings("ignore", message="Early stopping conditioned on")
        history = model.fit(
            **inputs,
            epochs=epochs,
            class_weight=class_weight,
            callbacks=callbacks,
            verbose=verbose,
        )
    outcome.seconds = time.monotonic() - start
    outcome.history = {k: [float(v) for v in vs] for k, vs in history.history.items()}
    if outcome.nan_loss:
        raise TrialFailed(
            f"loss became NaN or infinite in epoch {outcome.epochs_run + 1}"
        )
    if validation is not None and outcome.best_epoch == 0:
        raise TrialFailed("the time budget ran out before the first epoch ended")
    if patience is None:
        # No early stopping restored the best epoch: the model holds the last one's.
        outcome.best_outputs = None
    return outcome


def predict_array(model: keras.Model, X: Any) -> np.ndarray:
    """Model outputs for ``X`` (an array or a lazy source) in inference mode.

    Rows go through the network in blocks of exactly ``PREDICT_BATCH`` (the last one
    padded), so a row's prediction never depends on which other rows came with it:
    kernels for different batch shapes round differently.
    """
    if len(X) == 0:
        return np.zeros((0, *model.output_shape[1:]), dtype=np.float32)
    parts = []
    for block in blocks(X, PREDICT_BATCH):
        size = len(block)
        if size < PREDICT_BATCH:
            pad = np.zeros((PREDICT_BATCH - size, *block.shape[1:]), dtype=block.dtype)
            block = np.concatenate([block, pad])
        outputs = keras.ops.convert_to_numpy(model(block, training=False))
        parts.append(outputs[:size])
    return np.concatenate(parts).astype(np.float32)
