"""Frames that mix kinds of columns: which kind each column is, and the rows a
multimodal network reads.

Column kinds
------------
Each DataFrame column gets one kind at fit (``column_types_`` on the estimator):

- ``"numeric"``: a numeric dtype (booleans are categorical);
- ``"datetime"``: a datetime dtype;
- ``"image"``: every present value is a path (``str`` or ``os.PathLike``) ending in
  an image extension (``.png .jpg .jpeg .bmp .gif .webp``, any case), or every
  present value is a numpy array of 2 or 3 dimensions (one image per cell);
- ``"text"``: an object or string column (not ``category``) of strings with at
  least :data:`TEXT_MIN_DISTINCT` distinct values, at least
  :data:`TEXT_MIN_DISTINCT_SHARE` of its present values distinct, and at least
  :data:`TEXT_MIN_WORDS` words (runs of non-space characters) per value on average:
  free text, not labels such as city names or long but repeated category names;
- ``"categorical"``: everything else.

``column_types={"description": "text", "zip": "categorical"}`` sets the kind of any
column by name; the others are detected.

Rows
----
:class:`MixedPreprocessor` is the part fit once per stage: the tabular columns through
a :class:`~autodeep.preprocessing.TabularPreprocessor`, text columns checked, image
columns checked and their size, channels and pixel statistics learnt. It gives
:class:`MixedRows`. :class:`ColumnEncoders` is the part that depends on a trial's
parameters (each text column's vectorizer, fit on the training rows only); it gives
:class:`ColumnRows`, the one float32 row per example that the network takes: the
tabular features, then each text column's token ids or TF-IDF row, then each image
column's pixels, decoded from files a batch at a time.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.utils.validation import check_is_fitted

from autodeep.preprocessing._image_files import (
    IMAGE_EXTENSIONS,
    ImagePaths,
    read_header,
)
from autodeep.preprocessing._rows import row_positions
from autodeep.preprocessing._schema import column_kind
from autodeep.preprocessing._sparse_rows import SparseRows
from autodeep.preprocessing._text_checks import check_texts
from autodeep.preprocessing.image import ImagePreprocessor
from autodeep.preprocessing.tabular import TabularPreprocessor, as_frame

COLUMN_TYPES = ("numeric", "categorical", "datetime", "text", "image")
TABLE_TYPES = ("numeric", "categorical", "datetime")
TEXT_MIN_WORDS = 3.0
TEXT_MIN_DISTINCT = 10
TEXT_MIN_DISTINCT_SHARE = 0.3
# The longer side of the images of an image column (they feed a small CNN branch).
FRAME_IMAGE_SIZE = 64


# -- kinds ------------------------------------------------------------------------------


def detect_column_types(
    frame: pd.DataFrame, given: Mapping[Any, str] | None = None
) -> dict[Any, str]:
    """Each column's kind (see the module docstring); ``given`` sets some by name.

    Raises
    ------
    ValueError
        If ``given`` names a column that ``frame`` does not have or a kind that is
        not one of ``COLUMN_TYPES``, or says ``"numeric"`` for a column whose values
        are not numbers.
    """
    given = dict(given or {})
    unknown = [name for name in given if name not in frame.columns]
    if unknown:
        raise ValueError(
            f"column_types names column(s) {unknown} that X does not have; its "
            f"columns are {list(frame.columns)[:20]}."
        )
    for name, kind in given.items():
        if kind not in COLUMN_TYPES:
            raise ValueError(
                f"column_types[{name!r}] is {kind!r}; each kind must be one of "
                f"{list(COLUMN_TYPES)}."
            )
        if kind == "numeric":
            _check_numeric(frame.loc[:, name], name)
    return {
        column: given.get(column) or natural_type(frame[column])
        for column in frame.columns
    }


def natural_type(column: pd.Series) -> str:
    """The kind of one column by the rules of the module docstring."""
    kind = column_kind(column)
    if kind != "categorical" or isinstance(column.dtype, pd.CategoricalDtype):
        return kind
    if pd.api.types.is_bool_dtype(column):
        return kind
    present = column[column.notna().to_numpy()]
    if len(present) == 0:
        return kind
    values = present.to_list()
    if all(_is_image_path(v) for v in values) or all(
        isinstance(v, np.ndarray) and v.ndim in (2, 3) for v in values
    ):
        return "image"
    if not all(isinstance(v, str) for v in values):
        return kind
    distinct = present.nunique()
    words = float(np.mean([len(value.split()) for value in values]))
    if (
        distinct >= TEXT_MIN_DISTINCT
        and distinct >= TEXT_MIN_DISTINCT_SHARE * len(present)
        and words >= TEXT_MIN_WORDS
    ):
        return "text"
    return kind


def describe_column_types(
    types: Mapping[Any, str],
    frame: pd.DataFrame | None = None,
    given: Mapping[Any, str] | None = None,
) -> str:
    """One line for the log: how many columns of each kind; text and image columns by
    name, with what made them so when ``frame`` is given, and "given" for the kinds
    set with ``column_types``."""
    parts = []
    for kind in COLUMN_TYPES:
        names = [c for c, k in types.items() if k == kind]
        if not names:
            continue
        notes = [_note(c, kind, frame, given) for c in names]
        shown = [n for n in notes if n]
        listed = f" ({'; '.join(shown)})" if shown else ""
        parts.append(f"{len(names)} {kind}{listed}")
    return "columns: " + ", ".join(parts)


def _note(
    column: Any,
    kind: str,
    frame: pd.DataFrame | None,
    given: Mapping[Any, str] | None,
) -> str:
    """What to say of one column in the log line ("" for most table columns)."""
    if given and column in given:
        return f"{column}: given"
    if kind not in ("text", "image"):
        return ""
    if frame is None:
        return str(column)
    series = frame[column]
    present = series[series.notna().to_numpy()]
    missing = len(series) - len(present)
    if kind == "text":
        words = np.mean([len(str(v).split()) for v in present]) if len(present) else 0
        detail = f"{present.nunique()} distinct values, {words:.1f} words on average"
    else:
        arrays = len(present) and isinstance(present.iloc[0], np.ndarray)
        detail = f"{len(present)} image {'arrays' if arrays else 'files'}"
    if missing:
        detail += f", {missing} missing"
    return f"{column}: {detail}"


def _is_image_path(value: Any) -> bool:
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    return isinstance(value, str) and value.lower().endswith(IMAGE_EXTENSIONS)


def _check_numeric(series: pd.Series, name: Any) -> None:
    present = series[series.notna().to_numpy()]
    numbers = pd.to_numeric(present, errors="coerce")
    bad = present[numbers.isna().to_numpy()]
    if len(bad):
        raise ValueError(
            f"column_types[{name!r}] is 'numeric' but the column holds values that "
            f"are not numbers, such as {bad.iloc[0]!r}. Convert it first (e.g. "
            f"X[{name!r}] = pd.to_numeric(X[{name!r}], errors='coerce')) or give it "
            "another kind."
        )


def _row_label(frame: pd.DataFrame, position: int) -> str:
    label = frame.index[position]
    label = label.item() if isinstance(label, np.generic) else label
    return f"row {position}" + ("" if label == position else f" (index {label!r})")


# -- stage rows -------------------------------------------------------------------------


class MixedRows:
    """A stage's preprocessed rows: the tabular matrix, each text column's texts and
    each image column's images (lazy). Row selection keeps the three aligned."""

    def __init__(
        self,
        table: np.ndarray,
        texts: Mapping[Any, np.ndarray],
        images: Mapping[Any, Any],
    ) -> None:
        self.table, self.texts, self.images = table, dict(texts), dict(images)

    def __len__(self) -> int:
        return len(self.table)

    def take(self, indices: Any) -> np.ndarray:
        raise TypeError(
            "MixedRows holds texts and images that a trial's encoders turn into "
            "numbers; take rows of the ColumnRows they give instead."
        )

    def subset(self, indices: Any) -> MixedRows:
        rows = row_positions(indices, len(self))
        return MixedRows(
            self.table[rows],
            {c: t[rows] for c, t in self.texts.items()},
            {c: images.subset(rows) for c, images in self.images.items()},
        )


