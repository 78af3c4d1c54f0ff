"""Adversarial robustness: how much a worst-case change of the input moves the model.

Two attacks on the network's input, within a box of size ``epsilon`` around each row
(the L-infinity ball): FGSM, one step of ``epsilon`` in the direction of the sign of
the loss gradient (Goodfellow et al., 2015), and PGD, ``steps`` smaller signed steps
projected back into the box (Madry et al., 2018), starting from the row itself. The
loss is the cross-entropy of the true class (the ensemble's averaged probabilities
for an ensemble), or the squared error of a regressor; gradients come from the
backend's autodiff through :func:`autodeep._backend.value_and_gradient`, so the same
code runs on TensorFlow, JAX and PyTorch.

Units: for images ``epsilon`` is in pixel values on the scale the model was fitted
on (0-255 for 8-bit images), and the perturbed pixels stay within that scale. For
tables it is in standard deviations of each numeric (and datetime-derived) column as
the network sees it, over the rows given (for the default standard scaling, the
column's own standard deviation); categorical columns, missing-value indicators and
text are never perturbed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np
import pandas as pd
from sklearn.base import is_classifier

from autodeep import _backend
from autodeep._ensemble import members_of
from autodeep._model_parts import model_parts
from autodeep.explain._probe import CHUNK_ROWS

ATTACKS = ("fgsm", "pgd")
# Default perturbation sizes: tables in standard deviations, images in 1/255ths of
# the pixel range.
TABLE_EPSILONS = (0.0, 0.05, 0.1, 0.2, 0.5)
IMAGE_STEPS = (0, 1, 2, 4, 8, 16)


class Target:
    """The network inputs of some rows, what may change in them and by how much,
    and the loss an attack raises."""

    def __init__(self, estimator: Any, X: Any, y: Any) -> None:
        kind = _kind(estimator)
        self.estimator = estimator
        X = estimator._validate_X(X, reset=False)
        y = estimator._validate_y(X, y)
        self.classifier = is_classifier(estimator)
        if self.classifier:
            unknown = ~np.isin(y, estimator.classes_)
            if unknown.any():
                raise ValueError(
                    f"y holds {int(unknown.sum())} label(s) the model does not know, "
                    f"such as {y[unknown][0]!r}; the classes are "
                    f"{list(estimator.classes_)}."
                )
            self.truth = np.searchsorted(estimator.classes_, y)
        else:
            self.truth = np.asarray(y, np.float64).reshape(len(y), -1)
        self.inputs = _network_inputs(estimator, X)
        if kind == "tabular":
            # Per entry: standard deviations of the continuous columns, 0 elsewhere.
            self.scale = np.zeros(self.inputs.shape[1], np.float32)
            first = continuous_width(estimator.preprocessor_)
            spread = self.inputs[:, :first].std(axis=0) if len(self.inputs) > 1 else 0
            self.scale[:first] = spread
            self.low: float | None = None
            self.high: float | None = None
        else:
            self.scale = np.ones(self.inputs.shape[1:], np.float32)
            self.low, self.high = 0.0, pixel_range(estimator, self.inputs)
        members, weights = members_of(estimator.model_) or ([estimator.model_], [1.0])
        self.networks = [
            keras.Model(member.input, model_parts(member).logits) for member in members
        ]
        total = float(sum(weights))
        self.log_weights = [float(np.log(w / total)) for w in weights]

    def default_epsilons(self) -> list[float]:
        if self.high is None:
            return list(TABLE_EPSILONS)
        return [self.high * step / 255 for step in IMAGE_STEPS]

    def loss(self, rows: slice) -> Callable[[Any], Any]:
        """Each row's loss as a function of a backend tensor of network inputs."""
        ops = keras.ops
        if self.classifier:
            picked = ops.convert_to_tensor(self.truth[rows].astype("int32")[:, None])

            def cross_entropy(x: Any) -> Any:
                # log of the weighted average of the members' probabilities, stably.
                parts = [
                    ops.log_softmax(
                        ops.cast(net(x, training=False), "float32"), axis=-1
                    )
                    + w
                    for net, w in zip(self.networks, self.log_weights, strict=True)
                ]
                log_p = ops.logsumexp(ops.stack(parts), axis=0)
                return -ops.take_along_axis(log_p, picked, axis=1)[:, 0]

            return cross_entropy
        target = self.estimator.target_transform_
        scaled = ops.convert_to_tensor(
            target.transform(self.truth[rows]).astype("float32")
        )

        def squared_error(x: Any) -> Any:
            outputs = [
                ops.cast(net(x, training=False), "float32") * float(np.exp(w))
                for net, w in zip(self.networks, self.log_weights, strict=True)
            ]
            return ops.sum((sum(outputs) - scaled) ** 2, axis=-1)

        return squared_error

    def gradient_sign(self, x: np.ndarray, rows: slice) -> np.ndarray:
        _, gradient = _backend.value_and_gradient(self.loss(rows), x)
        return np.sign(gradient).astype(np.float32)

    def project(self, x: np.ndarray, start: np.ndarray, box: np.ndarray) -> np.ndarray:
        x = np.clip(x, start - box, start + box)
        if self.low is not None:
            x = np.clip(x, self.low, self.high)
        return x.astype(np.float32)

    def attack(
        self, name: str, epsilon: np.ndarray | float, steps: int = 10
    ) -> np.ndarray:
        """Perturbed network inputs; ``epsilon`` one value, or one per row."""
        if name not in ATTACKS:
            raise ValueError(f"attack must be one of {list(ATTACKS)}; got {name!r}.")
        epsilon = np.broadcast_to(np.asarray(epsilon, np.float32), (len(self.inputs),))
        shape = (-1,) + (1,) * (self.inputs.ndim - 1)
        box = epsilon.reshape(shape) * self.scale
        done = []
        for start in range(0, len(self.inputs), CHUNK_ROWS):
            rows = slice(start, start + CHUNK_ROWS)
            origin, part = self.inputs[rows], box[rows]
            if name == "fgsm" or steps < 1:
                x = origin + part * self.gradient_sign(origin, rows)
            else:
                x, size = origin.copy(), 2.5 * part / steps
                for _ in range(steps):
                    x = self.project(
                        x + size * self.gradient_sign(x, rows), origin, part
                    )
            done.append(self.project(x, origin, part))
        return np.concatenate(done) if done else self.inputs.copy()

    def measure(self, inputs: np.ndarray) -> float:
        """Accuracy (classifiers) or mean absolute error in the target's units."""
        from autodeep._tasks import Regression
        from autodeep._training import predict_array

        outputs = predict_array(self.estimator.model_, inputs)
        if self.classifier:
            return float(np.mean(outputs.argmax(axis=1) == self.truth))
        predicted = Regression().decode(self.estimator.target_transform_, outputs)
        errors = np.abs(predicted.reshape(len(predicted), -1) - self.truth)
        return float(errors.mean())


