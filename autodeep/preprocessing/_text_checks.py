"""Checking texts: any container of strings becomes a 1-D object array of ``str``.

Missing values (``None``, ``NaN``, ``pd.NA``) become ``""``; anything else that is not a
string is an error naming the text (and its index label) and saying how to fix it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd


def check_texts(X: Any, *, require_text: bool = False) -> np.ndarray:
    """Check a collection of texts and return it as a 1-D object array of ``str``.

    Parameters
    ----------
    X : list, tuple, 1-D numpy array, pandas Series or one-column DataFrame
        The texts. Missing values (``None``, ``NaN``, ``pd.NA``) become ``""``.
    require_text : bool, default=False
        Also fail when every text is empty, missing or only whitespace (``fit``
        needs something to learn from).

    Returns
    -------
    numpy.ndarray of shape (n_texts,)
        A new object array of ``str``; the texts themselves are unchanged.

    Raises
    ------
    ValueError
        For a DataFrame with several columns, a 2-D array, an element that is neither
        a string nor missing, no texts at all, or (with ``require_text``) only empty
        or whitespace texts.
    TypeError
        If ``X`` is not one of the accepted containers.

    Examples
    --------
    >>> check_texts(["Straße", None, "東京"])
    array(['Straße', '', '東京'], dtype=object)
    """
    values, labels = _as_sequence(X)
    if len(values) == 0:
        raise ValueError("X contains no texts (0 rows); pass at least one text.")
    texts = np.empty(len(values), dtype=object)
    for position, item in enumerate(values):
        if isinstance(item, str):
            texts[position] = str(item)
        elif _is_missing(item):
            texts[position] = ""
        else:
            raise ValueError(_bad_element_message(position, item, labels))
    # Whitespace has no tokens and no n-grams: a fit on it fails in every trial.
    if require_text and not any(text.strip() for text in texts):
        raise ValueError(
            f"All {len(texts)} texts are empty or missing, or hold only whitespace; "
            "there is nothing to learn from. Check that X is the text column, and "
            "pass at least one text with words to fit on."
        )
    return texts


def _as_sequence(X: Any) -> tuple[Sequence[Any] | np.ndarray, pd.Index | None]:
    """The elements of ``X`` in order, and the pandas index labels if it has them."""
    if isinstance(X, (str, bytes)):
        raise TypeError(
            "X is a single string; pass a list (or array, Series) of texts, e.g. [X]."
        )
    if isinstance(X, pd.DataFrame):
        if X.shape[1] != 1:
            raise ValueError(
                f"X is a DataFrame with {X.shape[1]} columns {list(X.columns)}; "
                "expected exactly one text column. Select it, e.g. X['text'], or "
                "join the columns into one string per row."
            )
        X = X.iloc[:, 0]
    if isinstance(X, pd.Series):
        return X.to_numpy(dtype=object), X.index
    if isinstance(X, np.ndarray):
        if X.ndim != 1:
            raise ValueError(
                f"X has shape {X.shape}; expected a 1-D array of texts. For a single "
                "column of texts pass X[:, 0] or X.ravel()."
            )
        return X, None
    if isinstance(X, (list, tuple)):
        return X, None
    raise TypeError(
        "X must be a list, tuple, 1-D numpy array, pandas Series or one-column "
        f"DataFrame of str; got {type(X).__name__}."
    )


def _is_missing(item: Any) -> bool:
    if item is None or item is pd.NA or item is pd.NaT:
        return True
    return isinstance(item, (float, np.floating)) and math.isnan(item)


def _bad_element_message(position: int, item: Any, labels: pd.Index | None) -> str:
    where = f"Text {position}"
    if labels is not None and labels[position] != position:
        where += f" (index label {labels[position]!r})"
    hint = (
        "decode it first, e.g. value.decode('utf-8')"
        if isinstance(item, bytes)
        else "convert it to str, or replace it with None if it is missing"
    )
    return (
        f"{where} is a {type(item).__name__} ({item!r:.60}), not a str; every text "
        f"must be a str, or None/NaN when missing: {hint}."
    )