class ImageColumn:
    """The images of one column, decoded lazily; a missing image is the fit mean.

    Parameters
    ----------
    paths : sequence
        One file path, image array or None (missing) per row.
    image_size : (int, int)
    channels : {1, 3}
    fill : array of shape (channels,)
        The pixel value of a missing image (the fit mean, so it normalizes to zero).
    """

    def __init__(
        self, values: Sequence[Any], image_size: tuple[int, int], channels: int, fill
    ):
        self.values = np.empty(len(values), dtype=object)
        self.values[:] = list(values)
        self.image_size = (int(image_size[0]), int(image_size[1]))
        self.channels = int(channels)
        self.fill = np.asarray(fill, dtype=np.float32).reshape(-1)

    @property
    def width(self) -> int:
        return self.image_size[0] * self.image_size[1] * self.channels

    def __len__(self) -> int:
        return len(self.values)

    def take(self, indices: Any) -> np.ndarray:
        rows = row_positions(indices, len(self))
        batch = np.empty((len(rows), *self.image_size, self.channels), np.float32)
        batch[:] = self.fill
        paths = [(i, v) for i, v in enumerate(self.values[rows]) if isinstance(v, str)]
        if paths:
            where, files = zip(*paths, strict=True)
            decoded = ImagePaths(files, self.image_size, self.channels).take(
                np.arange(len(files))
            )
            batch[list(where)] = decoded
        for i, value in enumerate(self.values[rows]):
            if isinstance(value, np.ndarray):
                batch[i] = _as_pixels(value, self.channels)
        return batch

    def subset(self, indices: Any) -> ImageColumn:
        rows = row_positions(indices, len(self))
        return ImageColumn(self.values[rows], self.image_size, self.channels, self.fill)


