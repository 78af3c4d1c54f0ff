"""Explanations of fitted autodeep estimators, their trust checks, and the report.

Most users call ``estimator.explain(X)`` and ``estimator.report(X, y, path)``; this
package holds what those return and the functions behind them.
"""

from autodeep.explain._explain import explain
from autodeep.explain._explanation import Explanation
from autodeep.explain._methods import METHODS

__all__ = ["METHODS", "Explanation", "explain"]
