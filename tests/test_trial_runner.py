"""The engine's pieces on their own: the trial runner, the clock, batch prediction."""

from __future__ import annotations

import math
from dataclasses import replace

import keras
import numpy as np
import pytest

from autodeep import TabularClassifier
from autodeep._engine import clock_for
from autodeep._training import (
    MONITOR,
    PREDICT_BATCH,
    TrainOutcome,
    _Monitor,
    predict_array,
    train,
)
from autodeep._trials import trials_for
from autodeep.search._clock import Clock
from autodeep.search_spaces.tabular import MLP_DEFAULTS
from tests.conftest import FAST


def trial_runner(estimator, X_train, y_train):
    """The trial runner ``estimator.fit`` would search with, on its own clock."""
    plan, X, y, settings, _ = estimator._fit_inputs(X_train, y_train)
    timings = {"keras_build": 0.0, "keras_train": 0.0, "keras_predict": 0.0}
    return trials_for(plan, X, y, settings, clock_for(settings), timings)


@pytest.fixture(scope="module")
def runner(cancer):
    X_train, _, y_train, _ = cancer
    estimator = TabularClassifier(**{**FAST, "max_epochs": 5}, reference_model=False)
    return trial_runner(estimator, X_train, y_train)


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
    # Its estimated refit is the clock's reserve once the engine names it the best.
    runner.note_best(attrs)
    assert runner.clock.reserve == pytest.approx(
        kept.refit_seconds(runner.growth)
        * (2 if runner.settings.ensemble_size > 1 else 1)
    )


def test_the_runner_interface_the_engines_use(runner):
    assert runner.space is runner.plan.space
    assert set(runner.default_params) == set(runner.plan.default_params)
    assert runner.score_name == "accuracy"
    assert runner.remaining() == math.inf  # no time budget
    assert runner.may_start([]) and runner.may_start([1e6, 1e7])


class FakeTime:
    """Two time sources that move only when told: wall clock and monotonic clock,
    with unrelated zero points (as in two processes)."""

    def __init__(self, wall: float = 1_700_000_000.0, monotonic: float = 500.0):
        self.wall_now, self.monotonic_now = wall, monotonic

    def wall(self) -> float:
        return self.wall_now

    def monotonic(self) -> float:
        return self.monotonic_now

    def advance(self, seconds: float) -> None:
        self.wall_now += seconds
        self.monotonic_now += seconds

    def clock(self, time_budget=None, end_time=None) -> Clock:
        return Clock(time_budget, end_time, wall=self.wall, monotonic=self.monotonic)


def test_the_clock_counts_the_budget_on_the_monotonic_clock():
    fake = FakeTime()
    clock = fake.clock(time_budget=30)
    assert clock.end_time == fake.wall_now + 30  # what other processes are told
    assert clock.remaining() == 30 and clock.elapsed() == 0
    fake.advance(12)
    assert clock.remaining() == 18 and clock.elapsed() == 12
    # A change of the system clock (NTP, an administrator) moves no deadline.
    fake.wall_now -= 3600
    assert clock.remaining() == 18
    fake.advance(20)
    assert clock.remaining() == -2 and clock.out_of_time(0.0)


def test_no_budget_never_runs_out():
    clock = FakeTime().clock()
    assert clock.end_time == clock.end == clock.remaining() == math.inf
    clock.reserve = 1e6
    assert not clock.out_of_time(1e9)
    assert clock.trial_deadline(growth=1.25) == math.inf


def test_a_trial_starts_while_half_a_typical_one_fits_before_the_reserve():
    fake = FakeTime()
    clock = fake.clock(time_budget=100)
    assert not clock.out_of_time(typical=0.0)
    assert not clock.out_of_time(typical=200.0)  # half of it fits: 100 left
    assert clock.out_of_time(typical=201.0)
    clock.reserve = 60  # the best trial's refit
    assert not clock.out_of_time(typical=80.0)  # 60 + 40 = 100 left
    assert clock.out_of_time(typical=81.0)
    fake.advance(39)
    assert not clock.out_of_time(typical=0.0)  # 61 left, 60 kept
    fake.advance(2)
    assert clock.out_of_time(typical=0.0)  # the reserve is the refit's


def test_a_trial_deadline_leaves_the_reserve_and_its_own_refit():
    fake = FakeTime()
    clock = fake.clock(time_budget=100)
    start = fake.monotonic_now
    # Refit on all rows takes growth=1.5 times the trial: t + 1.5 t <= 100.
    assert clock.trial_deadline(growth=1.5) == pytest.approx(start + 40)
    # With a large reserve, the reserve decides: the best trial's refit comes first.
    clock.reserve = 80
    assert clock.trial_deadline(growth=1.5) == pytest.approx(start + 20)
    fake.advance(10)
    assert clock.trial_deadline(growth=1.5) == pytest.approx(start + 20)
    clock.reserve = 0
    assert clock.trial_deadline(growth=1.5) == pytest.approx(start + 10 + 36)


