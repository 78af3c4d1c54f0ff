"""TensorFlow-specific switches."""

from __future__ import annotations

import tensorflow as tf


def enable_determinism() -> None:
    """Deterministic kernels, so the same ``random_state`` gives the same model."""
    tf.config.experimental.enable_op_determinism()


def has_gpu() -> bool:
    return bool(tf.config.list_physical_devices("GPU"))


def limit_threads(threads: int) -> None:
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
