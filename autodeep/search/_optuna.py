"""Optuna behind autodeep's search interface: samplers, pruners, leaderboard."""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Mapping
from typing import Any

import numpy as np
import optuna
import pandas as pd

from autodeep.search import PRUNERS
from autodeep.search_spaces._space import (
    Choice,
    Dimension,
    Fixed,
    Float,
    Int,
    SearchSpace,
    sample,
)

STATES = {
    optuna.trial.TrialState.COMPLETE: "complete",
    optuna.trial.TrialState.PRUNED: "pruned",
    optuna.trial.TrialState.FAIL: "failed",
    optuna.trial.TrialState.RUNNING: "running",
    optuna.trial.TrialState.WAITING: "waiting",
}


def create_study(seed: int, pruner: str | None, max_epochs: int) -> optuna.Study:
    """An in-memory study minimizing the validation objective, seeded for repeatability."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        sampler = optuna.samplers.TPESampler(seed=seed, multivariate=True, group=True)
    # Hyperband assigns trials to brackets by hashing the study name: an unnamed study
    # gets a random one, which would make pruning (and so results) vary between runs.
    return optuna.create_study(
        study_name=f"autodeep-{seed}",
        direction="minimize",
        sampler=sampler,
        pruner=make_pruner(pruner, max_epochs),
    )


def make_pruner(pruner: str | None, max_epochs: int) -> optuna.pruners.BasePruner:
    if pruner == "hyperband":
        return optuna.pruners.HyperbandPruner(
            min_resource=1, max_resource=max_epochs, reduction_factor=3
        )
    if pruner == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=3)
    if pruner is None:
        return optuna.pruners.NopPruner()
    raise ValueError(f"pruner must be one of {list(PRUNERS)}; got {pruner!r}.")


def suggest(trial: optuna.Trial) -> Any:
    """Adapt an Optuna trial to :func:`autodeep.search_spaces.sample`."""

    def draw(name: str, dim: Dimension) -> Any:
        if isinstance(dim, Int):
            return trial.suggest_int(name, dim.low, dim.high, log=dim.log)
        if isinstance(dim, Float):
            return trial.suggest_float(name, dim.low, dim.high, log=dim.log)
        if isinstance(dim, Choice):
            return trial.suggest_categorical(name, list(dim.options))
        raise TypeError(f"Cannot sample {type(dim).__name__} dimension {name!r}.")

    return draw


def sample_params(space: SearchSpace, trial: optuna.Trial) -> dict[str, Any]:
    """One configuration for ``trial``; fixed values are recorded as user attributes."""
    params = sample(space, suggest(trial))
    fixed = {k: v for k, v in params.items() if k not in trial.params}
    trial.set_user_attr("fixed_params", fixed)
    return params


def enqueue_default(
    study: optuna.Study, space: SearchSpace, default: Mapping[str, Any]
) -> None:
    """Try a known-good configuration first, keeping only values inside the space."""
    params = {}
    for name, value in default.items():
        base = name.rsplit("_", 1)[0] if name not in space else name
        dim = space.get(base)
        if dim is not None and not isinstance(dim, Fixed) and _contains(dim, value):
            params[name] = value
    if params:
        study.enqueue_trial(params)


def _contains(dim: Dimension, value: Any) -> bool:
    if isinstance(dim, Choice):
        return value in dim.options
    if isinstance(dim, (Int, Float)):
        return dim.low <= value <= dim.high
    return False


def trial_params(trial: optuna.trial.FrozenTrial) -> dict[str, Any]:
    return {**trial.params, **trial.user_attrs.get("fixed_params", {})}


def leaderboard(study: optuna.Study, score_name: str) -> pd.DataFrame:
    """One row per trial, best first: state, score, objective, epochs, seconds, params."""
    rows = []
    for trial in study.trials:
        attrs = trial.user_attrs
        rows.append(
            {
                "trial": trial.number,
                "state": STATES.get(trial.state, trial.state.name.lower()),
                "score": attrs.get("score", np.nan),
                "val_loss": attrs.get("best_value", np.nan),
                "epochs": attrs.get("epochs", 0),
                "seconds": attrs.get("seconds", np.nan),
                "reason": attrs.get("reason", ""),
                **trial_params(trial),
            }
        )
    board = pd.DataFrame(rows)
    if board.empty:
        return board
    board = board.rename(columns={"score": f"val_{score_name}"})
    order = board["state"].map({"complete": 0, "pruned": 1}).fillna(2)
    board = board.assign(_order=order).sort_values(["_order", "val_loss", "trial"])
    return board.drop(columns="_order").reset_index(drop=True)


def most_common_failure(study: optuna.Study) -> str:
    reasons = [t.user_attrs.get("reason", "unknown error") for t in study.trials]
    reason, count = Counter(reasons).most_common(1)[0]
    return f"{reason} ({count} of {len(reasons)} trials)"
