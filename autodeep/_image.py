"""Image input: checks for arrays and file paths, and the engine plan (CNN space)."""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from contextlib import contextmanager
from functools import partial
from typing import Any, ClassVar

import numpy as np
from sklearn.utils._param_validation import InvalidParameterError, StrOptions
from sklearn.utils.validation import check_is_fitted

from autodeep._params import (
    CLASSIFIER_CONSTRAINTS,
    ROW_RESAMPLER_NAMES,
    Constraints,
    resampling_constraints,
)
from autodeep.search_spaces._backbones import BACKBONES

SMOTE_ON_IMAGES = (
    "resampling='smote' is not available for images: SMOTE makes new samples by "
    "interpolating between feature vectors, and between raw images that gives blended "
    "pictures that are not real examples of either. Use resampling='random_over' (or "
    "'random_under') or class_weight='balanced'."
)


class _ImageMixin:
    """Input checks and the engine plan for images (arrays or file paths)."""

    augmentation: bool | dict[str, Any]
    pretrained_weights: str | None
    backbone: str
    mixed_precision: bool | str
    jit_compile: bool | str
    search_space: dict[str, Any] | None
    _modality_constraints: ClassVar[Constraints] = {
        "augmentation": ["boolean", dict],
        "pretrained_weights": [str, os.PathLike, None],
        "backbone": [StrOptions(set(BACKBONES))],
        "mixed_precision": ["boolean", StrOptions({"auto"})],
        "jit_compile": ["boolean", StrOptions({"auto"})],
    }
    _classifier_constraints: ClassVar[Constraints] = {
        **CLASSIFIER_CONSTRAINTS,
        **resampling_constraints(ROW_RESAMPLER_NAMES),
    }
    _parameter_refusals: ClassVar[dict[str, dict[str, str]]] = {
        "resampling": {"smote": SMOTE_ON_IMAGES}
    }

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()  # type: ignore[misc]
        tags.input_tags.allow_nan = False  # a NaN pixel is an error, not "missing"
        tags.input_tags.three_d_array = True
        return tags

    def _check_modality_params(self) -> None:
        """The weights file exists (a path that is not a file is refused here only)."""
        weights = self.pretrained_weights
        if weights is not None and not os.path.isfile(weights):
            raise InvalidParameterError(
                f"pretrained_weights={weights!r} is not a file. Pass the path of a "
                "local keras.applications weights file; autodeep never downloads "
                "weights."
            )

    def _validate_X(self, X: Any, reset: bool) -> Any:
        from autodeep.preprocessing.image import (
            ImagePaths,
            check_image_array,
            is_image_paths,
        )

        if isinstance(X, ImagePaths):
            X = X.paths
        if is_image_paths(X):
            X = np.asarray([os.fspath(path) for path in X], dtype=object)
        else:
            # Before scikit-learn's checks, whose messages are about tables (reshape
            # to one feature, NaN as missing) and never name the bad image.
            X = _check_pixels(self, check_image_array(X), reset)
            if X.ndim == 2:
                X = _rows_as_images(X, reset)
        if not reset:
            check_is_fitted(self, "preprocessor_")
        return X

    def _inspect(self, X: Any) -> dict[str, Any]:
        """The images' kind, size and channels (fitted attributes of the same names).

        Every image is checked now, before any training: a bad file or array fails
        here with its name or index, not in the middle of a trial."""
        from autodeep.preprocessing.image import ImagePreprocessor

        check = ImagePreprocessor().inspect(X)
        return {
            "input_kind_": check.input_kind_,
            "image_size_": check.image_size_,
            "channels_": check.channels_,
        }

    def _plan(self, task: Any, inspected: Mapping[str, Any]) -> Any:
        from autodeep._plan import Plan, class_labels
        from autodeep.preprocessing.image import ImagePreprocessor
        from autodeep.preprocessing.imbalance import (
            use_class_weight,
            use_row_resampling,
        )
        from autodeep.search_spaces import apply_overrides, cnn_space
        from autodeep.search_spaces.image import CNN_DEFAULTS

        space = cnn_space(
            inspected["image_size_"],
            self.augmentation,
            self.pretrained_weights,
            self.backbone if self.pretrained_weights is not None else None,
        )
        gpu = _has_gpu()
        plan = Plan(
            task=task,
            space=apply_overrides(space, self.search_space),
            default_params=CNN_DEFAULTS,
            make_preprocessor=ImagePreprocessor,
            build_model=partial(
                _build_image_model,
                pretrained_weights=self.pretrained_weights,
                mixed_precision=_switch(self.mixed_precision, gpu),
            ),
            compile_options={"jit_compile": _switch(self.jit_compile, gpu)},
        )
        use_row_resampling(plan, getattr(self, "resampling", None))
        use_class_weight(plan, getattr(self, "class_weight", None), class_labels(task))
        return plan


def _check_pixels(estimator: Any, X: Any, reset: bool) -> np.ndarray:
    """A numeric, finite, dense array of at least 2 dimensions (scikit-learn's checks).

    At predict time the height of an image array is not checked as a feature count:
    the preprocessing names the expected image size instead.
    """
    from sklearn.utils.validation import check_array, validate_data

    options: dict[str, Any] = {"allow_nd": True, "dtype": "numeric"}
    if reset:
        return np.asarray(validate_data(estimator, X=X, reset=True, **options))
    X = check_array(X, **options)
    if X.ndim == 2:
        validate_data(estimator, X=X, reset=False, **options)
    return np.asarray(X)


def _rows_as_images(X: np.ndarray, reset: bool) -> np.ndarray:
    """A 2-D array (n, d) is read as n one-row grayscale images of d pixels.

    This keeps 1-D signals (spectra, sensor traces) and scikit-learn's own estimator
    checks working; flattened pictures should be reshaped to (n, height, width) first,
    hence the warning.
    """
    if reset:
        warnings.warn(
            f"X has shape {X.shape}: each row is read as one image of 1 x {X.shape[1]} "
            "pixels. If the rows are flattened pictures, reshape X to (n_images, "
            "height, width) so the network sees them as 2-D images.",
            UserWarning,
            stacklevel=5,  # the caller of fit
        )
    return X[:, None, :]


def _build_image_model(
    params: Mapping[str, Any],
    preprocessor: Any,
    task: Any,
    pretrained_weights: str | None,
    mixed_precision: bool,
) -> Any:
    from autodeep.search_spaces.image import build_cnn

    with _dtype_policy("mixed_float16" if mixed_precision else None):
        return build_cnn(
            params,
            preprocessor.image_size_,
            preprocessor.channels_,
            preprocessor.mean_,
            preprocessor.std_,
            task.n_outputs,
            task.output_activation,
            pretrained_weights=pretrained_weights,
        )


@contextmanager
def _dtype_policy(name: str | None) -> Any:
    """Build layers under dtype policy ``name`` (the global policy is put back after)."""
    import keras

    if name is None:
        yield
        return
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def _has_gpu() -> bool:
    from autodeep import _backend

    return bool(_backend.framework().has_gpu())


def _switch(value: bool | str, gpu: bool) -> bool:
    """``"auto"``: on when a GPU is present; otherwise the user's True / False."""
    return gpu if value == "auto" else bool(value)
