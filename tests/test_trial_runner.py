"""The engine's pieces on their own: the trial runner, the clock, batch prediction."""

from __future__ import annotations

import math
import time
from dataclasses import replace

import keras
import numpy as np
import pytest

from autodeep import TabularClassifier
from autodeep._engine import Clock, _trials_for
from autodeep._training import PREDICT_BATCH, predict_array
from autodeep.search_spaces.tabular import MLP_DEFAULTS
from tests.conftest import FAST


@pytest.fixture(scope="module")
def runner(cancer):
    X_train, _, y_train, _ = cancer
    estimator = TabularClassifier(**{**FAST, "max_epochs": 5}, reference_model=False)
    plan, X, y, settings = estimator._fit_inputs(X_train, y_train)
    timings = {"keras_build": 0.0, "keras_train": 0.0, "keras_predict": 0.0}
    return _trials_for(plan, X, y, settings, Clock(settings), timings)


def test_a_trial_is_scored_on_the_validation_part_and_kept(runner):
    result = runner.run(dict(MLP_DEFAULTS), 0)
    assert not result.pruned and math.isfinite(result.value)
    attrs = result.attrs
    assert 1 <= attrs["best_epoch"] <= attrs["epochs"] <= 5
    assert attrs["seconds"] > 0 and 0.8 < attrs["score"] <= 1.0  # accuracy
    assert result.value == attrs["best_value"]
    # The trial is the runner's best candidate, with its validation outputs.
    (kept,) = runner.kept
    assert kept.number == 0 and kept.value == result.value
    assert kept.outputs.shape == (len(runner.y_val), 2)
    # Its estimated refit is the reserve once the engine names it the best.
    runner.note_best(attrs)
    assert runner.reserve() == pytest.approx(
        kept.refit_seconds(runner.growth)
        * (2 if runner.settings.ensemble_size > 1 else 1)
    )


def test_the_runner_interface_the_engines_use(runner):
    assert runner.space is runner.plan.space
    assert set(runner.default_params) == set(runner.plan.default_params)
    assert runner.score_name == "accuracy"
    assert runner.remaining() == math.inf  # no time budget
    assert not runner.out_of_time(1e6)


def test_the_clock_keeps_the_budget_and_a_shared_end():
    settings = TabularClassifier(time_budget=30)._settings()
    clock = Clock(settings)
    assert clock.end == pytest.approx(time.time() + 30, abs=1.0)
    assert 29 < clock.remaining() <= 30
    # A worker process gets the end the fitting process computed, not its own budget.
    shared = Clock(replace(settings, end_time=clock.end - 10))
    assert shared.end == clock.end - 10
    assert (
        Clock(TabularClassifier(time_budget=None)._settings()).remaining() == math.inf
    )


def test_predict_array_does_not_depend_on_the_other_rows():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((4,))
    hidden = keras.layers.Dropout(0.5)(keras.layers.Dense(8, activation="relu")(inputs))
    model = keras.Model(inputs, keras.layers.Dense(3)(hidden))
    X = np.random.default_rng(0).normal(size=(PREDICT_BATCH + 7, 4)).astype(np.float32)
    outputs = predict_array(model, X)
    assert outputs.shape == (len(X), 3) and outputs.dtype == np.float32
    # Inference mode (no dropout), and each row's output the same alone as in a block.
    np.testing.assert_array_equal(predict_array(model, X), outputs)
    np.testing.assert_array_equal(predict_array(model, X[5:6]), outputs[5:6])
    np.testing.assert_array_equal(predict_array(model, X[-7:]), outputs[-7:])
    np.testing.assert_allclose(outputs, model.predict(X, verbose=0), atol=1e-5)
    assert predict_array(model, X[:0]).shape == (0, 3)
