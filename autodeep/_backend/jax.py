"""JAX-specific switches."""

from __future__ import annotations

import jax


def enable_determinism() -> None:
    """JAX's random numbers are explicit and its CPU kernels deterministic already."""


def has_gpu() -> bool:
    return any(device.platform == "gpu" for device in jax.devices())


def limit_threads(threads: int) -> None:
    """JAX sizes its CPU thread pool from XLA_FLAGS when it starts; too late here."""