def _as_pixels(image: np.ndarray, channels: int) -> np.ndarray:
    """One image array as float32 (height, width, channels)."""
    pixels = np.asarray(image, dtype=np.float32)
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    pixels = pixels[..., :channels]
    if pixels.shape[-1] != channels:
        pixels = np.repeat(pixels, channels, axis=-1)
    return pixels


class MixedPreprocessor(TransformerMixin, BaseEstimator):
    """The stage-level preprocessing of a frame with text or image columns.

    Parameters
    ----------
    column_types : dict
        Every column's kind (what :func:`detect_column_types` gave).
    scaler, max_onehot_categories
        As for :class:`~autodeep.preprocessing.TabularPreprocessor`, which handles
        the numeric, categorical and datetime columns.
    image_size : int, default=64
        The longer side of the images of image columns (aspect ratio kept).

    Attributes
    ----------
    tabular_ : TabularPreprocessor or None
        None when every column is text or image.
    text_columns_, image_columns_ : list
        Column names, in frame order.
    images_ : dict
        Image column to its fitted :class:`~autodeep.preprocessing.ImagePreprocessor`
        (size, channels and pixel statistics of the present images).
    """

    def __init__(
        self,
        column_types: dict[Any, str] | None = None,
        scaler: str | None = "standard",
        max_onehot_categories: int = 10,
        image_size: int = FRAME_IMAGE_SIZE,
    ) -> None:
        self.column_types = column_types
        self.scaler = scaler
        self.max_onehot_categories = max_onehot_categories
        self.image_size = image_size

    def fit(self, X: Any, y: Any = None) -> MixedPreprocessor:
        frame = as_frame(X)
        types = self.column_types or detect_column_types(frame)
        self.column_types_ = {c: types[c] for c in frame.columns}
        self.text_columns_ = [c for c, k in self.column_types_.items() if k == "text"]
        self.image_columns_ = [c for c, k in self.column_types_.items() if k == "image"]
        table = [c for c, k in self.column_types_.items() if k in TABLE_TYPES]
        self.tabular_ = None
        if table:
            kinds = {
                c: self.column_types_[c]
                for c in table
                if self.column_types_[c] != column_kind(frame[c])
            }
            self.tabular_ = TabularPreprocessor(
                self.scaler, self.max_onehot_categories, kinds or None
            ).fit(frame[table])
        for column in self.text_columns_:
            text_column(frame, column, require_text=True)
        self.images_ = {
            column: _fit_images(frame, column, self.image_size)
            for column in self.image_columns_
        }
        return self

    def transform(self, X: Any) -> MixedRows:
        check_is_fitted(self, "column_types_")
        frame = as_frame(X)
        if self.tabular_ is not None:
            table = self.tabular_.transform(frame[list(self.tabular_.column_kinds_)])
        else:
            table = np.zeros((len(frame), 0), np.float32)
        texts = {c: text_column(frame, c) for c in self.text_columns_}
        images = {
            c: _image_column(frame, c, self.images_[c]) for c in self.image_columns_
        }
        return MixedRows(table, texts, images)

    def source_columns(self) -> list[Any]:
        """The original column behind each tabular output column (see
        :meth:`TabularPreprocessor.source_columns`)."""
        return [] if self.tabular_ is None else self.tabular_.source_columns()


