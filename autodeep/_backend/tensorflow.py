"""TensorFlow-specific switches."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import tensorflow as tf


def enable_determinism() -> None:
    """Deterministic kernels, so the same ``random_state`` gives the same model."""
    tf.config.experimental.enable_op_determinism()


def has_gpu() -> bool:
    return bool(tf.config.list_physical_devices("GPU"))


def limit_threads(threads: int) -> None:
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)


@contextmanager
def traces_owned_by(owner: object) -> Iterator[None]:
    """Forget the custom gradients registered inside, once ``owner`` is garbage.

    Tracing a ``tf.function`` through a ``tf.custom_gradient`` op (``tf.nn.silu``, the
    distribution strategy's gradient all-reduce in every Keras ``train_step``) adds a
    ``CustomGradient-<uid>`` entry to TensorFlow's global gradient registry and never
    removes it; the entry's closure holds tensors of the traced graph, so each model's
    whole training graph (about 8 MB for a small MLP) stays in memory for the life of
    the process (tensorflow/tensorflow#27492, #97697). The graph is only needed while
    ``owner`` (the model whose functions were traced) lives, so the entries go with it.
    """
    registry = _gradient_registry()
    before = set(registry)
    try:
        yield
    finally:
        added = [
            name
            for name in registry
            if name not in before and name.startswith("CustomGradient-")
        ]
        if added:
            weakref.finalize(owner, _forget_gradients, added).atexit = False


def _gradient_registry() -> dict[str, Any]:
    """TensorFlow's registry of gradient functions by op type (private; {} if moved)."""
    from tensorflow.python.framework import ops

    registry = getattr(getattr(ops, "_gradient_registry", None), "_registry", None)
    return registry if isinstance(registry, dict) else {}


def _forget_gradients(names: list[str]) -> None:
    registry = _gradient_registry()
    for name in names:
        registry.pop(name, None)


def value_and_gradient(
    score: Callable[[Any], Any], inputs: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``score(x)`` (one value per row) and the gradient of its sum with respect to x.

    ``GradientTape`` watches the float input; rows are independent, so the gradient
    of the sum holds each row's own gradient.
    """
    x = tf.convert_to_tensor(inputs, dtype=tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        values = tf.cast(score(x), tf.float32)
        total = tf.reduce_sum(values)
    gradient = tape.gradient(total, x)
    if gradient is None:  # the score does not depend on the input at all
        gradient = tf.zeros_like(x)
    return values.numpy(), gradient.numpy()
