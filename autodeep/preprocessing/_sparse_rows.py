"""TF-IDF rows kept sparse, made dense a batch at a time when the network asks."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse

from autodeep.preprocessing._rows import row_positions


class SparseRows:
    """Rows of a sparse matrix, made dense only a batch at a time.

    Parameters
    ----------
    matrix : scipy sparse matrix or array
        Converted to CSR, float32.

    Examples
    --------
    >>> import scipy.sparse
    >>> rows = SparseRows(scipy.sparse.eye(3, format="csr"))
    >>> len(rows), rows.shape, rows.take([2]).tolist()
    (3, (3, 3), [[0.0, 0.0, 1.0]])
    """

    def __init__(self, matrix: Any) -> None:
        self._matrix = scipy.sparse.csr_matrix(matrix, dtype=np.float32)

    @property
    def matrix(self) -> scipy.sparse.csr_matrix:
        """The underlying CSR matrix (do not modify it)."""
        return self._matrix

    @property
    def shape(self) -> tuple[int, int]:
        rows, columns = self._matrix.shape
        return int(rows), int(columns)

    def __len__(self) -> int:
        return self.shape[0]

    def __repr__(self) -> str:
        return f"SparseRows(<{len(self)} rows x {self.shape[1]} features>)"

    def take(self, indices: Any) -> np.ndarray:
        """Dense float32 rows at ``indices``, shape ``(len(indices), n_features)``."""
        return self._matrix[row_positions(indices, len(self))].toarray()

    def subset(self, indices: Any) -> SparseRows:
        """The rows at ``indices`` (integer positions or a boolean mask), still sparse."""
        return SparseRows(self._matrix[row_positions(indices, len(self))])
