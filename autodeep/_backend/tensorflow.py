"""TensorFlow-specific switches."""

from __future__ import annotations

from collections.abc import Callable
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
