"""Search engines behind one interface: Optuna (default) and KerasTuner."""

PRUNERS = ("hyperband", "median", None)
# "optuna", or one of KerasTuner's tuners.
TUNERS = ("optuna", "hyperband", "bayesian", "random")

__all__ = ["PRUNERS", "TUNERS"]
