"""Class-imbalance handling: resampling with imbalanced-learn, and class weights.

Both act on the training part only; the validation part and test data keep their real
class balance so scores stay honest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.utils.class_weight import compute_class_weight

RESAMPLERS = ("smote", "random_over", "random_under")


def check_resampling(resampling: Any) -> None:
    """Fail fast, before training, on a ``resampling=`` value autodeep cannot use."""
    if resampling is None or resampling in RESAMPLERS:
        return
    if not hasattr(resampling, "fit_resample"):
        raise ValueError(
            f"resampling must be None, one of {list(RESAMPLERS)}, or an imbalanced-learn "
            f"sampler object with fit_resample; got {resampling!r}."
        )


def make_resampler(
    resampling: Any, categorical_columns: Sequence[int], n_features: int, seed: int
) -> Any:
    """The imbalanced-learn sampler for ``resampling=``, or None.

    ``"smote"`` becomes SMOTENC when some columns are categorical (one-hot or code
    columns of the preprocessed matrix), and SMOTEN when all of them are.
    """
    from imblearn.over_sampling import SMOTE, SMOTEN, SMOTENC, RandomOverSampler
    from imblearn.under_sampling import RandomUnderSampler

    check_resampling(resampling)
    if resampling is None:
        return None
    if resampling == "random_over":
        return RandomOverSampler(random_state=seed)
    if resampling == "random_under":
        return RandomUnderSampler(random_state=seed)
    if resampling == "smote":
        if not categorical_columns:
            return SMOTE(random_state=seed)
        if len(categorical_columns) == n_features:
            return SMOTEN(random_state=seed)
        return SMOTENC(list(categorical_columns), random_state=seed)
    sampler = clone(resampling)
    if "random_state" in sampler.get_params():
        sampler.set_params(random_state=seed)
    return sampler


def resample(sampler: Any, X: Any, y: np.ndarray) -> tuple[Any, np.ndarray]:
    """Apply ``sampler`` (or nothing when it is None); SMOTE needs enough neighbours.

    Images (arrays of more than 2 dimensions, or lazy sources of image files) and
    texts (a 1-D array of strings) are resampled by row: the sampler picks row numbers,
    which only samplers that repeat or drop rows (random over- and under-sampling) can
    do.
    """
    from autodeep._data import is_lazy, subset

    if sampler is None:
        return X, y
    if is_lazy(X) or np.ndim(X) != 2:
        rows, y_res = sampler.fit_resample(np.arange(len(y)).reshape(-1, 1), y)
        return subset(X, np.asarray(rows).ravel()), np.asarray(y_res)
    k = getattr(sampler, "k_neighbors", None)
    if isinstance(k, int):
        smallest = min(int(c) for c in np.bincount(y) if c > 0)
        if smallest < 2:
            raise ValueError(
                "SMOTE needs at least 2 samples of every class in the training part; "
                "use resampling='random_over' for classes this small."
            )
        if smallest <= k:
            sampler.set_params(k_neighbors=smallest - 1)
    X_res, y_res = sampler.fit_resample(X, y)
    return np.asarray(X_res, dtype=np.float32), np.asarray(y_res)


def class_weights(
    class_weight: str | Mapping[Any, float] | None,
    y_codes: np.ndarray,
    classes: np.ndarray,
) -> dict[int, float] | None:
    """Keras ``class_weight`` (code -> weight) from ``class_weight=`` in user labels."""
    if class_weight is None:
        return None
    n_classes = len(classes)
    if class_weight == "balanced":
        present = np.unique(y_codes)
        weights = compute_class_weight("balanced", classes=present, y=y_codes)
        result = dict.fromkeys(range(n_classes), 1.0)
        result.update({int(c): float(w) for c, w in zip(present, weights, strict=True)})
        return result
    if isinstance(class_weight, Mapping):
        labels = list(classes)
        unknown = [key for key in class_weight if key not in labels]
        if unknown:
            raise ValueError(
                f"class_weight has keys {unknown} that are not classes of y; the "
                f"classes are {labels}."
            )
        result = dict.fromkeys(range(n_classes), 1.0)
        for key, weight in class_weight.items():
            result[labels.index(key)] = float(weight)
        return result
    raise ValueError(
        f"class_weight must be None, 'balanced' or a dict of class -> weight; got "
        f"{class_weight!r}."
    )


def use_class_weight(plan: Any, class_weight: Any, classes: np.ndarray | None) -> None:
    """Give ``plan`` the Keras class weights for ``class_weight=`` (checked now)."""
    if class_weight is None or classes is None:
        return
    class_weights(class_weight, np.arange(len(classes)), classes)  # fail early
    plan.class_weights = lambda y: class_weights(class_weight, y, classes)


def use_row_resampling(plan: Any, resampling: Any) -> None:
    """Give ``plan`` a sampler that repeats or drops rows (images, texts; SMOTE, which
    interpolates between vectors, was refused with the parameters)."""
    if resampling is not None:
        plan.make_resampler = lambda pre, seed: make_resampler(resampling, [], 1, seed)
