"""autodeep estimators inside scikit-learn's tools: clone, Pipeline, search, CV, pickle."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_wine
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline

from autodeep import TabularClassifier, TabularRegressor
from tests.conftest import FAST


def test_clone_keeps_params_and_drops_fit(cancer):
    X_train, _, y_train, _ = cancer
    clf = TabularClassifier(**FAST, search_space={"depth": (1, 2)}).fit(
        X_train, y_train
    )
    copy = clone(clf)
    assert copy.get_params() == clf.get_params()
    assert not hasattr(copy, "model_")


@pytest.mark.slow
def test_pipeline_with_sklearn_step(cancer):
    X_train, X_test, y_train, y_test = cancer
    pipe = make_pipeline(PCA(n_components=10), TabularClassifier(**FAST))
    pipe.fit(X_train, y_train)
    assert pipe.score(X_test, y_test) > 0.9


@pytest.mark.slow
def test_grid_search_over_an_autodeep_parameter():
    X, y = load_wine(return_X_y=True)
    grid = GridSearchCV(
        TabularClassifier(**{**FAST, "max_epochs": 30}),
        {"scaler": ["standard", "quantile"]},
        cv=2,
    )
    grid.fit(X, y)
    assert grid.best_params_["scaler"] in ("standard", "quantile")
    assert grid.best_score_ > 0.85
    assert len(grid.cv_results_["mean_test_score"]) == 2


@pytest.mark.slow
def test_cross_val_score_regressor(diabetes):
    X_train, _, y_train, _ = diabetes
    scores = cross_val_score(
        TabularRegressor(**{**FAST, "max_epochs": 40}), X_train, y_train, cv=2
    )
    assert scores.shape == (2,) and np.all(scores > 0.2)


def test_pickle_round_trip_gives_identical_predictions(cancer):
    X_train, X_test, y_train, _ = cancer
    clf = TabularClassifier(**FAST).fit(X_train, y_train)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(
        restored.predict_proba(X_test), clf.predict_proba(X_test)
    )
    assert restored.best_params_ == clf.best_params_
