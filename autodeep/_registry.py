"""The estimator classes by name, for rebuilding one from a saved manifest or a study.

A leaf module: ``autodeep.estimators`` fills :data:`ESTIMATORS` when it is imported
(importing the ``autodeep`` package does that first), and ``autodeep.io`` and
``autodeep._worker`` look names up here, so that neither imports the estimators module,
which imports them.
"""

from __future__ import annotations

from typing import Any

# Class name -> class, for the six public estimators.
ESTIMATORS: dict[str, type[Any]] = {}
