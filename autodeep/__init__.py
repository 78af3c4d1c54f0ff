"""autodeep: tuned, explainable deep networks with the scikit-learn API.

>>> from autodeep import TabularClassifier
>>> clf = TabularClassifier(max_trials=5, random_state=0)  # doctest: +SKIP
"""

import os

# TensorFlow's C++ log lines (errors included: "failed call to cuInit" on every CPU
# machine) drown the useful output; users can still set this. The lines written while
# TensorFlow loads are filtered by autodeep._backend.import_keras.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from autodeep._fairness import fairness_frame
from autodeep.estimators import (
    ImageClassifier,
    ImageRegressor,
    TabularClassifier,
    TabularRegressor,
    TextClassifier,
    TextRegressor,
)
from autodeep.export import onnx_info
from autodeep.io import load
from autodeep.search_spaces import Choice, Fixed, Float, Int

__version__ = "0.1.0"

__all__ = [
    "Choice",
    "Fixed",
    "Float",
    "ImageClassifier",
    "ImageRegressor",
    "Int",
    "TabularClassifier",
    "TabularRegressor",
    "TextClassifier",
    "TextRegressor",
    "fairness_frame",
    "load",
    "onnx_info",
    "robustness",
]


def __getattr__(name: str) -> object:
    # ``robustness`` imports Keras: only when it is first used (PEP 562).
    if name == "robustness":
        from autodeep._backend import import_keras

        import_keras()
        from autodeep.explain._robustness import robustness

        return robustness
    raise AttributeError(f"module 'autodeep' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), "robustness"])
