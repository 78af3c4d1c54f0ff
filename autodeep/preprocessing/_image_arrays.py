"""Images given as arrays: the checks that come before any others, and batches.

Arrays are read in batches of about four million values, so checking a large array for
NaN pixels or computing its statistics needs little memory beyond the array itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import scipy.sparse


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
    for number, batch in enumerate(array_batches(images)):
        finite = np.isfinite(batch).reshape(len(batch), -1).all(axis=1)
        if not finite.all():
            first = number * _batch_length(images) + int(np.argmin(finite))
            raise ValueError(
                f"Image {first} of X has NaN or infinite pixel values; replace them "
                "with valid pixel values or drop the image (pixels are not imputed)."
            )


def as_image_array(X: Any) -> np.ndarray:
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


def array_batches(images: np.ndarray) -> Iterator[np.ndarray]:
    step = _batch_length(images)
    for start in range(0, len(images), step):
        yield images[start : start + step]
