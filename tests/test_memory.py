"""Memory over a search: what one trial leaves behind does not pile up with more trials.

Counted, not timed: the live objects of the process after a full garbage collection.
``benchmarks/memory.py`` measures the resident memory itself over hundreds of trials.
"""

from __future__ import annotations

import gc

import keras
import numpy as np
import pytest

from autodeep import TabularClassifier, _backend

SMALL = {"depth": 1, "units": 16, "batch_size": 64, "batch_norm": False}
TENSORFLOW = keras.backend.backend() == "tensorflow"
# One-epoch trials on a tiny network need not beat a constant prediction.
pytestmark = pytest.mark.filterwarnings("ignore:No trial did better")


def _fit(cancer, trials: int) -> TabularClassifier:
    X_train, _, y_train, _ = cancer
    return TabularClassifier(
        max_trials=trials,
        max_epochs=1,
        n_iter_no_change=1,
        pruner=None,
        search_space={**SMALL, "activation": "swish"},
        random_state=0,
        verbose=0,
    ).fit(X_train, y_train)


def _live(kind: type) -> int:
    # Twice: objects freed by finalizers of the first pass are collected by the second.
    gc.collect()
    gc.collect()
    return sum(isinstance(o, kind) for o in gc.get_objects())


def _training_graphs() -> int:
    from tensorflow.python.framework.func_graph import FuncGraph

    return _live(FuncGraph)


@pytest.mark.slow
def test_trials_leave_no_models_behind(cancer):
    # Counted once the estimator is gone: what it holds (an ensemble holds a model per
    # member) is not left behind.
    counts = []
    for trials in (1, 4):
        clf = _fit(cancer, trials)
        del clf
        counts.append(_live(keras.Model))
    assert counts[0] == counts[1]


@pytest.mark.slow
@pytest.mark.skipif(not TENSORFLOW, reason="TensorFlow's gradient registry")
def test_trials_leave_no_training_graphs_behind(cancer):
    """Each trial's training graph is freed once its model is (tensorflow#97697)."""
    del _fit(cancer, 1).model_
    after_one = _training_graphs()
    del _fit(cancer, 4).model_
    assert _training_graphs() <= after_one


@pytest.mark.skipif(not TENSORFLOW, reason="TensorFlow's gradient registry")
def test_custom_gradients_go_with_their_owner():
    import tensorflow as tf
    from tensorflow.python.framework import ops

    def custom_gradients() -> set[str]:
        return {n for n in ops._gradient_registry._registry if "CustomGradient" in n}

    class Owner:
        pass

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.nn.silu(x)  # a tf.custom_gradient op
        return tape.gradient(y, x)

    # Earlier tests' owners may still be waiting for the collector.
    gc.collect()
    before = custom_gradients()
    owner = Owner()
    with _backend.traces_owned_by(owner):
        step(tf.ones(3))
    assert custom_gradients() > before
    del owner
    gc.collect()
    assert custom_gradients() == before


@pytest.mark.slow
def test_a_fitted_estimator_still_works_after_later_searches(cancer):
    _, X_test, _, _ = cancer
    clf = _fit(cancer, 1)
    expected = clf.predict_proba(X_test)
    _fit(cancer, 2)
    gc.collect()
    np.testing.assert_array_equal(clf.predict_proba(X_test), expected)
    clf.model_.fit(
        clf.preprocessor_.transform(X_test[:64]),
        np.zeros(64, dtype="int32"),
        epochs=1,
        verbose=0,
    )
