"""Bad parameters fail before any training, with a message that says what to fix.

Bad input data (targets, tables, images, texts, at fit and at predict) is covered by
the battery in tests/test_bad_inputs.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from autodeep import TabularClassifier
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
