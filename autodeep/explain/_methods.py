"""Attribution methods, in NumPy on top of :meth:`Probe.gradient`.

Every method takes the probe, the model inputs, their float representation ``z``, the
target output of each row and a baseline, and returns one attribution per entry of
``z``. Gradient-magnitude methods ("saliency", "smoothgrad") return non-negative
values; the others are signed, positive where the feature raised the target logit.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autodeep.explain._probe import CHUNK_ROWS, Probe

METHODS = (
    "saliency",
    "gradient_x_input",
    "smoothgrad",
    "integrated_gradients",
    "gradcam",
    "occlusion",
)
# Methods whose attributions are magnitudes (no sign).
UNSIGNED = frozenset({"saliency", "smoothgrad", "gradcam"})
DEFAULT_SETTINGS: dict[str, dict[str, Any]] = {
    "saliency": {},
    "gradient_x_input": {},
    "smoothgrad": {"samples": 25, "noise": 0.15},
    "integrated_gradients": {"steps": 32},
    "gradcam": {},
    "occlusion": {},
}
# "occlusion" removes units (columns, tokens, image patches), so it lives with the
# subjects: see ``autodeep.explain._explain``.


def saliency(
    probe: Probe, inputs: np.ndarray, z: np.ndarray, targets: np.ndarray, **_: Any
) -> np.ndarray:
    """Absolute gradient of the target logit (Simonyan et al., 2014)."""
    return np.abs(probe.gradient(inputs, z, targets)[1])


def gradient_x_input(
    probe: Probe, inputs: np.ndarray, z: np.ndarray, targets: np.ndarray, **_: Any
) -> np.ndarray:
    """Gradient times input: exact contributions for a model linear in ``z``."""
    return probe.gradient(inputs, z, targets)[1] * z


def smoothgrad(
    probe: Probe,
    inputs: np.ndarray,
    z: np.ndarray,
    targets: np.ndarray,
    *,
    samples: int = 25,
    noise: float = 0.15,
    seed: int = 0,
    **_: Any,
) -> np.ndarray:
    """Absolute mean gradient over noisy copies of each row (Smilkov et al., 2017).

    The noise's standard deviation is ``noise`` times the row's value range
    (``max - min``), as in the paper.
    """
    if samples < 1 or noise < 0:
        raise ValueError(
            f"smoothgrad needs samples >= 1 and noise >= 0; got samples={samples}, "
            f"noise={noise}."
        )
    rng = np.random.default_rng(seed)
    axes = tuple(range(1, z.ndim))
    spread = (z.max(axis=axes, keepdims=True) - z.min(axis=axes, keepdims=True)) * noise
    total = np.zeros_like(z)
    for _sample in range(samples):
        noisy = z + rng.standard_normal(z.shape).astype(np.float32) * spread
        total += probe.gradient(inputs, noisy, targets)[1]
    return np.abs(total / samples)


def integrated_gradients(
    probe: Probe,
    inputs: np.ndarray,
    z: np.ndarray,
    targets: np.ndarray,
    *,
    baseline: np.ndarray,
    steps: int = 32,
    **_: Any,
) -> np.ndarray:
    """Integrated gradients from ``baseline`` to ``z`` (Sundararajan et al., 2017).

    The path integral uses the trapezoidal rule on ``steps`` intervals, so the
    attributions of a row sum to ``f(z) - f(baseline)`` up to the rule's error.
    Rows go through in chunks so that at most ``CHUNK_ROWS`` interpolated rows exist
    at once, whatever ``steps`` is.
    """
    if steps < 1:
        raise ValueError(f"integrated_gradients needs steps >= 1; got {steps}.")
    alphas = np.linspace(0.0, 1.0, steps + 1, dtype=np.float32)
    weights = np.full(steps + 1, 1.0 / steps, dtype=np.float32)
    weights[[0, -1]] /= 2
    attributions = np.empty_like(z)
    rows_per_chunk = max(1, CHUNK_ROWS // (steps + 1))
    for start in range(0, len(z), rows_per_chunk):
        rows = slice(start, start + rows_per_chunk)
        z_rows, base = z[rows], baseline[rows]
        n = len(z_rows)
        shape = (1,) * (z.ndim - 1)
        path = base[None] + alphas.reshape(-1, 1, *shape) * (z_rows - base)[None]
        gradient = probe.gradient(
            np.tile(inputs[rows], (steps + 1,) + (1,) * (inputs.ndim - 1)),
            path.reshape(-1, *z.shape[1:]),
            np.tile(targets[rows], steps + 1),
        )[1]
        gradient = gradient.reshape(steps + 1, n, *z.shape[1:])
        average = np.tensordot(weights, gradient, axes=1)
        attributions[rows] = average * (z_rows - base)
    return attributions


def gradcam(
    probe: Probe, inputs: np.ndarray, z: np.ndarray, targets: np.ndarray, **_: Any
) -> np.ndarray:
    """Grad-CAM (Selvaraju et al., 2017) on a feature map ``z`` (n, h, w, channels).

    Each channel is weighted by its mean gradient; the positive part of the weighted
    sum is the map, at the feature map's resolution: shape (n, h, w).
    """
    gradient = probe.gradient(inputs, z, targets)[1]
    weights = gradient.mean(axis=(1, 2), keepdims=True)
    return np.maximum((weights * z).sum(axis=-1), 0.0)
