"""Behaviour users rely on: accuracy on real data, label types, mixed columns, budget."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from autodeep import TabularClassifier, TabularRegressor
from tests.conftest import FAST, searched


@pytest.mark.slow
def test_classifier_accuracy_on_breast_cancer(cancer):
    X_train, X_test, y_train, y_test = cancer
    clf = TabularClassifier(**{**FAST, "max_trials": 2}).fit(X_train, y_train)
    assert clf.score(X_test, y_test) >= 0.93
    proba = clf.predict_proba(X_test)
    assert proba.shape == (len(X_test), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)


@pytest.mark.slow
def test_regressor_r2_on_diabetes(diabetes):
    X_train, X_test, y_train, y_test = diabetes
    reg = TabularRegressor(**{**FAST, "max_trials": 2, "max_epochs": 60}).fit(
        X_train, y_train
    )
    assert reg.score(X_test, y_test) >= 0.3
    # Predictions come back in the target's units, not standardized ones.
    assert abs(reg.predict(X_test).mean() - y_test.mean()) < 0.5 * y_test.std()


def test_fitted_attributes(cancer):
    X_train, _, y_train, _ = cancer
    clf = TabularClassifier(**{**FAST, "max_trials": 2}).fit(X_train, y_train)
    board = searched(clf.leaderboard_)
    assert len(board) == 2
    for column in (
        "trial",
        "state",
        "val_accuracy",
        "val_loss",
        "epochs",
        "seconds",
        "depth",
    ):
        assert column in board.columns
    assert set(board["state"]) <= {"complete", "pruned", "failed"}
    assert clf.best_params_["depth"] >= 1 and "learning_rate" in clf.best_params_
    assert 0.5 < clf.best_score_ <= 1.0
    assert clf.best_epochs_ >= 1
    assert "loss" in clf.history_ and "val_objective" in clf.history_
    assert list(clf.feature_names_in_) == list(X_train.columns)
    assert clf.n_features_in_ == X_train.shape[1]


@pytest.mark.slow
@pytest.mark.parametrize(
    "labels",
    [
        np.array(["cat", "dog"]),
        np.array([True, False]),
        np.array([3, 7]),
        pd.Categorical(["low", "high"]),
    ],
    ids=["str", "bool", "int", "category"],
)
def test_labels_come_back_in_their_type(labels):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    index = (X[:, 0] > 0).astype(int)
    y = (
        np.asarray(labels)[index]
        if not isinstance(labels, pd.Categorical)
        else labels[index]
    )
    clf = TabularClassifier(**FAST).fit(X, y)
    pred = clf.predict(X)
    assert set(pred) <= set(np.asarray(labels))
    assert type(pred[0]) is type(np.asarray(labels)[0])
    assert (pred == np.asarray(y)).mean() > 0.8


def mixed_frame(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "income": rng.normal(50, 15, n),
            "city": pd.Categorical(rng.choice(["paris", "rome", "oslo"], n)),
            "shop": rng.choice([f"shop{i}" for i in range(40)], n).astype(object),
            "member": rng.choice([True, False], n).astype(object),
            "signup": pd.Timestamp("2021-01-01")
            + pd.to_timedelta(rng.integers(0, 900, n), "D"),
        }
    )
    y = np.where((X["income"] > 50) ^ (X["city"] == "oslo"), "yes", "no")
    for column in X.columns:  # missing values in every kind of column
        X.loc[X.sample(frac=0.1, random_state=seed).index, column] = None
    return X, y


@pytest.mark.slow
def test_mixed_dataframe_with_missing_and_unseen_values():
    X, y = mixed_frame(400, seed=0)
    clf = TabularClassifier(**{**FAST, "max_epochs": 40}).fit(X, y)
    assert clf.preprocessor_.column_kinds_ == {
        "income": "numeric",
        "city": "categorical",
        "shop": "categorical",
        "member": "categorical",
        "signup": "datetime",
    }
    assert len(clf.preprocessor_.cardinalities_) == 1  # "shop" is embedded
    assert clf.score(X, y) > 0.75
    X_new = X.head(5).copy()
    X_new["city"] = pd.Categorical(["berlin", None, "rome", "paris", "oslo"])
    X_new["shop"] = ["brand-new", None, "shop1", "shop2", "shop3"]
    X_new["income"] = [np.nan, 1e6, 50, 50, 50]
    X_new["signup"] = pd.NaT
    assert clf.predict(X_new).shape == (5,)


@pytest.mark.slow
def test_same_random_state_same_result(cancer):
    X_train, X_test, y_train, _ = cancer
    first = TabularClassifier(**{**FAST, "max_trials": 2}).fit(X_train, y_train)
    second = TabularClassifier(**{**FAST, "max_trials": 2}).fit(X_train, y_train)
    assert first.best_params_ == second.best_params_
    np.testing.assert_array_equal(
        first.predict_proba(X_test), second.predict_proba(X_test)
    )


@pytest.mark.serial
@pytest.mark.slow
def test_time_budget_bounds_the_fit(cancer):
    X_train, _, y_train, _ = cancer
    budget = 20
    start = time.monotonic()
    clf = TabularClassifier(
        max_trials=None, time_budget=budget, random_state=0, verbose=0
    ).fit(X_train, y_train)
    elapsed = time.monotonic() - start
    # The contract: the fit ends within 10% or 30 s of the budget, whichever is larger.
    assert elapsed <= budget + max(0.1 * budget, 30)
    assert clf.timings_["total"] <= budget + max(0.1 * budget, 30)
    assert len(clf.leaderboard_) >= 1


@pytest.mark.slow
def test_search_space_override_is_respected(cancer):
    X_train, _, y_train, _ = cancer
    clf = TabularClassifier(
        **{**FAST, "max_trials": 3},
        search_space={"optimizer": "sgd", "depth": (1, 2), "activation": ["tanh"]},
    ).fit(X_train, y_train)
    for _, row in searched(clf.leaderboard_).iterrows():
        assert row["optimizer"] == "sgd" and row["activation"] == "tanh"
        assert 1 <= row["depth"] <= 2


@pytest.mark.slow
def test_failed_trial_is_recorded_and_search_goes_on(cancer):
    X_train, X_test, y_train, y_test = cancer
    clf = TabularClassifier(
        **{**FAST, "max_trials": 4, "pruner": None},
        search_space={
            "optimizer": "sgd",
            "learning_rate": [1e-2, 1e12],
            "batch_norm": False,
        },
    ).fit(X_train, y_train)
    board = clf.leaderboard_
    failed = board[board["state"] == "failed"]
    assert len(failed) >= 1
    assert failed["reason"].str.contains("NaN").all()
    assert clf.best_params_["learning_rate"] == 1e-2
    assert clf.score(X_test, y_test) > 0.9


def test_every_trial_failing_is_one_clear_error(cancer):
    X_train, _, y_train, _ = cancer
    clf = TabularClassifier(
        **{**FAST, "max_trials": 2},
        search_space={"optimizer": "sgd", "learning_rate": 1e12, "batch_norm": False},
    )
    with pytest.raises(
        RuntimeError, match=r"Every trial failed.*NaN.*\(2 of 2 trials\)"
    ):
        clf.fit(X_train, y_train)