def text_column(frame: pd.DataFrame, column: Any, require_text: bool = False):
    """One text column as checked strings; errors name the column."""
    try:
        return check_texts(frame[column], require_text=require_text)
    except ValueError as error:
        if require_text and "empty" in str(error):
            raise ValueError(
                f"Text column {column!r} holds no text: every value is empty, "
                "missing or only whitespace. Drop the column, or fill it in."
            ) from error
        raise ValueError(f"Text column {column!r}: {error}") from error


def _image_values(frame: pd.DataFrame, column: Any, check: bool) -> list[Any]:
    """One value per row: a path (str), an image array, or None (missing); with
    ``check``, every file's header is read (naming the first bad row)."""
    values: list[Any] = []
    for position, value in enumerate(frame[column].to_list()):
        if isinstance(value, np.ndarray):
            values.append(value)
            continue
        if value is None or (
            not isinstance(value, (str, os.PathLike)) and pd.isna(value)
        ):
            values.append(None)
            continue
        if not isinstance(value, (str, os.PathLike)):
            raise ValueError(
                f"Image column {column!r}, {_row_label(frame, position)}: {value!r} "
                "is neither a file path nor an image array."
            )
        path = os.fspath(value)
        where = f"Image column {column!r}, {_row_label(frame, position)}: {path!r}"
        if check and not os.path.isfile(path):
            raise ValueError(
                f"{where} does not exist or is not a file. Fix the path, or set the "
                "value to None (a missing image)."
            )
        if check:
            try:
                read_header(path, position)
            except ValueError as error:
                raise ValueError(
                    f"{where} is not a readable image ({error.__cause__ or error}). "
                    "Replace the file, or set the value to None (a missing image)."
                ) from error
        values.append(path)
    return values


def _fit_images(frame: pd.DataFrame, column: Any, size: int) -> ImagePreprocessor:
    values = _image_values(frame, column, check=True)
    present = [v for v in values if v is not None]
    if not present:
        raise ValueError(
            f"Image column {column!r} holds no image: every value is missing. Drop "
            "the column, or fill it in."
        )
    if all(isinstance(v, str) for v in present):
        return ImagePreprocessor(max_size=size).fit(present)
    if any(isinstance(v, str) for v in present):
        raise ValueError(
            f"Image column {column!r} mixes file paths and image arrays; use one kind."
        )
    shapes = {np.shape(v)[:2] for v in present}
    if len(shapes) > 1:
        raise ValueError(
            f"Image column {column!r} holds arrays of different sizes {sorted(shapes)}; "
            "resize them to one size."
        )
    return ImagePreprocessor().fit(np.stack([_stack_ready(v) for v in present]))


def _stack_ready(image: np.ndarray) -> np.ndarray:
    return image if image.ndim == 3 else image[:, :, None]


def _image_column(
    frame: pd.DataFrame, column: Any, fitted: ImagePreprocessor
) -> ImageColumn:
    values = _image_values(frame, column, check=False)
    for position, value in enumerate(values):
        if isinstance(value, str) and not os.path.isfile(value):
            raise ValueError(
                f"Image column {column!r}, {_row_label(frame, position)}: {value!r} "
                "does not exist or is not a file. Fix the path, or set the value to "
                "None (a missing image)."
            )
        if isinstance(value, np.ndarray) and (
            value.ndim not in (2, 3) or value.shape[:2] != tuple(fitted.image_size_)
        ):
            raise ValueError(
                f"Image column {column!r}, {_row_label(frame, position)}: an array of "
                f"shape {value.shape}, but the column's images were "
                f"{tuple(fitted.image_size_)} (height, width) at fit. Resize it."
            )
    return ImageColumn(values, fitted.image_size_, fitted.channels_, fitted.mean_)


# -- network rows -----------------------------------------------------------------------


