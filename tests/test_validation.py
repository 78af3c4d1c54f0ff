"""Bad input fails before any training, with a message that says what to fix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from autodeep import TabularClassifier, TabularRegressor
from tests.conftest import FAST


@pytest.fixture
def frame():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        {"a": rng.normal(size=60), "b": rng.normal(size=60), "c": ["x", "y"] * 30}
    )
    return X, (X["a"] > 0).astype(int).to_numpy()


def never_train(monkeypatch):
    """Make any attempt to train a model fail the test."""
    import autodeep._engine

    def fail(*args, **kwargs):
        raise AssertionError("training started despite bad input")

    monkeypatch.setattr(autodeep._engine, "fit", fail)


@pytest.mark.parametrize(
    ("y_change", "message"),
    [
        (
            lambda y: np.where(np.arange(len(y)) == 3, np.nan, y),
            r"y has 1 missing value.*row\(s\) \[3\]",
        ),
        (
            lambda y: np.zeros(len(y)),
            r"y has 1 class \(np.float64\(0.0\)\)|y has 1 class",
        ),
        (lambda y: y[:-5], r"X has 60 rows, y has 55"),
        (lambda y: None, r"requires y to be passed"),
    ],
    ids=["nan-target", "one-class", "length-mismatch", "no-target"],
)
def test_classifier_target_errors(frame, monkeypatch, y_change, message):
    never_train(monkeypatch)
    X, y = frame
    with pytest.raises(ValueError, match=message):
        TabularClassifier(**FAST).fit(X, y_change(y.astype(float)))


@pytest.mark.parametrize("bad", [np.nan, np.inf], ids=["nan", "inf"])
def test_regressor_rejects_non_finite_target(frame, monkeypatch, bad):
    never_train(monkeypatch)
    X, _ = frame
    y = np.arange(60, dtype=float)
    y[10] = bad
    with pytest.raises(ValueError, match=r"row\(s\) \[10\]"):
        TabularRegressor(**FAST).fit(X, y)


def test_empty_data(monkeypatch):
    never_train(monkeypatch)
    with pytest.raises(ValueError, match="0 sample"):
        TabularClassifier(**FAST).fit(pd.DataFrame({"a": []}), [])
    with pytest.raises(ValueError, match="0 sample"):
        TabularClassifier(**FAST).fit(np.empty((0, 3)), [])


def test_infinite_feature_is_named(frame, monkeypatch):
    never_train(monkeypatch)
    X, y = frame
    X = X.assign(b=X["b"].where(X.index != 5, np.inf))
    with pytest.raises(ValueError, match=r"\['b'\] contain infinity"):
        TabularClassifier(**FAST).fit(X, y)


def test_string_array_points_to_dataframes(monkeypatch):
    never_train(monkeypatch)
    X = np.array([["a", "1"], ["b", "2"]] * 10, dtype=object)
    with pytest.raises(ValueError, match="pass a pandas DataFrame"):
        TabularClassifier(**FAST).fit(X, [0, 1] * 10)


def test_columns_missing_or_extra_at_predict_are_named(frame):
    X, y = frame
    clf = TabularClassifier(**{**FAST, "max_epochs": 2}).fit(X, y)
    with pytest.raises(ValueError, match=r"missing:\n- c"):
        clf.predict(X.drop(columns="c"))
    with pytest.raises(ValueError, match=r"unseen at fit time:\n- d"):
        clf.predict(X.assign(d=1.0))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"search_space": {"depht": (1, 3)}},
            r"Unknown search_space key\(s\) \['depht'\]",
        ),
        (
            {"search_space": {"depth": (1, 2, 3)}},
            "a tuple means a \\(low, high\\) range",
        ),
        ({"max_trials": 0}, "max_trials must be a positive integer"),
        ({"max_trials": None, "time_budget": None}, "Set max_trials, time_budget"),
        ({"time_budget": -5}, "time_budget must be a positive number"),
        ({"validation_fraction": 1.5}, "validation_fraction must be between 0 and 1"),
        ({"scaler": "zscore"}, "scaler must be one of"),
        ({"pruner": "asha"}, "pruner must be one of"),
        ({"resampling": "smoteish"}, "resampling must be None"),
        ({"class_weight": {"nope": 2.0}}, r"class_weight has keys \['nope'\]"),
    ],
)
def test_bad_parameters_fail_before_training(frame, monkeypatch, params, message):
    X, y = frame
    never_train(monkeypatch)
    clf = TabularClassifier(**{**FAST, **params})
    with pytest.raises(ValueError, match=message):
        clf.fit(X, y)
