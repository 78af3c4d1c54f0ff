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

# One validation split (cv=None): the checks' tiny tables would otherwise get cv="auto"'s
# five folds, which triples each fit and tests nothing more of the contract (folds have
# their own tests in test_cv.py).
SETTINGS = {
    "max_trials": 1,
    "max_epochs": 10,
    "random_state": 0,
    "verbose": 0,
    "cv": None,
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
        TabularClassifier(**SETTINGS),
        TabularRegressor(**SETTINGS),
        ImageClassifier(**IMAGE_SETTINGS),
        ImageRegressor(**IMAGE_SETTINGS),
    ],
    expected_failed_checks=lambda estimator: EXPECTED_FAILED,
)
def test_sklearn_contract(estimator, check):
    check(estimator)
