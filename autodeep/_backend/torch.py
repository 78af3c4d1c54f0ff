"""PyTorch-specific switches."""

from __future__ import annotations

import torch


def enable_determinism() -> None:
    """Deterministic kernels where PyTorch has them (warn, not fail, where it has not)."""
    torch.use_deterministic_algorithms(True, warn_only=True)


def has_gpu() -> bool:
    return bool(torch.cuda.is_available())


def limit_threads(threads: int) -> None:
    torch.set_num_threads(threads)
