"""The one place that talks to the Keras backend's framework directly.

Everything else in autodeep is backend-neutral (``keras`` and ``keras.ops`` only). The
module for the active backend is chosen once, from ``keras.config.backend()``.
"""

from __future__ import annotations

import gc
import importlib
from functools import cache
from types import ModuleType


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


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and the backend, and make its kernels deterministic."""
    import keras

    keras.utils.set_random_seed(seed)
    framework().enable_determinism()


def release_memory() -> None:
    """Drop Keras' global state and free what the last model held (between trials)."""
    import keras

    keras.backend.clear_session()
    gc.collect()
