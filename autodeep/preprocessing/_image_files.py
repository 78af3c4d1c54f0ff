"""Image files: listing a one-folder-per-class tree and decoding files lazily.

An :class:`ImagePaths` holds only paths and decodes a batch of files when the network
asks for it, so a folder larger than memory can be trained on. Headers are read
without decoding pixels (Pillow reports a size and mode from the header alone). Every
error names the file and its position in ``X``, and says how to fix it.

Channel conventions: grayscale images become three equal channels when the data is
colour, and an alpha channel is dropped (not composited). Pixel values stay raw (0..255
for 8-bit images); 16-bit grayscale files are mapped onto 0..255 so they match 8-bit
ones.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image

from autodeep.preprocessing._rows import row_positions

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")
GRAYSCALE_MODES = ("1", "L", "LA", "La", "I", "F")
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


def as_paths(X: Any) -> list[str]:
    """The paths of ``X`` (one that :func:`is_image_paths` accepts) as ``str``."""
    if isinstance(X, ImagePaths):
        return list(X.paths)
    if isinstance(X, pd.Series):
        X = X.to_numpy()
    return [os.fspath(p) for p in X]


def check_files_exist(paths: list[str]) -> None:
    """Raise ``ValueError`` naming the first path that is not a file."""
    for index, path in enumerate(paths):
        if not os.path.isfile(path):
            raise ValueError(
                f"Image {index} ({path!r}) does not exist or is not a file."
            )


def read_header(path: str, index: int) -> tuple[tuple[int, int], str]:
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


def is_grayscale(mode: str) -> bool:
    """Whether a Pillow mode holds one channel of gray (16-bit modes included)."""
    return mode in GRAYSCALE_MODES or mode.startswith("I;16")
