"""What the estimators' parameters may be, checked once at the start of ``fit``.

Each parameter on its own is described by scikit-learn's declarative constraints
(``_parameter_constraints``, read by ``BaseEstimator._validate_params``): the shared
ones here, the modality's in its mixin, merged per estimator in ``estimators.py``.
A value refused for a reason the constraint cannot tell (SMOTE on images) is listed in
``_parameter_refusals`` with that reason, and :func:`check_combinations` refuses what
only a combination of parameters makes wrong. Nothing here reads the data.
"""

from __future__ import annotations

import os
from numbers import Integral, Real
from typing import Any

from joblib import effective_n_jobs
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    StrOptions,
)

from autodeep.search import PRUNERS, TUNERS

Constraints = dict[str, Any]

# The names preprocessing.tabular.SCALERS and preprocessing.imbalance.RESAMPLERS
# accept, spelled out so that `import autodeep` does not load the preprocessing (a
# test checks that they agree).
SCALER_NAMES = ("standard", "minmax", "robust", "quantile", "robust_clip")
RESAMPLER_NAMES = ("smote", "random_over", "random_under")
# Images and texts are resampled by repeating or dropping rows, never by SMOTE.
ROW_RESAMPLER_NAMES = ("random_over", "random_under")

_POSITIVE_INT = Interval(Integral, 1, None, closed="left")

COMMON_CONSTRAINTS: Constraints = {
    "max_trials": [_POSITIVE_INT, None],
    "time_budget": [Interval(Real, 0, None, closed="neither"), None],
    "max_epochs": [_POSITIVE_INT],
    # Keys and values are checked against the modality's space (apply_overrides).
    "search_space": [dict, None],
    "pruner": [StrOptions({p for p in PRUNERS if p is not None}), None],
    # make_scorer checks it, with a message that names scorers and says how to write
    # a callable one.
    "scoring": "no_validation",
    "ensemble_size": [_POSITIVE_INT, None],
    "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
    "cv": [_POSITIVE_INT, StrOptions({"auto"}), None],
    "n_iter_no_change": [_POSITIVE_INT],
    "refit": ["boolean", StrOptions({"auto"})],
    "tuner": [StrOptions(set(TUNERS))],
    # make_storage checks it, with a message that gives an example of each form.
    "storage": "no_validation",
    "study_name": [str, None],
    "n_jobs": [
        Interval(Integral, None, -1, closed="right"),
        Interval(Integral, 1, None, closed="left"),
        None,
    ],
    "directory": [str, os.PathLike, None],
    "random_state": ["random_state"],
    "verbose": [Interval(Integral, 0, 2, closed="both")],
}

CLASSIFIER_CONSTRAINTS: Constraints = {
    # Keys are checked against the classes once y is known (use_class_weight).
    "class_weight": [StrOptions({"balanced"}), dict, None],
    "calibration": [StrOptions({"temperature"}), None],
}


def resampling_constraints(names: tuple[str, ...]) -> Constraints:
    """``resampling=``: one of ``names``, an imbalanced-learn sampler, or None."""
    return {"resampling": [StrOptions(set(names)), HasMethods("fit_resample"), None]}


def refuse_values(estimator: Any, refusals: dict[str, dict[str, str]]) -> None:
    """Refuse a parameter value listed in ``refusals`` with the reason given there
    (before the constraints, whose message could only say it is not among those
    allowed). Parameters the estimator does not have are skipped."""
    params = estimator.get_params(deep=False)
    for name, reasons in refusals.items():
        value = params.get(name)
        if isinstance(value, str) and value in reasons:
            raise InvalidParameterError(reasons[value])


def check_combinations(estimator: Any) -> None:
    """Refuse parameters that are valid one by one but not together."""
    from autodeep._scoring import make_scorer

    if estimator.max_trials is None and estimator.time_budget is None:
        raise ValueError(
            "Set max_trials, time_budget or both: the search needs a limit."
        )
    make_scorer(estimator.scoring)  # a bad scoring fails here, early
    if estimator.storage is not None and callable(estimator.scoring):
        raise ValueError(
            "A persistent study (storage=) records scoring by name, so that every "
            "worker and every resumed fit ranks trials alike; pass a scorer name "
            "such as 'balanced_accuracy' rather than a callable."
        )
    n_jobs = effective_n_jobs(estimator.n_jobs)
    if n_jobs > 1 and estimator.tuner != "optuna":
        raise ValueError(
            f"n_jobs={estimator.n_jobs!r} needs tuner='optuna': KerasTuner searches "
            "run in one process here. Use tuner='optuna' for parallel search."
        )
    if estimator.storage is not None and estimator.tuner != "optuna":
        raise ValueError(
            "storage= keeps an Optuna study; with a KerasTuner tuner, use "
            "directory= to keep its project files."
        )
    if estimator.storage is not None or n_jobs > 1:
        from autodeep.search._storage import make_storage

        make_storage(estimator.storage, n_jobs)  # a bad storage fails here, early
