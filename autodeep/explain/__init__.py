"""Explanations of fitted autodeep estimators, their trust checks, and the report.

Most users call ``estimator.explain(X)`` and ``estimator.report(X, y, path)``; this
package holds what those return and the functions behind them.

Examples
--------
>>> from autodeep.explain import METHODS
>>> METHODS[:2]
('saliency', 'gradient_x_input')
"""

from autodeep.explain._explain import explain
from autodeep.explain._explanation import Explanation
from autodeep.explain._methods import METHODS
from autodeep.explain._trust import (
    DeletionCheck,
    RandomizationCheck,
    deletion_check,
    randomization_check,
)

__all__ = [
    "METHODS",
    "DeletionCheck",
    "Explanation",
    "RandomizationCheck",
    "deletion_check",
    "explain",
    "randomization_check",
]
