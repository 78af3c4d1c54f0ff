"""How many cross-validation folds the search uses for ``cv=`` (a leaf: no imports)."""

from __future__ import annotations

# cv="auto": this many folds below SMALL_DATA training rows, one split above
# (measured in docs/benchmarks.md, "Small data").
AUTO_FOLDS = 5
SMALL_DATA = 300


def folds_for(cv: int | str | None, n_rows: int) -> int:
    """The search's number of folds for ``cv=`` and ``n_rows`` training rows (1: one
    validation split)."""
    if cv == "auto":
        return AUTO_FOLDS if n_rows < SMALL_DATA else 1
    folds = 1 if cv is None else int(cv)
    if folds > n_rows:
        raise ValueError(
            f"cv={cv!r} needs at least {folds} rows; got {n_rows}. Use fewer folds."
        )
    return folds
