"""Optuna studies for autodeep's search: names, storages, samplers, pruners, and the
refusal to resume or join a study that holds another search."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import optuna

from autodeep.search import PRUNERS
from autodeep.search._storage import load_study, make_storage
from autodeep.search._types import SEED_MAX

if TYPE_CHECKING:
    from autodeep.search._types import Settings


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


def study_name(settings: Settings) -> str:
    """The user's name; otherwise one per seed in memory and "autodeep" in a storage.

    Hyperband assigns trials to brackets by hashing the study name, so an in-memory
    study must not get a random one: results would vary between runs.
    """
    if settings.study_name is not None:
        return settings.study_name
    return f"autodeep-{settings.seed}" if settings.storage is None else "autodeep"


def open_study(settings: Settings, create: bool) -> optuna.Study:
    """Create or load the study; its sampler is seeded per worker.

    ``create``: this process starts the search, so it records what the search is
    (``settings.study_attrs``) and queues the default configuration when the study is
    new. Otherwise the study must exist, and must be a search on the same data.
    """
    storage = make_storage(settings.storage, settings.n_jobs)
    name = study_name(settings)
    pruner = make_pruner(settings.pruner, settings.max_epochs)
    if create:
        study = optuna.create_study(
            storage=storage,
            study_name=name,
            direction="minimize",
            pruner=pruner,
            load_if_exists=True,
        )
    else:
        found = load_study(settings.storage, name, pruner=pruner)
        if found is None:
            raise ValueError(
                f"No study named {name!r} in storage {settings.storage!r}; start the "
                "search first (fit, or `autodeep fit ... --storage`)."
            )
        study = found
    _check_same_search(study, settings, create)
    study.sampler = make_sampler(settings, len(study.get_trials(deepcopy=False)))
    return study


def make_sampler(settings: Settings, started: int) -> optuna.samplers.BaseSampler:
    """TPE, seeded per worker and per resumption.

    ``started`` is how many trials the study already holds. A sampler seeded the same
    way on every resumption would replay its first draws: the resumed trials would
    repeat the finished ones. A new search (``started == 0``) keeps the plain seed.
    """
    seed = settings.seed + 7919 * settings.worker + 104729 * started
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return optuna.samplers.TPESampler(
            seed=seed % SEED_MAX, multivariate=True, group=True
        )


def _check_same_search(study: optuna.Study, settings: Settings, create: bool) -> None:
    recorded = study.user_attrs.get("autodeep")
    if recorded is not None:
        _refuse_other_search(study.study_name, recorded, settings.study_attrs)
    if create and settings.study_attrs:
        # A resumed fit may change the budget: workers that join follow the new one.
        study.set_user_attr("autodeep", {**(recorded or {}), **settings.study_attrs})


def _refuse_other_search(
    name: str, recorded: Mapping[str, Any], mine: Mapping[str, Any]
) -> None:
    """Refuse to resume or join a study that holds another search.

    Trials of two searches in one study would be ranked together, and the model
    returned could come from outside the space this fit asked for.
    """
    fresh = (
        "To start a fresh search, pass another study_name (or delete the storage "
        "file); to resume this one, use the settings it was started with."
    )
    if mine.get("estimator") is not None:
        theirs = str(recorded.get("estimator", "")).removeprefix("autodeep.estimators.")
        if theirs != mine["estimator"]:
            raise ValueError(
                f"Study {name!r} holds a search of a {theirs}, and this fit is a "
                f"{mine['estimator']}. {fresh}"
            )
    if mine.get("data") is not None and recorded.get("data") != mine["data"]:
        raise ValueError(
            f"Study {name!r} holds a search on different data "
            f"({recorded.get('data')!r}, this fit: {mine['data']!r}). Use the same "
            f"training data to resume it. {fresh}"
        )
    theirs_search, my_search = recorded.get("search"), mine.get("search")
    if theirs_search is None or my_search is None:
        return  # recorded by an earlier autodeep, or a worker that records nothing
    for key in sorted(set(theirs_search) | set(my_search)):
        before, now = theirs_search.get(key), my_search.get(key)
        if before == now:
            continue
        if key == "space":
            changed = sorted(
                d
                for d in set(before or {}) | set(now or {})
                if (before or {}).get(d) != (now or {}).get(d)
            )
            detail = (
                f"its search space differs in {changed} (study: "
                f"{[(before or {}).get(d) for d in changed]}, this fit: "
                f"{[(now or {}).get(d) for d in changed]})"
            )
        else:
            detail = f"it was started with {key}={before!r}, this fit has {key}={now!r}"
        raise ValueError(f"Study {name!r} holds another search: {detail}. {fresh}")


def recorded_seed(settings: Settings) -> int | None:
    """The seed a persistent study was started with (so its split is reused), if any."""
    study = load_study(settings.storage, study_name(settings))
    if study is None:
        return None
    seed = study.user_attrs.get("autodeep", {}).get("seed")
    return None if seed is None else int(seed)
