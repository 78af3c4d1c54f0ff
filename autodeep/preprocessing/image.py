"""Image inputs: in-memory arrays or image files on disk, decoded with Pillow.

Arrays pass through with their channels made consistent. File paths stay paths: fit
reads every file's header (cheap: Pillow does not decode pixels to report a size) and a
sample of pixels for the statistics, and transform returns an :class:`ImagePaths` that
decodes a batch only when the network asks for it, so a folder larger than memory can
be trained on.

Channel conventions, the same for arrays and files: grayscale images become three equal
channels when the data is colour, and an alpha channel is dropped (not composited).
Pixel values stay raw (0..255 for 8-bit images); 16-bit grayscale files are mapped onto
0..255 so they match 8-bit ones.
"""

from __future__ import annotations

import os
import warnings
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse
from PIL import Image
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from autodeep.preprocessing._rows import row_positions

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")
GRAYSCALE_MODES = ("1", "L", "LA", "La", "I", "F")
STATS_SAMPLE_SIZE = 500
STATS_BATCH_SIZE = 32
STD_FLOOR = 1e-6
# Brightest pixels this many times brighter (or darker) than at fit mean another scale,
# such as 0..255 against 0..1; one dark or bright picture of the same scale stays within.
SCALE_RATIO = 50.0
_SEED = 0
# Exceptions Pillow raises for a missing, unreadable or hostile file.
_READ_ERRORS = (OSError, ValueError, SyntaxError, Image.DecompressionBombError)


def from_directory(path: str | os.PathLike[str]) -> tuple[list[str], list[str]]:
    """List the images of a one-folder-per-class tree, with their labels.

    The layout is ``path/<class name>/<image files>``; images in nested folders of a
    class folder belong to that class. Files are recognised by extension
    (``.png .jpg .jpeg .bmp .gif .webp``, any case); hidden files and folders (name
    starting with ``"."``, such as macOS ``._x.jpg`` resource forks) are skipped.

    Parameters
    ----------
    path : str or os.PathLike
        The folder that holds one sub-folder per class.

    Returns
    -------
    paths : list of str
        Image file paths, sorted by class name, then by path inside the class folder.
    labels : list of str
        The class (sub-folder name) of each path.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    NotADirectoryError
        If ``path`` is a file.
    ValueError
        If ``path`` has no class sub-folders, or they hold no image files.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from PIL import Image
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ["cat", "dog"]:
    ...     (root / name).mkdir()
    ...     Image.new("RGB", (8, 8)).save(root / name / "1.png")
    >>> paths, labels = from_directory(root)
    >>> labels
    ['cat', 'dog']
    """
    root = Path(path)
    if not root.exists():
        raise FileNotFoundError(f"Image folder {str(root)!r} does not exist.")
    if not root.is_dir():
        raise NotADirectoryError(
            f"{str(root)!r} is a file; pass the folder that holds one sub-folder "
            "per class."
        )
    class_dirs = sorted(
        (d for d in root.iterdir() if d.is_dir() and not d.name.startswith(".")),
        key=lambda d: d.name,
    )
    if not class_dirs:
        raise ValueError(
            f"{str(root)!r} has no class folders; expected the layout "
            "path/<class name>/<image files>."
        )
    paths: list[str] = []
    labels: list[str] = []
    for class_dir in class_dirs:
        files = sorted(_image_files(class_dir), key=lambda f: f.relative_to(class_dir))
        paths.extend(str(f) for f in files)
        labels.extend(class_dir.name for _ in files)
    if not paths:
        raise ValueError(
            f"No image files found in the class folders of {str(root)!r}; accepted "
            f"extensions are {', '.join(IMAGE_EXTENSIONS)}."
        )
    return paths, labels


