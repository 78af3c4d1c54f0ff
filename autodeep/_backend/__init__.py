"""The one place that talks to the Keras backend's framework directly.

Everything else in autodeep is backend-neutral (``keras`` and ``keras.ops`` only). The
module for the active backend is chosen once, from ``keras.config.backend()``.
"""

from __future__ import annotations

import importlib
from functools import cache
from types import ModuleType
from typing import Any


@cache
def framework() -> ModuleType:
    """The autodeep module for the active Keras backend (tensorflow, jax or torch)."""
    import keras

    name = keras.config.backend()
    if name not in ("tensorflow", "jax", "torch"):
        raise RuntimeError(
            f"autodeep supports the tensorflow, jax and torch Keras backends; "
            f"KERAS_BACKEND is {name!r}."
        )
    return importlib.import_module(f"autodeep._backend.{name}")


def seed_everything(seed: int, deterministic: bool) -> None:
    """Seed Python, NumPy and the backend; optionally make its kernels deterministic.

    Determinism is a process-wide switch in TensorFlow, so it is only turned on when the
    user asked for repeatable results (an explicit ``random_state``).
    """
    import keras

    keras.utils.set_random_seed(seed)
    if deterministic:
        framework().enable_determinism()


def release_memory() -> None:
    """Drop Keras' global state so the last trial's model can be freed.

    A full ``gc.collect()`` here costs about 0.2 s a trial on small models; Python's own
    collector reclaims the old graph soon enough.
    """
    import keras

    keras.backend.clear_session(free_memory=False)


def limit_threads(threads: int) -> None:
    """Use at most ``threads`` CPU threads for kernels (one of several worker processes).

    Call before the first operation runs: frameworks fix their thread pools then.
    """
    framework().limit_threads(threads)


def value_and_gradient(score: Any, inputs: Any) -> tuple[Any, Any]:
    """``score(x)`` and d(sum of score)/dx for a float array ``inputs``, as NumPy.

    ``score`` maps a backend tensor shaped like ``inputs`` to one value per row, using
    ``keras.ops`` and Keras layers only; the gradient comes from the backend's own
    autodiff (TensorFlow ``GradientTape``, ``jax.value_and_grad``, torch autograd).
    """
    return framework().value_and_gradient(score, inputs)
