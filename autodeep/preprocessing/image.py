"""Image inputs: in-memory arrays or image files on disk, decoded with Pillow.

:class:`ImagePreprocessor` learns what the network needs from the training images:
their size, channels and pixel statistics. Arrays pass through with their channels made
consistent. File paths stay paths: fit reads every file's header (cheap: Pillow does
not decode pixels to report a size) and a sample of pixels for the statistics, and
transform returns an :class:`ImagePaths` that decodes a batch only when the network
asks for it, so a folder larger than memory can be trained on.

Reading files lives in :mod:`autodeep.preprocessing._image_files` and checking arrays in
:mod:`autodeep.preprocessing._image_arrays`; the names users import from there are
importable from here as well.

Channel conventions, the same for arrays and files: grayscale images become three equal
channels when the data is colour, and an alpha channel is dropped (not composited).
Pixel values stay raw (0..255 for 8-bit images); 16-bit grayscale files are mapped onto
0..255 so they match 8-bit ones.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from autodeep.preprocessing._image_arrays import (
    array_batches,
    as_image_array,
    check_image_array,
)
from autodeep.preprocessing._image_files import (
    IMAGE_EXTENSIONS,
    ImagePaths,
    as_paths,
    check_files_exist,
    from_directory,
    is_grayscale,
    is_image_paths,
    read_header,
)

__all__ = [
    "IMAGE_EXTENSIONS",
    "ImagePaths",
    "ImagePreprocessor",
    "check_image_array",
    "from_directory",
    "is_image_paths",
]

STATS_SAMPLE_SIZE = 500
STATS_BATCH_SIZE = 32
STD_FLOOR = 1e-6
# Brightest pixels this many times brighter (or darker) than at fit mean another scale,
# such as 0..255 against 0..1; one dark or bright picture of the same scale stays within.
SCALE_RATIO = 50.0
_SEED = 0


class ImagePreprocessor(TransformerMixin, BaseEstimator):
    """Check images and learn their size, channels and pixel statistics.

    Accepts either a numeric array of images or a collection of file paths, and
    returns the same kind of data ready for a Keras input: an array shaped
    ``(n_images, height, width, channels_)``, or an :class:`ImagePaths` that decodes
    files lazily. It does not scale pixels; ``mean_`` and ``std_`` are there for a
    normalization layer in the network.

    Parameters
    ----------
    max_size : int or None, default=256
        For file paths only: the longer side of ``image_size_`` is capped at this many
        pixels, keeping the aspect ratio. ``None`` keeps the most common file size.
        Arrays keep their size.

    Attributes
    ----------
    input_kind_ : {"array", "paths"}
        The kind of input seen in fit; transform requires the same kind.
    image_size_ : tuple of int
        ``(height, width)`` of the output images. For paths, the most common file size
        (every file header is read; a tie goes to the size seen first), capped by
        ``max_size``.
    channels_ : {1, 3}
        1 for grayscale data, 3 for colour. Arrays: ``(n, h, w)`` and one channel give
        1; three or four channels give 3 (alpha is dropped). Paths: 3 if any file has
        a colour mode (anything but ``1 L LA I F`` and 16-bit grayscale), else 1.
    mean_ : numpy.ndarray of shape (channels_,)
        Per-channel pixel mean (raw values), float32. For paths, on a seeded sample of
        at most 500 files.
    std_ : numpy.ndarray of shape (channels_,)
        Per-channel pixel standard deviation, float32, at least ``1e-6``.
    pixel_range_ : tuple of float
        ``(lowest, highest)`` pixel value seen in fit (on the same sample as ``mean_``).
        An array whose brightest pixel is 50 times brighter or darker than this at
        transform, such as 0..255 pixels for a model fitted on 0..1 ones, gets a
        ``UserWarning`` that says how to rescale it.
    pixel_dtype_ : str
        dtype of the fit array (``"uint8"`` for files, which hold 8-bit values).

    Examples
    --------
    >>> import numpy as np
    >>> images = np.random.default_rng(0).integers(0, 256, (4, 8, 8), dtype=np.uint8)
    >>> pre = ImagePreprocessor().fit(images)
    >>> pre.image_size_, pre.channels_, pre.transform(images).shape
    ((8, 8), 1, (4, 8, 8, 1))
    """

    def __init__(self, max_size: int | None = 256):
        self.max_size = max_size

    def fit(self, X: Any, y: Any = None) -> ImagePreprocessor:
        """Learn size, channels and pixel statistics from the training images."""
        if self.max_size is not None and (
            isinstance(self.max_size, bool)
            or not isinstance(self.max_size, (int, np.integer))
            or self.max_size < 1
        ):
            raise ValueError(
                f"max_size must be a positive int or None; got {self.max_size!r}."
            )
        _check_not_empty(X)
        if is_image_paths(X):
            self.input_kind_ = "paths"
            self._fit_paths(as_paths(X))
        else:
            self.input_kind_ = "array"
            self._fit_array(as_image_array(X))
        return self

    def inspect(self, X: Any) -> ImagePreprocessor:
        """Check every image and set ``input_kind_``, ``image_size_`` and ``channels_``
        as :meth:`fit` would, without computing pixel statistics (no pixels of files
        are decoded). The estimator uses this to check all of X before training."""
        _check_not_empty(X)
        if is_image_paths(X):
            self.input_kind_ = "paths"
            self._set_geometry(as_paths(X))
        else:
            self.input_kind_ = "array"
            self._set_shape(as_image_array(X))
        return self

    def transform(self, X: Any) -> np.ndarray | ImagePaths:
        """The images as an array ``(n, height, width, channels_)`` or ImagePaths.

        A uint8 array stays uint8 (and may be a view of ``X``); other arrays become
        float32. Paths are checked for existence, not decoded.
        """
        check_is_fitted(self, "channels_")
        _check_not_empty(X)
        kind = "paths" if is_image_paths(X) else "array"
        if kind != self.input_kind_:
            raise ValueError(
                f"This ImagePreprocessor was fitted on {self.input_kind_} of images "
                f"but transform got {kind}; pass the same kind of input as in fit."
            )
        if kind == "paths":
            paths = as_paths(X)
            check_files_exist(paths)
            return ImagePaths(paths, self.image_size_, self.channels_)
        return self._transform_array(as_image_array(X))

    def _fit_array(self, images: np.ndarray) -> None:
        self._set_shape(images)
        self.pixel_dtype_ = str(images.dtype)
        self._set_statistics(array_batches(images[..., : self.channels_]))

    def _set_shape(self, images: np.ndarray) -> None:
        self.image_size_ = (int(images.shape[1]), int(images.shape[2]))
        self.channels_ = 1 if images.shape[3] == 1 else 3

    def _fit_paths(self, paths: list[str]) -> None:
        self._set_geometry(paths)
        self.pixel_dtype_ = "uint8"  # decoded files are 0..255, 16-bit ones included
        images = ImagePaths(paths, self.image_size_, self.channels_)
        if len(images) > STATS_SAMPLE_SIZE:
            rng = np.random.default_rng(_SEED)
            chosen = rng.choice(len(images), STATS_SAMPLE_SIZE, replace=False)
            images = images.subset(np.sort(chosen))
        self._set_statistics(
            images.take(np.arange(start, min(start + STATS_BATCH_SIZE, len(images))))
            for start in range(0, len(images), STATS_BATCH_SIZE)
        )

    def _set_geometry(self, paths: list[str]) -> None:
        """Size and channels from every file's header (which also checks each file)."""
        headers = [read_header(path, index) for index, path in enumerate(paths)]
        height, width = Counter(size for size, _ in headers).most_common(1)[0][0]
        if self.max_size is not None and max(height, width) > self.max_size:
            scale = self.max_size / max(height, width)
            height, width = max(1, round(height * scale)), max(1, round(width * scale))
        self.image_size_ = (height, width)
        colour = any(not is_grayscale(mode) for _, mode in headers)
        self.channels_ = 3 if colour else 1

    def _set_statistics(self, batches: Iterable[np.ndarray]) -> None:
        """Per-channel mean and std, merged batch by batch to bound memory."""
        scaler = StandardScaler()
        low, high = np.inf, -np.inf
        for batch in batches:
            # float64: the sums over millions of pixels would lose digits in float32.
            values = batch.reshape(-1, batch.shape[-1]).astype(np.float64)
            low, high = min(low, float(values.min())), max(high, float(values.max()))
            scaler.partial_fit(values)
        self.mean_ = scaler.mean_.astype(np.float32)
        std = np.sqrt(scaler.var_)  # the population std (ddof=0)
        self.std_ = np.maximum(std, STD_FLOOR).astype(np.float32)
        self.pixel_range_ = (low, high)

    def _transform_array(self, images: np.ndarray) -> np.ndarray:
        if images.shape[1:3] != self.image_size_:
            raise ValueError(
                f"X has images of size {images.shape[1:3]} (height, width) but this "
                f"ImagePreprocessor was fitted on size {self.image_size_}; resize "
                "the images to that size, or refit."
            )
        if images.shape[3] != 1 and self.channels_ == 1:
            raise ValueError(
                f"X has {images.shape[3]} channels but this ImagePreprocessor was "
                "fitted on grayscale images; convert X to grayscale, or refit on "
                "colour images."
            )
        images = images[..., : self.channels_]
        self._check_scale(images)
        if images.shape[3] != self.channels_:
            images = np.repeat(images, self.channels_, axis=3)
        if images.dtype == np.uint8:
            return images
        return images.astype(np.float32, copy=False)

    def _check_scale(self, images: np.ndarray) -> None:
        """Warn when the pixels are on another scale than at fit (0..1 vs 0..255)."""
        fitted = getattr(self, "pixel_range_", None)  # absent in older saved models
        if fitted is None or images.size == 0:
            return
        dtype = str(images.dtype)
        if dtype == self.pixel_dtype_ and images.dtype.kind in "ui":
            return  # the same integer type is the same scale, however dark the images
        fit_low, fit_high = float(fitted[0]), float(fitted[1])
        low, high = float(images.min()), float(images.max())
        if fit_high <= 0 or high <= 0:
            return
        ratio = high / fit_high
        if 1 / SCALE_RATIO < ratio < SCALE_RATIO:
            return
        if fit_high <= 1 < high:
            fix = "divide X by 255, e.g. X = X.astype('float32') / 255"
        elif high <= 1 < fit_high <= 255:
            to_type = ".astype('uint8')" if self.pixel_dtype_ == "uint8" else ""
            fix = f"multiply X by 255, e.g. X = (X * 255){to_type}"
        else:
            fix = (
                f"rescale X to the range used at fit ({fit_low:.3g} to {fit_high:.3g})"
            )
        warnings.warn(
            f"X has pixels {_scale(low, high, dtype)} but this model was fitted on "
            f"pixels {_scale(fit_low, fit_high, self.pixel_dtype_)}: the network "
            f"sees images about {max(ratio, 1 / ratio):.0f} times "
            f"{'brighter' if ratio > 1 else 'darker'} than in training, so its "
            f"predictions are wrong. Put X on the scale of fit: {fix}.",
            UserWarning,
            stacklevel=5,  # the caller of transform (sklearn wraps transform)
        )


def _scale(low: float, high: float, dtype: str) -> str:
    """``"in [0, 1] (brightest 0.98, float32)"``, or the range itself, for messages."""
    if low >= 0 and high <= 1:
        scale = "in [0, 1]"
    elif low >= 0 and high <= 255:
        scale = "in [0, 255]"
    else:
        scale = f"from {low:.3g}"
    return f"{scale} (brightest {high:.3g}, {dtype})"


def _check_not_empty(X: Any) -> None:
    if isinstance(X, (list, tuple, pd.Series, ImagePaths)) and len(X) == 0:
        raise ValueError("X contains no images.")
