"""Row selection shared by the lazy row sources (image files, sparse text rows)."""

from __future__ import annotations

from typing import Any

import numpy as np


def row_positions(indices: Any, n_rows: int) -> np.ndarray:
    """Non-negative integer positions for an index, a slice or a boolean mask."""
    if isinstance(indices, slice):
        return np.arange(n_rows)[indices]
    positions = np.atleast_1d(np.asarray(indices))
    if positions.ndim != 1:
        raise ValueError(f"indices must be one-dimensional; got {positions.shape}.")
    if positions.dtype.kind == "b":
        if len(positions) != n_rows:
            raise IndexError(
                f"Boolean mask of length {len(positions)} for {n_rows} rows."
            )
        return np.flatnonzero(positions)
    if positions.size == 0:
        return np.empty(0, dtype=np.intp)
    if positions.dtype.kind not in "iu":
        raise TypeError(
            f"indices must be integers or a boolean mask; got {positions.dtype}."
        )
    if positions.min() < -n_rows or positions.max() >= n_rows:
        raise IndexError(f"indices out of range for {n_rows} rows.")
    return np.where(positions < 0, positions + n_rows, positions)