def test_a_worker_process_keeps_the_end_the_fit_computed():
    fitting = FakeTime(wall=1_700_000_000.0, monotonic=500.0)
    clock = fitting.clock(time_budget=300)
    fitting.advance(50)
    # A worker starts 50 s later in another process: another monotonic zero, and
    # its own time_budget (the estimator's) is ignored for the shared end.
    worker_time = FakeTime(wall=fitting.wall_now, monotonic=7.0)
    worker = worker_time.clock(time_budget=300, end_time=clock.end_time)
    assert worker.end_time == clock.end_time
    assert worker.remaining() == clock.remaining() == 250
    worker_time.advance(100)
    assert worker.remaining() == 150


def test_settings_carry_the_shared_end_to_a_worker():
    settings = TabularClassifier(time_budget=30)._settings()
    clock = clock_for(settings)
    assert math.isfinite(clock.end_time) and 0 < clock.remaining() <= 30
    shared = clock_for(replace(settings, end_time=clock.end_time - 10))
    assert shared.end_time == clock.end_time - 10
    assert clock_for(TabularClassifier()._settings()).remaining() == math.inf


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


def _noisy_regression(rows: int = 300) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(rows, 6)).astype(np.float32)
    y = (X[:, 0] + rng.normal(scale=2.0, size=rows)).astype(np.float32)
    return X, y


def _mse(y: np.ndarray, outputs: np.ndarray) -> float:
    return float(np.mean((outputs[:, 0] - y) ** 2))


def test_the_best_epochs_validation_outputs_are_those_of_the_restored_weights():
    # A trial scores its validation rows from these outputs instead of predicting
    # them once more: they must be what the model it keeps predicts.
    keras.utils.set_random_seed(0)
    X, y = _noisy_regression()
    inputs = keras.Input((6,))
    hidden = keras.layers.Dense(64, activation="relu")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1)(hidden))
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    outcome = train(
        model,
        (X[:200], y[:200]),
        epochs=30,
        batch_size=32,
        deadline=math.inf,
        validation=(X[200:], y[200:]),
        patience=3,
        objective=_mse,
    )
    # Overfitting noise: the best epoch is not the last one, so weights were restored.
    assert outcome.best_epoch < outcome.epochs_run
    np.testing.assert_array_equal(outcome.best_outputs, predict_array(model, X[200:]))
    assert _mse(y[200:], outcome.best_outputs) == pytest.approx(outcome.best_value)


def test_an_epoch_cut_by_the_deadline_is_scored_only_when_it_is_the_first():
    X, y = _noisy_regression(20)
    inputs = keras.Input((6,))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    calls = []

    def objective(y_val, outputs):
        calls.append(len(outputs))
        return _mse(y_val, outputs)

    outcome = TrainOutcome(timed_out=True)
    monitor = _Monitor(outcome, 0.0, (X, y), objective, None)
    monitor.set_model(model)
    # The first epoch, cut short, is all the trial has: it is scored.
    logs: dict = {}
    monitor.on_epoch_end(0, logs)
    assert calls == [20] and outcome.best_epoch == 1 and MONITOR in logs
    # A later one is not: its weights are not kept, and scoring it costs time.
    logs = {}
    monitor.on_epoch_end(1, logs)
    assert calls == [20] and outcome.epochs_run == 2 and MONITOR not in logs
    assert outcome.best_epoch == 1


@pytest.mark.parametrize(
    "params, refits",
    [
        ({}, True),
        ({"class_weight": "balanced"}, False),
        ({"resampling": "random_over"}, False),
        ({"class_weight": "balanced", "cv": 5}, True),  # folds: no one trial model
        ({"class_weight": "balanced", "refit": True}, True),
        ({"refit": False}, False),
    ],
)
def test_refit_auto_keeps_the_trained_models_of_a_weighted_classifier(
    cancer, params, refits
):
    X_train, _, y_train, _ = cancer
    estimator = TabularClassifier(**{**FAST, **params})
    assert estimator._fit_inputs(X_train, y_train).settings.refit is refits


def test_without_a_refit_a_trial_may_run_to_the_end_of_the_budget(cancer):
    X_train, _, y_train, _ = cancer
    estimator = TabularClassifier(**FAST, time_budget=100, class_weight="balanced")
    trials = trial_runner(estimator, X_train, y_train)
    clock = trials.clock
    seen = []
    deadline = clock.trial_deadline
    clock.trial_deadline = lambda growth: seen.append(growth) or deadline(growth)
    trials.run(dict(MLP_DEFAULTS), 0, epochs=1)
    assert seen == [0]  # no time kept for a refit of its own
    assert clock.trial_deadline(0) == pytest.approx(clock.end)


def test_refit_auto_on_a_weighted_classifier_predicts_as_refit_false(cancer):
    X_train, X_test, y_train, _ = cancer
    options = {**FAST, "class_weight": "balanced", "ensemble_size": 1}
    auto = TabularClassifier(**options).fit(X_train, y_train)
    kept = TabularClassifier(**options, refit=False).fit(X_train, y_train)
    assert auto.refit_history_ == {} and auto.history_["loss"]
    np.testing.assert_allclose(
        auto.predict_proba(X_test), kept.predict_proba(X_test), rtol=1e-5
    )
