"""Bad parameters fail before any training, with a message that says what to fix.

Bad input data (targets, tables, images, texts, at fit and at predict) is covered by
the battery in tests/test_bad_inputs.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import check_param_validation

from autodeep import (
    ImageClassifier,
    ImageRegressor,
    TabularClassifier,
    TabularRegressor,
    TextClassifier,
    TextRegressor,
)
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


def _must_be(name: str, allowed: str) -> str:
    """scikit-learn's wording for a parameter outside its constraints."""
    return rf"The '{name}' parameter of TabularClassifier must be {allowed}"


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
        ({"max_trials": 0}, _must_be("max_trials", r"an int in the range \[1, inf\)")),
        ({"max_trials": None, "time_budget": None}, "Set max_trials, time_budget"),
        ({"time_budget": -5}, _must_be("time_budget", r"a float in the range \(0")),
        (
            {"validation_fraction": 1.5},
            _must_be("validation_fraction", r"a float in the range \(0.0, 1.0\)"),
        ),
        (
            {"scaler": "zscore"},
            _must_be("scaler", "a str among {.*'robust_clip'.*} or None"),
        ),
        ({"pruner": "asha"}, _must_be("pruner", "a str among {.*'median'.*} or None")),
        (
            {"resampling": "smoteish"},
            _must_be("resampling", ".*an object implementing 'fit_resample' or None"),
        ),
        ({"verbose": 3}, _must_be("verbose", r"an int in the range \[0, 2\]")),
        ({"n_jobs": 0}, _must_be("n_jobs", r"an int in the range \(-inf, -1\]")),
        ({"class_weight": {"nope": 2.0}}, r"class_weight has keys \['nope'\]"),
    ],
)
def test_bad_parameters_fail_before_training(frame, monkeypatch, params, message):
    X, y = frame
    never_train(monkeypatch)
    clf = TabularClassifier(**{**FAST, **params})
    with pytest.raises(ValueError, match=message):
        clf.fit(X, y)


ESTIMATORS = [
    TabularClassifier,
    TabularRegressor,
    ImageClassifier,
    ImageRegressor,
    TextClassifier,
    TextRegressor,
]


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda cls: cls.__name__)
def test_every_parameter_has_a_constraint(estimator, monkeypatch):
    """scikit-learn's own check: one constraint per parameter, and a value of the wrong
    type or range is refused with its wording before any training."""
    never_train(monkeypatch)
    check_param_validation(estimator.__name__, estimator(**FAST))


@pytest.mark.parametrize("estimator", [ImageClassifier, TextClassifier])
def test_smote_on_rows_is_refused_once_with_the_reason(estimator, monkeypatch):
    never_train(monkeypatch)
    with pytest.raises(InvalidParameterError, match=r"SMOTE .*random_over"):
        estimator(**FAST, resampling="smote").fit(["a"] * 4, [0, 1] * 2)


@pytest.mark.parametrize("weights", ["nowhere.weights.h5", Path("nowhere.weights.h5")])
def test_a_missing_weights_file_is_one_error_type(weights, monkeypatch):
    """The estimator and cnn_space refuse a missing weights file alike (ValueError)."""
    from autodeep.search_spaces import cnn_space

    never_train(monkeypatch)
    with pytest.raises(InvalidParameterError, match="never downloads"):
        ImageClassifier(**FAST, pretrained_weights=weights).fit(
            np.zeros((4, 8, 8)), [0, 1] * 2
        )
    with pytest.raises(ValueError, match="is not a file"):
        cnn_space((32, 32), pretrained_weights=str(weights))


def test_spelled_out_option_names_match_the_preprocessing():
    from autodeep._params import RESAMPLER_NAMES, ROW_RESAMPLER_NAMES, SCALER_NAMES
    from autodeep.preprocessing.imbalance import RESAMPLERS
    from autodeep.preprocessing.tabular import SCALERS

    assert SCALER_NAMES == SCALERS
    assert RESAMPLER_NAMES == RESAMPLERS
    assert set(ROW_RESAMPLER_NAMES) == set(RESAMPLERS) - {"smote"}


def test_n_jobs_minus_one_is_one_process_per_core():
    import joblib

    settings = TabularClassifier(**FAST, n_jobs=-1)._settings()
    assert settings.n_jobs == joblib.cpu_count()
    assert TabularClassifier(**FAST, n_jobs=None)._settings().n_jobs == 1