class ColumnRows:
    """The network's rows: parts (arrays or lazy sources) side by side, one float32
    row per example, made a batch at a time."""

    def __init__(self, parts: Sequence[Any]) -> None:
        self.parts = list(parts)

    def __len__(self) -> int:
        return len(self.parts[0])

    @property
    def shape(self) -> tuple[int, int]:
        return len(self), sum(_width(part) for part in self.parts)

    def take(self, indices: Any) -> np.ndarray:
        rows = row_positions(indices, len(self))
        blocks = []
        for part in self.parts:
            block = part[rows] if isinstance(part, np.ndarray) else part.take(rows)
            blocks.append(np.asarray(block, np.float32).reshape(len(rows), -1))
        return np.concatenate(blocks, axis=1)

    def subset(self, indices: Any) -> ColumnRows:
        rows = row_positions(indices, len(self))
        return ColumnRows(
            [
                p[rows] if isinstance(p, np.ndarray) else p.subset(rows)
                for p in self.parts
            ]
        )


def _width(part: Any) -> int:
    if isinstance(part, ImageColumn):
        return part.width
    return int(np.prod(part.shape[1:]))


class ColumnEncoders(TransformerMixin, BaseEstimator):
    """A trial's text vectorizers, one per text column, fit on the training rows.

    Parameters
    ----------
    encoder : NgramEncoder or SequenceEncoder
        The vectorizer a trial asks for (unfitted); each text column gets a clone.

    Attributes
    ----------
    encoders_ : dict
        Text column to its fitted vectorizer.
    layout_ : list of dict
        The parts of each network row, in order, for the network builder and the
        explanations: ``{"kind": "table", "width", "cardinalities", "n_continuous",
        "bin_edges"}``,
        ``{"kind": "tokens", "column", "length", "vocabulary"}`` or
        ``{"kind": "tfidf", "column", "width"}`` per text column, and
        ``{"kind": "pixels", "column", "image_size", "channels", "mean", "std"}`` per
        image column.
    n_features_out_ : int
        Width of a network row.
    """

    def __init__(self, encoder: Any = None) -> None:
        self.encoder = encoder

    def fit(self, X: MixedRows, y: Any = None, images: Any = None) -> ColumnEncoders:
        self.encoders_ = {
            column: clone(self.encoder).fit(texts) for column, texts in X.texts.items()
        }
        return self

    def set_layout(self, preprocessor: MixedPreprocessor) -> ColumnEncoders:
        """Record the row layout (called once fitted, with the stage preprocessor)."""
        check_is_fitted(self, "encoders_")
        layout: list[dict[str, Any]] = []
        tabular = preprocessor.tabular_
        if tabular is not None:
            layout.append(
                {
                    "kind": "table",
                    "width": int(tabular.n_features_out_),
                    "cardinalities": [int(c) for c in tabular.cardinalities_],
                    "n_continuous": int(tabular.n_continuous_),
                    "bin_edges": getattr(tabular, "bin_edges_", None),
                }
            )
        for column, encoder in self.encoders_.items():
            if hasattr(encoder, "sequence_length_"):
                layout.append(
                    {
                        "kind": "tokens",
                        "column": column,
                        "length": int(encoder.sequence_length_),
                        "vocabulary": int(encoder.vocabulary_size_),
                    }
                )
            else:
                layout.append(
                    {
                        "kind": "tfidf",
                        "column": column,
                        "width": int(encoder.n_features_out_),
                    }
                )
        for column, images in preprocessor.images_.items():
            layout.append(
                {
                    "kind": "pixels",
                    "column": column,
                    "image_size": [int(s) for s in images.image_size_],
                    "channels": int(images.channels_),
                    "mean": [float(v) for v in images.mean_],
                    "std": [float(v) for v in images.std_],
                }
            )
        self.layout_ = layout
        self.n_features_out_ = sum(part_width(part) for part in layout)
        return self

    def transform(self, X: MixedRows) -> ColumnRows:
        check_is_fitted(self, "encoders_")
        parts: list[Any] = []
        if X.table.shape[1]:
            parts.append(X.table)
        for column, encoder in self.encoders_.items():
            encoded = encoder.transform(X.texts[column])
            if not isinstance(encoded, SparseRows):
                encoded = np.asarray(encoded, np.float32)
            parts.append(encoded)
        parts.extend(X.images.values())
        return ColumnRows(parts)


def part_width(part: Mapping[str, Any]) -> int:
    """How many columns of a network row a layout part takes."""
    if part["kind"] == "tokens":
        return int(part["length"])
    if part["kind"] == "pixels":
        height, width = part["image_size"]
        return int(height * width * part["channels"])
    return int(part["width"])