def _image_files(folder: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if not name.startswith(".") and name.lower().endswith(IMAGE_EXTENSIONS):
                yield Path(dirpath) / name


def is_image_paths(X: Any) -> bool:
    """Whether ``X`` is a collection of image file paths rather than pixel data.

    True for an :class:`ImagePaths`, and for a non-empty list, tuple, 1-D numpy array or
    pandas Series whose elements are all ``str`` or ``os.PathLike``.

    Examples
    --------
    >>> import numpy as np
    >>> is_image_paths(["a.png", "b.png"]), is_image_paths(np.zeros((2, 8, 8)))
    (True, False)
    """
    if isinstance(X, ImagePaths):
        return True
    if isinstance(X, pd.Series):
        X = X.to_numpy()
    if isinstance(X, np.ndarray):
        if X.ndim != 1 or X.size == 0:
            return False
        if X.dtype.kind == "U":
            return True
        if X.dtype.kind != "O":
            return False
    elif not isinstance(X, (list, tuple)) or len(X) == 0:
        return False
    return all(isinstance(item, (str, os.PathLike)) for item in X)


class ImagePaths:
    """A read-only list of image files that decodes pixels only when asked.

    Holding only the paths, it is cheap to copy and to pickle (for example to send to
    a worker process).

    Parameters
    ----------
    paths : sequence of str or os.PathLike
        Image files.
    image_size : tuple of int
        ``(height, width)`` every image is resized to (bilinear) when it differs.
    channels : {1, 3}
        1 converts every image to grayscale (Pillow mode ``"L"``), 3 to RGB: grayscale
        files become three equal channels and alpha is dropped.

    Attributes
    ----------
    paths : numpy.ndarray of str
        The file paths, as a read-only object array of ``str``.

    Examples
    --------
    >>> import tempfile, os
    >>> from PIL import Image
    >>> file = os.path.join(tempfile.mkdtemp(), "a.png")
    >>> Image.new("L", (20, 10), color=7).save(file)
    >>> images = ImagePaths([file], image_size=(5, 10), channels=3)
    >>> batch = images.take([0])
    >>> batch.shape, batch.dtype, float(batch.max())
    ((1, 5, 10, 3), dtype('float32'), 7.0)
    """

    def __init__(
        self,
        paths: Any,
        image_size: tuple[int, int],
        channels: int,
    ) -> None:
        if isinstance(paths, ImagePaths):
            paths = paths.paths
        # An object array: fixed-width numpy strings would pad every path to the
        # longest one, several times the memory of the strings themselves.
        converted = [str(os.fspath(p)) for p in paths]
        self._paths = np.empty(len(converted), dtype=object)
        self._paths[:] = converted
        if len(image_size) != 2 or min(int(s) for s in image_size) < 1:
            raise ValueError(
                f"image_size must be (height, width) with positive sides; "
                f"got {image_size!r}."
            )
        if channels not in (1, 3):
            raise ValueError(f"channels must be 1 or 3; got {channels!r}.")
        self.image_size = (int(image_size[0]), int(image_size[1]))
        self.channels = int(channels)

    @property
    def paths(self) -> np.ndarray:
        view = self._paths.view()
        view.flags.writeable = False
        return view

    def __len__(self) -> int:
        return len(self._paths)

    def __repr__(self) -> str:
        return (
            f"ImagePaths(<{len(self)} files>, image_size={self.image_size}, "
            f"channels={self.channels})"
        )

    def take(self, indices: Any) -> np.ndarray:
        """Decode the images at ``indices`` into a float32 array.

        Returns an array of shape ``(len(indices), height, width, channels)`` with raw
        pixel values (0..255). Raises ``ValueError`` naming the file if one cannot be
        decoded.
        """
        positions = row_positions(indices, len(self._paths))
        height, width = self.image_size
        batch = np.empty((len(positions), height, width, self.channels), np.float32)
        for row, position in enumerate(positions):
            batch[row] = _load(self._paths[position], int(position), self)
        return batch

    def subset(self, indices: Any) -> ImagePaths:
        """The images at ``indices`` (integer positions or a boolean mask), lazily."""
        selected = self._paths[row_positions(indices, len(self._paths))]
        return ImagePaths(selected, self.image_size, self.channels)


def _load(path: str, index: int, spec: ImagePaths) -> np.ndarray:
    """One image as float32 ``(height, width, channels)``, converted and resized."""
    height, width = spec.image_size
    try:
        with Image.open(path) as file:
            # JPEG only: decode at a reduced scale when the target is much smaller.
            file.draft("L" if spec.channels == 1 else "RGB", (width, height))
            image = _convert(file, spec.channels)
            if image.size != (width, height):
                image = image.resize((width, height), Image.Resampling.BILINEAR)
            pixels = np.asarray(image, dtype=np.float32)
    except _READ_ERRORS as exc:
        raise ValueError(
            f"Could not decode image {index} ({path!r}): {exc}. Replace or remove the "
            "file."
        ) from exc
    if pixels.ndim == 2:
        pixels = pixels[:, :, np.newaxis]
    if pixels.shape[-1] != spec.channels:
        pixels = np.repeat(pixels, spec.channels, axis=-1)
    return pixels


def _convert(image: Image.Image, channels: int) -> Image.Image:
    """Pillow mode ``"L"`` or ``"RGB"``; 16-bit grayscale becomes float 0..255."""
    if image.mode.startswith("I;16"):
        # Pillow clips 16-bit values at 255 when converting to "L": rescale instead.
        return Image.fromarray(np.asarray(image, dtype=np.float32) / 257.0)
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    return image.convert("L" if channels == 1 else "RGB")


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
            self._fit_paths(_as_paths(X))
        else:
            self.input_kind_ = "array"
            self._fit_array(_as_image_array(X))
        return self

    def inspect(self, X: Any) -> ImagePreprocessor:
        """Check every image and set ``input_kind_``, ``image_size_`` and ``channels_``
        as :meth:`fit` would, without computing pixel statistics (no pixels of files
        are decoded). The estimator uses this to check all of X before training."""
        _check_not_empty(X)
        if is_image_paths(X):
            self.input_kind_ = "paths"
            self._set_geometry(_as_paths(X))
        else:
            self.input_kind_ = "array"
            self._set_shape(_as_image_array(X))
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
            paths = _as_paths(X)
            for index, path in enumerate(paths):
                if not os.path.isfile(path):
                    raise ValueError(
                        f"Image {index} ({path!r}) does not exist or is not a file."
                    )
            return ImagePaths(paths, self.image_size_, self.channels_)
        return self._transform_array(_as_image_array(X))

    def _fit_array(self, images: np.ndarray) -> None:
        self._set_shape(images)
        self.pixel_dtype_ = str(images.dtype)
        self._set_statistics(_array_batches(images[..., : self.channels_]))

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
        headers = [_read_header(path, index) for index, path in enumerate(paths)]
        height, width = Counter(size for size, _ in headers).most_common(1)[0][0]
        if self.max_size is not None and max(height, width) > self.max_size:
            scale = self.max_size / max(height, width)
            height, width = max(1, round(height * scale)), max(1, round(width * scale))
        self.image_size_ = (height, width)
        colour = any(not _is_grayscale(mode) for _, mode in headers)
        self.channels_ = 3 if colour else 1

    def _set_statistics(self, batches: Iterator[np.ndarray]) -> None:
        """Per-channel mean and std, merged batch by batch to bound memory."""
        count, mean, sum_sq = 0, np.zeros(self.channels_), np.zeros(self.channels_)
        low, high = np.inf, -np.inf
        for batch in batches:
            values = batch.reshape(-1, batch.shape[-1]).astype(np.float64)
            low, high = min(low, float(values.min())), max(high, float(values.max()))
            batch_mean = values.mean(axis=0)
            batch_sum_sq = ((values - batch_mean) ** 2).sum(axis=0)
            total = count + len(values)
            delta = batch_mean - mean
            mean = mean + delta * len(values) / total
            sum_sq = sum_sq + batch_sum_sq + delta**2 * count * len(values) / total
            count = total
        self.mean_ = mean.astype(np.float32)
        self.std_ = np.maximum(np.sqrt(sum_sq / count), STD_FLOOR).astype(np.float32)
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


def check_image_array(X: Any) -> np.ndarray:
    """Read ``X`` as a numeric array of images, with messages that say what to fix.

    The checks that come before any others: ``X`` must hold at least one image, of at
    least 2 dimensions (a 2-D array is read as rows of one-row images), all images of
    one shape, and no NaN or infinite pixels (the first bad image is named).

    Parameters
    ----------
    X : array-like
        Images: an array, or a list of arrays of one shape.

    Returns
    -------
    numpy.ndarray
        ``X`` as an array (a view of it when it already is one).

    Raises
    ------
    ValueError
        If ``X`` is empty, 0-D or 1-D, ragged (images of different shapes) or has a
        NaN or infinite pixel.
    TypeError
        If ``X`` is a scipy sparse matrix or array.

    Examples
    --------
    >>> import numpy as np
    >>> check_image_array([np.zeros((8, 8)), np.ones((8, 8))]).shape
    (2, 8, 8)
    >>> check_image_array([np.zeros((8, 8)), np.zeros((9, 8))])
    Traceback (most recent call last):
    ...
    ValueError: X is a list of images of different shapes: image 0 has shape (8, 8) ...
    """
    if scipy.sparse.issparse(X):
        raise TypeError(
            "X is a sparse matrix, but images must be a dense array; convert it with "
            "X.toarray() and reshape it to (n_images, height, width)."
        )
    images = _stack(X)
    if images.ndim >= 1 and len(images) == 0:
        raise ValueError(
            f"X contains no images (shape {images.shape}); pass at least one image."
        )
    if images.ndim < 2:
        raise ValueError(
            f"X has shape {images.shape}; expected images: an array of shape "
            "(n_images, height, width) or (n_images, height, width, channels), or a "
            "list of image file paths. Reshape your data to one of those shapes; for "
            "one image of shape (height, width) pass X[np.newaxis]."
        )
    if images.dtype.kind == "f":
        _check_finite(images)
    return images


def _stack(X: Any) -> np.ndarray:
    """``X`` as an array; a ragged list of images is an error naming two shapes."""
    try:
        images = np.asarray(X)
    except ValueError as exc:
        raise ValueError(_ragged_message(X, exc)) from exc
    if images.dtype.kind == "O" and isinstance(X, (list, tuple)):
        # NumPy before 1.24 made an object array of a ragged list instead of raising.
        shapes = {np.shape(item) for item in X}
        if len(shapes) > 1:
            raise ValueError(_ragged_message(X, None))
    return images


def _ragged_message(X: Any, error: Exception | None) -> str:
    fix = (
        "Images in an array must all have the same shape: resize them to one size "
        "first, or pass image file paths, which are resized to one size."
    )
    if isinstance(X, (list, tuple)) and len(X) > 0:
        shapes = [np.shape(item) for item in X]
        for index, shape in enumerate(shapes):
            if shape != shapes[0]:
                return (
                    f"X is a list of images of different shapes: image 0 has shape "
                    f"{shapes[0]} but image {index} has shape {shape}. {fix}"
                )
    return f"X could not be read as an array of images ({error}). {fix}"


def _check_finite(images: np.ndarray) -> None:
    for number, batch in enumerate(_array_batches(images)):
        finite = np.isfinite(batch).reshape(len(batch), -1).all(axis=1)
        if not finite.all():
            first = number * _batch_length(images) + int(np.argmin(finite))
            raise ValueError(
                f"Image {first} of X has NaN or infinite pixel values; replace them "
                "with valid pixel values or drop the image (pixels are not imputed)."
            )


def _check_not_empty(X: Any) -> None:
    if isinstance(X, (list, tuple, pd.Series, ImagePaths)) and len(X) == 0:
        raise ValueError("X contains no images.")


def _as_paths(X: Any) -> list[str]:
    if isinstance(X, ImagePaths):
        return list(X.paths)
    if isinstance(X, pd.Series):
        X = X.to_numpy()
    return [os.fspath(p) for p in X]


def _read_header(path: str, index: int) -> tuple[tuple[int, int], str]:
    """``((height, width), mode)`` from the file header; pixels are not decoded."""
    if not os.path.isfile(path):
        raise ValueError(
            f"Image {index} ({path!r}) does not exist or is not a file. Fix the path "
            "or remove it from X."
        )
    try:
        with Image.open(path) as image:
            width, height = image.size
            return (height, width), image.mode
    except _READ_ERRORS as exc:
        raise ValueError(
            f"Image {index} ({path!r}) is not a readable image ({exc}). Replace or "
            "remove the file."
        ) from exc


def _is_grayscale(mode: str) -> bool:
    return mode in GRAYSCALE_MODES or mode.startswith("I;16")


def _as_image_array(X: Any) -> np.ndarray:
    """``X`` as a 4-D numeric array, after the checks fit and transform share."""
    images = _stack(X)
    if images.ndim >= 1 and len(images) == 0:
        raise ValueError(f"X contains no images (shape {images.shape}).")
    if images.dtype.kind not in "uif":
        raise ValueError(
            f"X has dtype {images.dtype}; expected a numeric array of pixels, or a "
            "list, array or Series of image file paths (str or os.PathLike)."
        )
    if images.ndim not in (3, 4):
        raise ValueError(
            f"X has shape {images.shape}; expected (n_images, height, width) for "
            "grayscale or (n_images, height, width, channels) with 1, 3 or 4 channels."
        )
    if images.ndim == 3:
        images = images[..., np.newaxis]
    if images.shape[3] not in (1, 3, 4):
        raise ValueError(
            f"X has {images.shape[3]} channels (shape {images.shape}); expected 1 "
            "(grayscale), 3 (RGB) or 4 (RGBA, alpha is dropped)."
        )
    if images.dtype.kind == "f":
        _check_finite(images)
    return images


def _batch_length(images: np.ndarray) -> int:
    """Images per batch so that one batch holds about four million values."""
    return max(1, 2**22 // max(1, int(np.prod(images.shape[1:]))))


def _array_batches(images: np.ndarray) -> Iterator[np.ndarray]:
    step = _batch_length(images)
    for start in range(0, len(images), step):
        yield images[start : start + step]
