"""Search engines behind one interface (Optuna today)."""

PRUNERS = ("hyperband", "median", None)

__all__ = ["PRUNERS"]
