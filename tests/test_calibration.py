"""Temperature scaling of classifiers' probabilities (issue 15, part 1): fitted on
validation outputs only, ``predict`` unchanged, saved and reloaded."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split
from sklearn.utils._param_validation import InvalidParameterError

import autodeep
from autodeep import TabularClassifier, TabularRegressor
from autodeep._calibration import (
    calibration_error,
    fit_temperature,
    reliability,
    scaled,
)
from tests.conftest import FAST


def _softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _known(temperature, rows=20000, classes=3, seed=0):
    """Labels drawn from softmax(z), and a model that reports softmax(z * T): too
    sure by exactly ``temperature``."""
    rng = np.random.default_rng(seed)
    z = rng.normal(scale=1.5, size=(rows, classes))
    y = np.array([rng.choice(classes, p=p) for p in _softmax(z)])
    return _softmax(z * temperature), y


def test_the_fitted_temperature_is_the_one_that_made_the_model_too_sure():
    proba, y = _known(2.5)
    assert fit_temperature(proba, y) == pytest.approx(2.5, rel=0.1)
    # An underconfident model gets a temperature below 1.
    proba, y = _known(0.5)
    assert fit_temperature(proba, y) == pytest.approx(0.5, rel=0.1)


def test_a_calibrated_model_keeps_temperature_one():
    proba, y = _known(1.0)
    assert fit_temperature(proba, y) == pytest.approx(1.0, abs=0.05)


def test_a_perfectly_separated_validation_part_keeps_temperature_one():
    # Every row right: the loss falls forever as T shrinks, which would make every
    # new prediction 100 % sure. The data cannot tell, so the model stays as it is.
    y = np.array([0, 1] * 50)
    proba = np.where(y[:, None] == [0, 1], 0.8, 0.2)
    assert fit_temperature(proba, y) == 1.0


def test_scaling_changes_confidence_not_the_predicted_class():
    proba, y = _known(2.5, rows=2000)
    calibrated = scaled(proba, 2.5)
    np.testing.assert_array_equal(calibrated.argmax(axis=1), proba.argmax(axis=1))
    np.testing.assert_allclose(calibrated.sum(axis=1), 1.0)
    assert calibrated.max(axis=1).mean() < proba.max(axis=1).mean()
    np.testing.assert_allclose(scaled(proba, None), proba)
    before, after = calibration_error(proba, y), calibration_error(calibrated, y)
    assert before > 0.1 and after < before / 3


def test_reliability_bins_count_every_row():
    proba, y = _known(1.0, rows=3000)
    table = reliability(proba, y, bins=10)
    assert table["rows"].sum() == 3000
    assert (table["low"] < table["high"]).all()
    # Calibrated by construction: each bin's accuracy is near its confidence.
    big = table[table["rows"] >= 200]
    np.testing.assert_allclose(big["accuracy"], big["confidence"], atol=0.06)


def test_class_weights_count_in_the_fit():
    # Too sure (by 4) on the rows of class 0 only: weighing those rows up calls for a
    # higher temperature than all rows alike; equal weights change nothing.
    rng = np.random.default_rng(0)
    z = rng.normal(scale=1.5, size=(6000, 3))
    y = np.array([rng.choice(3, p=p) for p in _softmax(z)])
    proba = np.where((y == 0)[:, None], _softmax(4 * z), _softmax(z))
    plain = fit_temperature(proba, y)
    assert fit_temperature(proba, y, np.ones(3)) == pytest.approx(plain)
    assert fit_temperature(proba, y, np.array([10.0, 1.0, 1.0])) > 1.5 * plain


def test_a_bad_calibration_value_is_refused_before_training():
    X, y = make_classification(n_samples=40, random_state=0)
    with pytest.raises(InvalidParameterError, match="calibration"):
        TabularClassifier(calibration="platt", **FAST).fit(X, y)
    assert "calibration" not in TabularRegressor().get_params()


@pytest.fixture(scope="module")
def wide_split():
    return wide_problem()


def wide_problem():
    """A logistic problem on 300 features, split in halves."""
    # Labels drawn from a logistic model on 300 features: with 1,600 training rows a
    # network without regularization inflates its logits (as an unpenalized logistic
    # regression does when the features are many for the rows), so it is too sure
    # of itself in the way one temperature describes. Measured over 5 seeds on each of
    # TensorFlow, JAX and PyTorch: held-out ECE 0.14-0.23 before, at most 0.04 after,
    # temperature 2.5-6.3 (with 100 features the best epoch by accuracy could come
    # before the network had overfitted: ECE 0.03 on JAX).
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4000, 300))
    logits = X @ (rng.normal(size=300) * 0.12)
    y = (rng.random(4000) < 1 / (1 + np.exp(-logits))).astype(int)
    return train_test_split(X, y, test_size=0.5, random_state=0, stratify=y)


OVERFIT = {
    "numeric_embedding": "none",
    "depth": 2,
    "units": 128,
    "activation": "relu",
    "dropout": 0.0,
    "batch_norm": False,
    "l2": 1e-8,
    "optimizer": "adam",
    "learning_rate": 1e-3,
    "batch_size": 32,
    "lr_schedule": "constant",
    "label_smoothing": 0.0,
}


def calibrates_an_overconfident_network(X_train, X_test, y_train, y_test):
    """The known answer: a network trained to overconfidence gets a temperature
    above 1.5, and its held-out ECE (over 0.1) falls by at least half while its
    predictions stay the same. Returns the calibrated model."""
    settings = {
        **FAST,
        "search_space": OVERFIT,
        "max_trials": 1,
        "max_epochs": 40,
        "n_iter_no_change": 40,
        # The best epoch by accuracy, which keeps rising after the loss has turned.
        "scoring": "accuracy",
        "refit": False,
        "reference_model": False,
        "random_state": 0,
    }
    raw = TabularClassifier(**settings, calibration=None).fit(X_train, y_train)
    calibrated = TabularClassifier(**settings).fit(X_train, y_train)
    assert raw.temperature_ is None and calibrated.temperature_ > 1.5
    before = calibration_error(raw.predict_proba(X_test), y_test)
    after = calibration_error(calibrated.predict_proba(X_test), y_test)
    assert before > 0.1, before  # the network is overconfident on held-out rows
    assert after <= before / 2, (before, after)
    # The same network (same seed, no refit), so the same predictions.
    np.testing.assert_array_equal(raw.predict(X_test), calibrated.predict(X_test))
    return calibrated


@pytest.mark.slow
def test_temperature_scaling_fixes_an_overconfident_network(wide_split, tmp_path):
    X_train, X_test, y_train, y_test = wide_split
    calibrated = calibrates_an_overconfident_network(X_train, X_test, y_train, y_test)
    calibrated.save(tmp_path / "model")
    loaded = autodeep.load(tmp_path / "model")
    assert loaded.temperature_ == calibrated.temperature_
    np.testing.assert_allclose(
        loaded.predict_proba(X_test), calibrated.predict_proba(X_test), atol=1e-6
    )
