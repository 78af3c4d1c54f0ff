"""The result of an explanation: attributions per unit, with what they explain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from autodeep.explain._methods import UNSIGNED
from autodeep.explain._probe import softmax

if TYPE_CHECKING:
    from autodeep.explain._subjects import Subject


@dataclass
class Explanation:
    """Attributions of each explained row's prediction to its units.

    Units are the original columns (tabular), the tokens of each text (text), or the
    pixels of each image (images; ``attributions[i]`` is then a height x width map).

    Attributes
    ----------
    kind : {"tabular", "text", "image"}
    method : str
        The attribution method used.
    settings : dict
        The method's settings (steps, samples, noise, baseline, ...).
    attributions : list of numpy.ndarray
        One array per row. Signed methods: positive values pushed the target output
        up. ``saliency``, ``smoothgrad`` and ``gradcam`` give magnitudes only.
    unit_names : list of list of str
        Column names (tabular) or tokens (text) of each row; empty for images.
    inputs : DataFrame, numpy.ndarray or list
        The explained rows as checked by the estimator (a DataFrame or array of
        rows, an array of texts, images or image paths).
    targets : numpy.ndarray
        The explained class label (classifiers) or output index (regressors) per row.
    predictions : numpy.ndarray
        The model's prediction for each row, in the user's labels or units.
    probabilities : numpy.ndarray or None
        Class probabilities (classifiers), columns in the order of ``classes_``.
    images : numpy.ndarray or None
        The explained images as the model saw them (images only).
    details : dict or None
        Frames with text or image columns (gradient methods): per text column
        ``{"kind": "text", "tokens": [...], "values": [...]}`` (each row's tokens and
        their attributions, which add up to the column's), per image column
        ``{"kind": "image", "maps": [...], "images": [...]}`` (each row's height x
        width map, and its image as the network read it). None otherwise.
    output, reference_output : numpy.ndarray or None
        Additive methods (``integrated_gradients``, ``gradient_x_input``): the
        explained output of each row (the target class's logit; a regressor's
        output on the standardized target scale; for an ensemble, the members'
        weighted average) and the same output at the reference input (the baseline;
        the all-zero representation for ``gradient_x_input``). None otherwise.
        :attr:`completeness_gap` compares them with the attributions.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from autodeep import TabularClassifier
    >>> X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    >>> clf = TabularClassifier(max_trials=1, max_epochs=3, verbose=0).fit(X, y)
    >>> explanation = clf.explain(X.iloc[:5])
    >>> explanation.to_frame().shape
    (5, 30)
    """

    kind: str
    method: str
    settings: dict[str, Any]
    attributions: list[np.ndarray]
    unit_names: list[list[str]]
    inputs: Any
    targets: np.ndarray
    predictions: np.ndarray
    probabilities: np.ndarray | None = None
    images: np.ndarray | None = None
    output: np.ndarray | None = None
    reference_output: np.ndarray | None = None
    details: dict[str, dict[str, Any]] | None = None

    @classmethod
    def from_subject(
        cls,
        subject: Subject,
        method: str,
        settings: dict[str, Any],
        units: list[np.ndarray],
        logits: np.ndarray,
        targets: np.ndarray,
    ) -> Explanation:
        estimator = subject.estimator
        classes = getattr(estimator, "classes_", None)
        probabilities = None
        if classes is not None:
            from autodeep._calibration import scaled

            # As predict_proba gives them: calibrated by the fitted temperature.
            temperature = getattr(estimator, "temperature_", None)  # older saves
            probabilities = scaled(softmax(logits), temperature)
            predictions = classes[probabilities.argmax(axis=1)]
            labels = classes[targets]
        else:
            from autodeep._tasks import Regression

            predictions = Regression().decode(estimator.target_transform_, logits)
            labels = targets
        image_shape = getattr(subject, "image_shape", None)
        if image_shape is not None:
            units = [u.reshape(image_shape) for u in units]
        return cls(
            kind=subject.kind,
            method=method,
            settings=settings,
            attributions=[np.asarray(u, dtype=np.float32) for u in units],
            unit_names=subject.unit_names,
            inputs=subject.X,
            targets=labels,
            predictions=predictions,
            probabilities=probabilities,
            images=subject.inputs if subject.kind == "image" else None,
            details=getattr(subject, "details", None),
        )

    def __len__(self) -> int:
        return len(self.attributions)

    @property
    def completeness_gap(self) -> np.ndarray | None:
        """Per row, the attributions' sum minus (output - reference output).

        Near zero for integrated gradients with enough ``steps`` (the gap shrinks
        as they grow); for gradient x input only when the model is linear in its
        inputs. None for methods that do not split an output."""
        if self.output is None or self.reference_output is None:
            return None
        totals = np.array([float(np.sum(a)) for a in self.attributions])
        return totals - (self.output - self.reference_output)

    @property
    def signed(self) -> bool:
        """Whether attributions carry a direction (up or down), not only a size."""
        return self.method not in UNSIGNED

    def to_frame(self) -> pd.DataFrame:
        """The attributions as a DataFrame.

        Tabular: one row per explained row, one column per original column, with the
        index of X when X was a DataFrame. Text: one row per token (``row``, the
        position of the text in X, ``position``, ``token``, ``attribution``). Images:
        one row per pixel (``row``, ``y``, ``x``, ``attribution``).
        """
        if self.kind == "tabular":
            names = self.unit_names[0] if self.unit_names else []
            index = self.inputs.index if isinstance(self.inputs, pd.DataFrame) else None
            return pd.DataFrame(np.array(self.attributions), columns=names, index=index)
        if self.kind == "text":
            records = [
                (row, position, token, float(value))
                for row, (tokens, values) in enumerate(
                    zip(self.unit_names, self.attributions, strict=True)
                )
                for position, (token, value) in enumerate(
                    zip(tokens, values, strict=True)
                )
            ]
            return pd.DataFrame(
                records, columns=["row", "position", "token", "attribution"]
            )
        frames = []
        for row, heat in enumerate(self.attributions):
            y, x = np.indices(heat.shape)
            frames.append(
                pd.DataFrame(
                    {
                        "row": row,
                        "y": y.ravel(),
                        "x": x.ravel(),
                        "attribution": heat.ravel(),
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)

    def global_importance(self) -> pd.Series | np.ndarray:
        """Mean absolute attribution over the explained rows.

        Tabular: a Series per column, largest first. Text: a Series per token (summed
        over its occurrences in a text, averaged over texts), largest first. Images:
        a height x width array.
        """
        if self.kind == "image":
            return np.mean(np.abs(np.array(self.attributions)), axis=0)
        frame = self.to_frame()
        if self.kind == "tabular":
            importance = frame.abs().mean(axis=0)
        else:
            totals = frame.assign(attribution=frame["attribution"].abs())
            importance = totals.groupby("token")["attribution"].sum() / len(self)
        return importance.sort_values(ascending=False).rename("importance")

    def heatmap(self, index: int = 0) -> np.ndarray:
        """An image's attribution map scaled to 0..1 (magnitudes), height x width."""
        self._need_image("heatmap")
        heat = np.abs(self.attributions[index])
        top = float(np.percentile(heat, 99.5)) or float(heat.max()) or 1.0
        return np.clip(heat / top, 0.0, 1.0)

    def image(self, index: int = 0) -> np.ndarray:
        """The explained image as RGB floats in 0..1 (contrast stretched)."""
        images = self._need_image("image")
        image = images[index].astype(np.float64)
        if image.shape[-1] == 1:
            image = np.repeat(image, 3, axis=-1)
        low, high = float(image.min()), float(image.max())
        return (image - low) / (high - low or 1.0)

    def overlay(self, index: int = 0, alpha: float = 0.5) -> np.ndarray:
        """The image with its heat map laid over it, as RGB uint8 (height, width, 3)."""
        from matplotlib import colormaps

        image = self.image(index)
        heat = colormaps["inferno"](self.heatmap(index))[..., :3]
        mixed = (1 - alpha) * image + alpha * heat
        return (np.clip(mixed, 0, 1) * 255).astype(np.uint8)

    def plot(self, index: int = 0, ax: Any = None, top: int = 15) -> Any:
        """Draw row ``index``'s explanation with matplotlib; returns the Axes.

        Tabular: a bar per column (the ``top`` largest). Text: the tokens, coloured by
        attribution. Images: the heat map over the image.
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 4))
        values = self.attributions[index]
        title = f"{self.method}: explaining {self.targets[index]!r}"
        if self.kind == "image":
            ax.imshow(self.overlay(index))
            ax.set_axis_off()
        elif self.kind == "tabular":
            order = np.argsort(-np.abs(values))[:top][::-1]
            names = np.asarray(self.unit_names[index])[order]
            colors = ["#c0392b" if v < 0 else "#2471a3" for v in values[order]]
            ax.barh(names, values[order], color=colors)
            ax.set_xlabel("attribution")
        else:
            _draw_tokens(ax, self.unit_names[index], values)
        ax.set_title(title)
        return ax

    def _need_image(self, name: str) -> np.ndarray:
        if self.kind != "image" or self.images is None:
            raise ValueError(
                f"{name}() is for image explanations; this is {self.kind}."
            )
        return self.images


def _draw_tokens(ax: Any, tokens: list[str], values: np.ndarray) -> None:
    """Tokens left to right, wrapped, each on a background as strong as its weight."""
    scale = float(np.max(np.abs(values))) if len(values) else 1.0
    x, y = 0.0, 1.0
    for token, value in zip(tokens, values, strict=True):
        strength = abs(float(value)) / (scale or 1.0)
        color = (
            (0.14, 0.44, 0.64, strength) if value >= 0 else (0.75, 0.22, 0.17, strength)
        )
        width = 0.02 * (len(token) + 1)
        if x + width > 1.0:
            x, y = 0.0, y - 0.1
        ax.text(x, y, token, va="top", fontsize=10, bbox={"facecolor": color, "pad": 1})
        x += width
    ax.set_axis_off()
