"""Text augmentation for training: random word deletions and neighbour swaps."""

from __future__ import annotations

from typing import Any

import numpy as np

from autodeep.preprocessing._text_checks import check_texts


def augment_texts(
    texts: Any,
    rng: np.random.Generator | int,
    deletion: float = 0.1,
    swap: float = 0.1,
) -> np.ndarray:
    """Randomly delete and swap whitespace-separated words, for training only.

    Each word is dropped with probability ``deletion`` (a non-empty text always keeps
    at least one word), then about ``swap`` times the number of words pairs of
    neighbours are swapped. Words are re-joined with single spaces, so line breaks are
    lost; text without spaces (Chinese, Japanese) is one word and is left as it is.

    Parameters
    ----------
    texts : list, tuple, 1-D numpy array, pandas Series or one-column DataFrame
        The texts, as accepted by :func:`check_texts`.
    rng : numpy.random.Generator or int
        Source of randomness (an int seeds a new Generator); the same state gives the
        same result.
    deletion : float, default=0.1
        Probability, in [0, 1], that each word is dropped.
    swap : float, default=0.1
        Expected number of adjacent swaps per word, in [0, 1].

    Returns
    -------
    numpy.ndarray of shape (n_texts,)
        New object array of ``str``; texts without words (empty, or only
        whitespace) are returned as they are.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> augment_texts(["a b c d e f", ""], rng, deletion=0.0, swap=0.5).tolist()
    ['a b c d f e', '']
    """
    for name, value in (("deletion", deletion), ("swap", swap)):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{name} must be between 0 and 1; got {value!r}.")
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(rng)
    augmented = check_texts(texts)
    for position, text in enumerate(augmented):
        words = text.split()
        if words:
            augmented[position] = " ".join(_augment_words(words, rng, deletion, swap))
    return augmented


def _augment_words(
    words: list[str], rng: np.random.Generator, deletion: float, swap: float
) -> list[str]:
    keep = rng.random(len(words)) >= deletion
    if not keep.any():
        keep[rng.integers(len(words))] = True
    kept = [word for word, kept_word in zip(words, keep, strict=True) if kept_word]
    if len(kept) < 2:
        return kept
    for left in rng.integers(0, len(kept) - 1, size=rng.binomial(len(kept), swap)):
        kept[left], kept[left + 1] = kept[left + 1], kept[left]
    return kept
