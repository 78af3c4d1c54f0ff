"""scikit-learn's own estimator checks, run on every estimator."""

from __future__ import annotations

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from autodeep import (
    ImageClassifier,
    ImageRegressor,
    TabularClassifier,
    TabularRegressor,
)

# The contract, not the search, is under test, so each fit is as short as it can be:
# one validation split (cv=None; cv="auto" gives the checks' tiny tables five folds,
# which triples each fit) and no refit (which would double it). Folds and the refit
# have their own tests (test_cv.py; the save, pickle and accuracy tests refit).
SETTINGS = {
    "max_trials": 1,
    "max_epochs": 10,
    "random_state": 0,
    "verbose": 0,
    "cv": None,
    "refit": False,
}
# The checks feed 2-D arrays, which image estimators read as one-row images (with a
# warning); a small CNN with a hidden dense layer keeps them quick and accurate enough.
IMAGE_SETTINGS = {
    **SETTINGS,
    "max_epochs": 15,
    "search_space": {
        "stages": 1,
        "filters": 16,
        "convs_per_stage": 1,
        "dense_units": 32,
    },
}

EXPECTED_FAILED: dict[str, str] = {}


@pytest.mark.slow
@parametrize_with_checks(
    [
        TabularClassifier(**SETTINGS, reference_model=False),
        TabularRegressor(**SETTINGS, reference_model=False),
        ImageClassifier(**IMAGE_SETTINGS),
        ImageRegressor(**IMAGE_SETTINGS),
    ],
    expected_failed_checks=lambda estimator: EXPECTED_FAILED,
)
def test_sklearn_contract(estimator, check):
    check(estimator)
