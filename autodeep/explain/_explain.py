"""``explain``: run one attribution method on a fitted estimator's rows."""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from autodeep.explain import _methods
from autodeep.explain._explanation import Explanation
from autodeep.explain._methods import DEFAULT_SETTINGS, METHODS
from autodeep.explain._subjects import ImageSubject, Subject, make_subject

GRADCAM_NEEDS_CNN = (
    "method='gradcam' needs a convolutional image model (ImageClassifier or "
    "ImageRegressor); use 'integrated_gradients' or 'occlusion' here."
)


def explain(
    estimator: Any, X: Any, method: str = "auto", target: Any = None, **settings: Any
) -> Explanation:
    """Attribute each row's prediction to the row's columns, tokens or pixels.

    Parameters
    ----------
    estimator : fitted autodeep estimator
    X : rows like those the estimator was fitted on
    method : {"auto", "saliency", "gradient_x_input", "smoothgrad", \
"integrated_gradients", "gradcam", "occlusion"}, default="auto"
        ``"auto"`` is Grad-CAM for convolutional image models and integrated
        gradients otherwise.
    target : label, array-like of labels, int or None, default=None
        What to explain: for classifiers a class label (or one per row; default the
        predicted class), for regressors the output index (default 0).
    **settings
        Method settings: ``steps`` and ``baseline`` (integrated_gradients),
        ``samples``, ``noise`` and ``seed`` (smoothgrad), ``baseline`` (occlusion).
        ``baseline`` is one input like a row of ``X`` (for images also a pixel value);
        by default it is the all-zero representation (see ``Subject.set_baseline``).

    Returns
    -------
    Explanation
    """
    subject = make_subject(estimator, X)
    method = _resolve_method(subject, method)
    settings = _check_settings(method, settings)
    baseline = subject.set_baseline(settings.pop("baseline", None))
    logits = subject.probe.logits(subject.inputs, subject.z)
    targets = _targets(estimator, logits, target)
    units = attribute(subject, method, targets, baseline, settings)
    if method in ("integrated_gradients", "occlusion"):
        settings["baseline"] = subject.baseline_name
    explanation = Explanation.from_subject(
        subject, method, settings, units, logits, targets
    )
    if method in ADDITIVE:
        # What the attributions split: the explained output at the input and at the
        # reference (the baseline; the zero representation for gradient x input).
        reference = baseline if method == "integrated_gradients" else 0 * subject.z
        explanation.output = subject.probe.gradient(subject.inputs, subject.z, targets)[
            0
        ]
        explanation.reference_output = subject.probe.gradient(
            subject.inputs, reference, targets
        )[0]
    return explanation


# Methods whose attributions of a row add up to its output minus a reference output.
ADDITIVE = ("integrated_gradients", "gradient_x_input")


def attribute(
    subject: Subject,
    method: str,
    targets: np.ndarray,
    baseline: np.ndarray,
    settings: dict[str, Any],
) -> list[np.ndarray]:
    """Unit-level attributions of ``method`` for every row of ``subject``."""
    if method == "occlusion":
        return [_occlude(subject, row, targets[row]) for row in range(len(subject))]
    if method == "gradcam":  # _resolve_method checked that the model has one
        return _gradcam(cast(ImageSubject, subject), targets)
    function = getattr(_methods, method)
    attributions = function(
        subject.probe, subject.inputs, subject.z, targets, baseline=baseline, **settings
    )
    return subject.to_units(attributions)


def _resolve_method(subject: Subject, method: str) -> str:
    convolutional = isinstance(subject, ImageSubject) and subject.has_feature_map
    if method == "auto":
        return "gradcam" if convolutional else "integrated_gradients"
    if method not in METHODS:
        raise ValueError(
            f"method must be 'auto' or one of {list(METHODS)}; got {method!r}."
        )
    if method == "gradcam" and not convolutional:
        raise ValueError(GRADCAM_NEEDS_CNN)
    return method


def _check_settings(method: str, settings: dict[str, Any]) -> dict[str, Any]:
    allowed = dict(DEFAULT_SETTINGS[method])
    if method in ("integrated_gradients", "occlusion"):
        allowed["baseline"] = None
    if method == "smoothgrad":
        allowed["seed"] = 0
    unknown = sorted(set(settings) - set(allowed))
    if unknown:
        raise TypeError(
            f"{method} got unknown setting(s) {unknown}; it takes "
            f"{sorted(allowed) or 'none'}."
        )
    return {**allowed, **settings}


def _targets(estimator: Any, logits: np.ndarray, target: Any) -> np.ndarray:
    """The output index to explain for each row."""
    n = len(logits)
    classes = getattr(estimator, "classes_", None)
    if classes is None:  # a regressor: an output index
        index = 0 if target is None else target
        if not isinstance(index, (int, np.integer)) or not 0 <= index < logits.shape[1]:
            raise ValueError(
                f"target must be an output index from 0 to {logits.shape[1] - 1} for "
                f"{type(estimator).__name__}; got {target!r}."
            )
        return np.full(n, int(index))
    if target is None:
        return logits.argmax(axis=1)
    labels = np.asarray(target, dtype=object)
    labels = np.full(n, labels.item(), dtype=object) if labels.ndim == 0 else labels
    if len(labels) != n:
        raise ValueError(f"target has {len(labels)} labels for {n} rows of X.")
    return class_positions(classes, labels)


def class_positions(classes: np.ndarray, labels: Any) -> np.ndarray:
    """The position in ``classes`` of each label (a clear error for an unknown one)."""
    position = {label: i for i, label in enumerate(classes.tolist())}
    labels = np.asarray(labels, dtype=object).tolist()
    unknown = [label for label in labels if label not in position]
    if unknown:
        raise ValueError(
            f"target {unknown[0]!r} is not a class of this model; classes_ is "
            f"{classes.tolist()}."
        )
    return np.array([position[label] for label in labels], dtype=int)


def _occlude(subject: Subject, row: int, target: int) -> np.ndarray:
    masks = subject.occlusion_masks(row)
    if len(masks) == 0:
        return np.zeros(0, np.float32)
    intact = np.zeros((1, masks.shape[1]), dtype=bool)
    inputs, z = subject.removed(row, np.concatenate([intact, masks]))
    values = subject.probe.logits(inputs, z)[:, target]
    drops = values[0] - values[1:]
    sizes = masks.sum(axis=1)
    return ((drops / np.maximum(sizes, 1)) @ masks).astype(np.float32)


def _gradcam(subject: ImageSubject, targets: np.ndarray) -> list[np.ndarray]:
    """Grad-CAM maps, upsampled (bilinear) from the feature map to the image size."""
    from scipy.ndimage import zoom

    probe = subject.feature_map_probe()
    features = probe.represent(subject.inputs)
    maps = _methods.gradcam(probe, subject.inputs, features, targets)
    height, width = subject.image_shape
    scale = (height / maps.shape[1], width / maps.shape[2])
    return [zoom(m, scale, order=1)[:height, :width].reshape(-1) for m in maps]
