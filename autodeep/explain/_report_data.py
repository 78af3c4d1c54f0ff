"""What every section of the report reads: the data, the predictions and the sample."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from markupsafe import Markup

if TYPE_CHECKING:
    from autodeep.explain._explanation import Explanation

NOUNS = {"tabular": "row", "image": "image", "text": "text"}


@dataclass
class Section:
    """One part of the report: an id, a title, its blocks (rendered by
    :mod:`autodeep.explain._html`) and cards shown side by side after them."""

    id: str
    title: str
    blocks: list[Markup] = field(default_factory=list)
    cards: list[Markup] = field(default_factory=list)


class Context:
    """The data and predictions every section reads."""

    def __init__(
        self,
        estimator: Any,
        X: Any,
        y: np.ndarray,
        kind: str,
        rng: np.random.Generator,
    ) -> None:
        self.estimator, self.X, self.y, self.kind = estimator, X, y, kind
        self.rng = rng
        # Positions of the explained rows (set once predictions are known).
        self.sample = np.zeros(0, dtype=int)
        # Mistakes added to the random sample of explained rows (set with it).
        self.added_mistakes = 0
        # The headline metric's 95% interval (set by the summary).
        self.interval = (0.0, 1.0)
        self.classes: Any = getattr(estimator, "classes_", None)
        self.noun = NOUNS[kind]
        if self.classes is not None:
            self.proba = estimator.predict_proba(X)
            self.pred = self.classes[self.proba.argmax(axis=1)]
        if self.classes is None:
            self.proba = None
            self.pred = np.asarray(estimator.predict(X))
            self.y = np.asarray(y, dtype=np.float64)

    @property
    def classifier(self) -> bool:
        return self.classes is not None


def take_rows(X: Any, positions: Any) -> Any:
    positions = np.asarray(positions)
    if isinstance(X, (pd.DataFrame, pd.Series)):
        return X.iloc[positions]
    if isinstance(X, np.ndarray):
        return X[positions]
    if hasattr(X, "paths"):  # ImagePaths
        return X.paths[positions]
    return [X[i] for i in positions]


def column(values: Any) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    return array if array.ndim == 1 else array[:, 0]


def output_scale(context: Context, explanation: Explanation, position: int) -> float:
    """The factor from a row's attributions to the target's units (1 when they have
    none: classifiers, magnitude-only methods)."""
    if context.classifier or not explanation.signed:
        return 1.0
    scale = context.estimator.target_transform_.scale_  # one per target
    return float(scale[int(explanation.targets[position])])


def method_words(method: str) -> str:
    return {
        "integrated_gradients": "integrated gradients",
        "gradcam": "Grad-CAM",
        "smoothgrad": "SmoothGrad",
        "saliency": "gradients",
        "gradient_x_input": "gradient times input",
        "occlusion": "occlusion",
    }[method]


def list_words(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