def _kind(estimator: Any) -> str:
    from sklearn.utils.validation import check_is_fitted

    from autodeep.explain._subjects import subject_class

    check_is_fitted(estimator, "model_")
    kind = subject_class(estimator).kind
    if kind == "text":
        raise ValueError(
            "Robustness checks perturb numbers: pixel values or numeric columns. A "
            "text model's tokens are not perturbed, so there is nothing to attack; "
            "use an image or tabular estimator."
        )
    return kind


def continuous_width(preprocessor: Any) -> int:
    """How many leading network inputs are continuous (scaled numeric) values: the
    tabular preprocessing's, which come first in a row with text or image columns."""
    if hasattr(preprocessor, "n_continuous_"):
        return int(preprocessor.n_continuous_)
    layout = preprocessor[-1].layout_
    return next((int(p["n_continuous"]) for p in layout if p["kind"] == "table"), 0)


def _network_inputs(estimator: Any, X: Any) -> np.ndarray:
    from autodeep import _data

    values = estimator.preprocessor_.transform(X)
    return _data.take(values, np.arange(len(values))).astype(np.float32)


def pixel_range(estimator: Any, inputs: np.ndarray) -> float:
    """The top of the pixel scale: 255 for 8-bit images (or pixels above 1.5),
    otherwise 1."""
    dtype = getattr(estimator.preprocessor_, "pixel_dtype_", None)
    if dtype == "uint8" or (inputs.size and float(inputs.max()) > 1.5):
        return 255.0
    return 1.0


def robustness(
    estimator: Any,
    X: Any,
    y: Any,
    epsilons: Sequence[float] | None = None,
    *,
    attacks: Sequence[str] = ATTACKS,
    steps: int = 10,
) -> pd.DataFrame:
    """Accuracy (or error) of a fitted image or tabular estimator under attack.

    Parameters
    ----------
    estimator : fitted autodeep image or tabular estimator
    X, y : labelled data, ideally not used for training
    epsilons : sequence of float, optional
        Perturbation sizes: pixel values for images (default 0, 1, 2, 4, 8 and 16
        of 255ths of the pixel scale), standard deviations of each numeric column for
        tables (default 0, 0.05, 0.1, 0.2, 0.5). See the module docstring.
    attacks : sequence of {"fgsm", "pgd"}, default=("fgsm", "pgd")
    steps : int, default=10
        PGD's steps, each 2.5 * epsilon / steps.

    Returns
    -------
    pandas.DataFrame
        One row per (attack, epsilon): ``attack``, ``epsilon``, and ``accuracy``
        (classifiers) or ``error`` (regressors: mean absolute error in the target's
        units).

    Examples
    --------
    >>> autodeep.robustness(clf, X_test, y_test, epsilons=[0, 2, 8])  # doctest: +SKIP
    """
    unknown = [a for a in attacks if a not in ATTACKS]
    if unknown:
        raise ValueError(f"attacks must be among {list(ATTACKS)}; got {unknown}.")
    return curves(Target(estimator, X, y), epsilons, attacks, steps)


def curves(
    target: Target,
    epsilons: Sequence[float] | None = None,
    attacks: Sequence[str] = ATTACKS,
    steps: int = 10,
) -> pd.DataFrame:
    """:func:`robustness`'s table for a :class:`Target`."""
    sizes = target.default_epsilons() if epsilons is None else list(epsilons)
    if any(not np.isfinite(e) or e < 0 for e in sizes):
        raise ValueError(f"epsilons must be finite and non-negative; got {sizes}.")
    column = "accuracy" if target.classifier else "error"
    clean = target.measure(target.inputs)
    rows = []
    for attack in attacks:
        for epsilon in sizes:
            value = (
                clean
                if epsilon == 0
                else target.measure(target.attack(attack, epsilon, steps))
            )
            rows.append({"attack": attack, "epsilon": float(epsilon), column: value})
    return pd.DataFrame(rows, columns=["attack", "epsilon", column])
