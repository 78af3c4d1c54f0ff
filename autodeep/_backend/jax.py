"""JAX-specific switches."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import jax
import numpy as np


def enable_determinism() -> None:
    """JAX's random numbers are explicit and its CPU kernels deterministic already."""


def has_gpu() -> bool:
    return any(device.platform == "gpu" for device in jax.devices())


def limit_threads(threads: int) -> None:
    """JAX sizes its CPU thread pool from XLA_FLAGS when it starts; too late here."""


@contextmanager
def traces_owned_by(owner: object) -> Iterator[None]:
    """Nothing to do: JAX keeps nothing process-wide for a traced function that
    outlives it (``benchmarks/memory.py`` measures the growth over a 500-trial search)."""
    yield


def value_and_gradient(
    score: Callable[[Any], Any], inputs: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``score(x)`` (one value per row) and the gradient of its sum with respect to x.

    ``jax.value_and_grad`` traces ``score``; the model's weights enter it as constants,
    so nothing but the input is differentiated and no state is updated.
    """
    import jax.numpy as jnp

    def total(x: Any) -> tuple[Any, Any]:
        values = jnp.asarray(score(x), dtype=jnp.float32)
        return jnp.sum(values), values

    (_, values), gradient = jax.value_and_grad(total, has_aux=True)(
        jnp.asarray(inputs, dtype=jnp.float32)
    )
    return np.asarray(values), np.asarray(gradient)
