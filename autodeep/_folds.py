"""How many cross-validation folds the search uses for ``cv=`` (a leaf: no imports)."""

from __future__ import annotations

# cv="auto": this many folds below SMALL_DATA training rows, one split above
# (measured in docs/benchmarks.md, "Small data").
AUTO_FOLDS = 5
SMALL_DATA = 300


def folds_for(cv: int | str | None, n_rows: int, small_data_folds: bool) -> int:
    """The search's number of folds for ``cv=`` and ``n_rows`` training rows (1: one
    validation split). ``"auto"`` means folds on small data only for estimators with
    ``small_data_folds`` (the tabular ones, where it was measured)."""
    if cv == "auto":
        return AUTO_FOLDS if small_data_folds and n_rows < SMALL_DATA else 1
    folds = 1 if cv is None else int(cv)
    if folds > n_rows:
        raise ValueError(
            f"cv={cv!r} needs at least {folds} rows; got {n_rows}. Use fewer folds."
        )
    return folds
