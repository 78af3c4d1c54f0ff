"""scikit-learn's own estimator checks, run on both tabular estimators."""

from __future__ import annotations

from sklearn.utils.estimator_checks import parametrize_with_checks

from autodeep import TabularClassifier, TabularRegressor

SETTINGS = {"max_trials": 1, "max_epochs": 10, "random_state": 0, "verbose": 0}

EXPECTED_FAILED: dict[str, str] = {}


@parametrize_with_checks(
    [TabularClassifier(**SETTINGS), TabularRegressor(**SETTINGS)],
    expected_failed_checks=lambda estimator: EXPECTED_FAILED,
)
def test_sklearn_contract(estimator, check):
    check(estimator)
