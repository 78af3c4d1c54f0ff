"""Rows for Keras: numpy arrays, or lazy sources that load their rows on demand.

A lazy source (such as :class:`autodeep.preprocessing.image.ImagePaths`) has
``len()``, ``take(indices) -> np.ndarray`` and ``subset(indices)``; nothing else in the
engine needs to know what it holds. Training reads it through :class:`Batches`, a Keras
``PyDataset`` whose worker threads load the next batches while the current one trains.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import keras
import numpy as np

LOADING_THREADS = 4


def is_lazy(X: Any) -> bool:
    """Whether ``X`` is a lazy source rather than an in-memory array."""
    return not isinstance(X, np.ndarray) and hasattr(X, "take") and hasattr(X, "subset")


def take(X: Any, indices: np.ndarray) -> np.ndarray:
    """Rows ``indices`` of ``X`` as an array (loading them for a lazy source)."""
    return X.take(indices) if is_lazy(X) else X[indices]


def subset(X: Any, indices: np.ndarray) -> Any:
    """Rows ``indices`` of ``X``, staying lazy for a lazy source."""
    return X.subset(indices) if is_lazy(X) else X[indices]


class Batches(keras.utils.PyDataset):
    """Shuffled training batches ``(X[rows], y[rows])`` from a lazy source."""

    def __init__(self, X: Any, y: np.ndarray, batch_size: int, seed: int) -> None:
        super().__init__(workers=LOADING_THREADS, use_multiprocessing=False)
        self.X, self.y, self.batch_size = X, y, batch_size
        self.rng = np.random.default_rng(seed)
        self.order = self.rng.permutation(len(y))

    def __len__(self) -> int:
        return math.ceil(len(self.y) / self.batch_size)

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        rows = np.sort(
            self.order[index * self.batch_size : (index + 1) * self.batch_size]
        )
        return take(self.X, rows), self.y[rows]

    def on_epoch_end(self) -> None:
        self.order = self.rng.permutation(len(self.y))


def blocks(X: Any, size: int) -> Iterator[np.ndarray]:
    """Consecutive blocks of ``size`` rows; a lazy source loads the next block ahead."""
    n = len(X)
    starts = range(0, n, size)
    if not is_lazy(X):
        for start in starts:
            yield X[start : start + size]
        return
    with ThreadPoolExecutor(max_workers=1) as loader:
        pending = None
        for start in starts:
            rows = np.arange(start, min(start + size, n))
            current = pending.result() if pending is not None else take(X, rows)
            following = start + size
            pending = (
                loader.submit(take, X, np.arange(following, min(following + size, n)))
                if following < n
                else None
            )
            yield current
