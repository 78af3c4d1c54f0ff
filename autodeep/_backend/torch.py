"""PyTorch-specific switches."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch


def enable_determinism() -> None:
    """Deterministic kernels where PyTorch has them (warn, not fail, where it has not)."""
    torch.use_deterministic_algorithms(True, warn_only=True)


def has_gpu() -> bool:
    return bool(torch.cuda.is_available())


def limit_threads(threads: int) -> None:
    torch.set_num_threads(threads)


@contextmanager
def traces_owned_by(owner: object) -> Iterator[None]:
    """Nothing to do: PyTorch keeps nothing process-wide for a traced function that
    outlives it (``benchmarks/memory.py`` measures the growth over a 500-trial search)."""
    yield


def value_and_gradient(
    score: Callable[[Any], Any], inputs: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``score(x)`` (one value per row) and the gradient of its sum with respect to x.

    Autograd on a leaf tensor placed on Keras' device; the weights' own gradients are
    not accumulated (``torch.autograd.grad`` returns only the input's).
    """
    from keras.src.backend.torch.core import get_device

    x = torch.tensor(
        inputs, dtype=torch.float32, device=get_device(), requires_grad=True
    )
    gradient: Any = None
    with torch.enable_grad():
        values = score(x).to(torch.float32)
        if values.requires_grad:  # False when the score ignores the input entirely
            (gradient,) = torch.autograd.grad(values.sum(), x, allow_unused=True)
    if gradient is None:
        gradient = torch.zeros_like(x)
    return values.detach().cpu().numpy(), gradient.detach().cpu().numpy()
