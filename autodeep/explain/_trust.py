"""Checks that say whether an explanation can be trusted.

* Model-parameter randomization (Adebayo et al., 2018): explain the same rows with a
  copy of the network whose weights are freshly initialized. A method whose maps barely
  change does not depend on what the model learned, and is flagged.
* Deletion (faithfulness): remove each row's units most-attributed first and follow the
  predicted class's probability (a regressor's output); compare the area under that
  curve with removing the same units in random order. Faithful maps make it drop
  faster, so their area is smaller.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import spearmanr

from autodeep.explain._explain import class_positions, explain
from autodeep.explain._explanation import Explanation
from autodeep.explain._probe import softmax
from autodeep.explain._subjects import Subject, make_subject

# A method passes the randomization check when its maps' mean rank correlation with
# the randomized model's maps is below this.
RANDOMIZATION_LIMIT = 0.5
DELETION_STEPS = 10
# Image maps whose mean pairwise correlation is above this are "the same map" for
# every image: they show where the model looks in general, not per image.
SAMENESS_LIMIT = 0.9


@dataclass
class RandomizationCheck:
    """Mean Spearman correlation of |attributions|, trained vs re-initialized model."""

    method: str
    correlation: float
    per_row: np.ndarray

    @property
    def passed(self) -> bool:
        return bool(self.correlation < RANDOMIZATION_LIMIT)


@dataclass
class DeletionCheck:
    """Areas under the deletion curves: attribution order vs random order.

    ``curve`` and ``random_curve`` are the mean scores after removing 0, 10, ..., 100%
    of each row's units.
    """

    method: str
    auc: float
    random_auc: float
    curve: np.ndarray
    random_curve: np.ndarray

    @property
    def passed(self) -> bool:
        return bool(self.auc < self.random_auc)


def randomization_check(
    estimator: Any,
    X: Any,
    method: str = "auto",
    seed: int = 0,
    explanation: Explanation | None = None,
    **settings: Any,
) -> RandomizationCheck:
    """Compare ``method``'s maps on ``X`` before and after re-initializing the weights.

    Every layer of the network is rebuilt with fresh random weights (the cascading
    randomization of Adebayo et al. taken to the end); fixed preprocessing inside the
    model, such as image normalization, keeps its values. Pass ``explanation`` (of
    these rows, with ``method`` and ``settings``) when you already have it, so the
    trained model's maps are not computed again.
    """
    import keras

    original = explanation
    if original is None:
        original = explain(estimator, X, method=method, **settings)
    keras.utils.set_random_seed(seed)
    randomized = _with_model(estimator, keras.models.clone_model(estimator.model_))
    # Explain the same class in both, whatever the random model now predicts.
    shuffled = explain(
        randomized,
        X,
        method=original.method,
        target=_as_targets(estimator, original),
        **settings,
    )
    per_row = np.array(
        [
            _rank_correlation(a, b)
            for a, b in zip(original.attributions, shuffled.attributions, strict=True)
        ]
    )
    return RandomizationCheck(original.method, float(np.nanmean(per_row)), per_row)


def deletion_check(
    estimator: Any, X: Any, explanation: Explanation, seed: int = 0, repeats: int = 3
) -> DeletionCheck:
    """Deletion curves for ``explanation`` (of the rows ``X``) against random order.

    A removed column or pixel takes the default baseline value (the all-zero
    representation: a column's training mean after standard scaling, a black pixel);
    a removed token is deleted from the text.
    """
    subject = make_subject(estimator, X)
    subject.set_baseline(None)
    targets = _target_positions(estimator, explanation)
    rng = np.random.default_rng(seed)
    curves, random_curves = [], []
    for row, values in enumerate(explanation.attributions):
        values = np.asarray(values).reshape(-1)
        if values.size == 0:
            continue
        orders = [np.argsort(-values, kind="stable")]
        orders += [rng.permutation(values.size) for _ in range(repeats)]
        attributed, *shuffled = _deletion_curves(subject, row, targets[row], orders)
        curves.append(attributed)
        random_curves.append(np.mean(shuffled, axis=0))
    if not curves:
        raise ValueError("No row has anything to delete (all texts are empty?).")
    curve, random_curve = np.mean(curves, axis=0), np.mean(random_curves, axis=0)
    return DeletionCheck(
        explanation.method, _area(curve), _area(random_curve), curve, random_curve
    )


@dataclass
class SamenessCheck:
    """Mean pairwise Pearson correlation of the rows' image maps (magnitudes)."""

    method: str
    similarity: float

    @property
    def passed(self) -> bool:
        return bool(self.similarity < SAMENESS_LIMIT)


def sameness_check(explanation: Explanation) -> SamenessCheck | None:
    """Whether an image method's maps differ between images; None for other kinds or
    fewer than two rows."""
    if explanation.kind != "image" or len(explanation) < 2:
        return None
    maps = np.abs(np.array(explanation.attributions)).reshape(len(explanation), -1)
    varied = maps.std(axis=1) > 0
    if varied.sum() < 2:  # flat maps: nothing to tell apart
        return SamenessCheck(explanation.method, 1.0)
    correlations = np.corrcoef(maps[varied])
    pairs = np.triu_indices(len(correlations), k=1)
    return SamenessCheck(explanation.method, float(np.mean(correlations[pairs])))


def _deletion_curves(
    subject: Subject, row: int, target: int, orders: list[np.ndarray]
) -> np.ndarray:
    """The score after removing 0, 10, ..., 100% of the units, for each removal order.

    All orders' variants of the row go through the network in one call.
    """
    n = len(orders[0])
    counts = np.unique(np.round(np.linspace(0, n, DELETION_STEPS + 1)).astype(int))
    masks = np.zeros((len(orders), len(counts), n), dtype=bool)
    for index, order in enumerate(orders):
        for step, count in enumerate(counts):
            masks[index, step, order[:count]] = True
    inputs, z = subject.removed(row, masks.reshape(-1, n))
    logits = subject.probe.logits(inputs, z)
    scores = (
        softmax(logits)[:, target]
        if hasattr(subject.estimator, "classes_")
        else logits[:, target]
    ).reshape(len(orders), len(counts))
    # Rows with fewer units than steps still report at every step.
    fractions = np.linspace(0, n, DELETION_STEPS + 1)
    return np.array([np.interp(fractions, counts, curve) for curve in scores])


def _with_model(estimator: Any, model: Any) -> Any:
    """A shallow copy of a fitted estimator with another network.

    Not ``copy.copy``: that goes through pickling, which writes the model to bytes.
    """
    twin = object.__new__(type(estimator))
    twin.__dict__.update(estimator.__dict__)
    twin.model_ = model
    return twin


def _area(curve: np.ndarray) -> float:
    """Area under a curve sampled at evenly spaced fractions of 0..1."""
    return float(np.trapezoid(curve, dx=1.0 / (len(curve) - 1)))


def _rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.abs(np.ravel(a)), np.abs(np.ravel(b))
    if a.size < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(spearmanr(a, b).statistic)


def _as_targets(estimator: Any, explanation: Explanation) -> Any:
    if hasattr(estimator, "classes_"):
        return explanation.targets
    return int(explanation.targets[0])


def _target_positions(estimator: Any, explanation: Explanation) -> np.ndarray:
    classes = getattr(estimator, "classes_", None)
    if classes is None:
        return np.asarray(explanation.targets, dtype=int)
    return class_positions(classes, explanation.targets)
