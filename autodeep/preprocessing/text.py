"""Text inputs: checked strings, token-id sequences and TF-IDF n-grams.

Keras' ``TextVectorization`` layer handles strings on the TensorFlow backend only, so
texts are vectorized here, with plain Python and scikit-learn, before they reach the
network: :class:`SequenceEncoder` gives integer sequences for an ``Embedding`` layer,
:class:`NgramEncoder` gives TF-IDF rows for a dense network (as lazy
:class:`SparseRows`, since the dense matrix can be huge).

Tokenization works for any script; see :mod:`autodeep.preprocessing._tokens`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

from autodeep.preprocessing._rows import row_positions
from autodeep.preprocessing._tokens import StripPunctuation, Tokenizer

STANDARDIZE_MODES = ("none", "lower", "lower_punctuation")
ANALYZERS = ("word", "char_wb")
PAD_ID = 0
OOV_ID = 1


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


class TextPreprocessor(TransformerMixin, BaseEstimator):
    """Check texts and return them as a 1-D object array of ``str``.

    Stateless: ``fit`` only validates. Missing values and empty strings become
    ``""``; every other text is returned exactly as given (no lower-casing, no
    stripping, any script).

    Examples
    --------
    >>> import pandas as pd
    >>> TextPreprocessor().fit_transform(pd.Series(["Привет", pd.NA, "مرحبا"]))
    array(['Привет', '', 'مرحبا'], dtype=object)
    """

    def fit(self, X: Any, y: Any = None) -> TextPreprocessor:
        """Check that ``X`` holds texts and that at least one is not empty."""
        check_texts(X, require_text=True)
        return self

    def transform(self, X: Any) -> np.ndarray:
        """The texts as a 1-D object array of ``str`` (missing values as ``""``)."""
        return check_texts(X)

    def __sklearn_is_fitted__(self) -> bool:
        return True

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.string = True
        return tags


def _check_standardize(standardize: Any) -> None:
    if standardize not in STANDARDIZE_MODES:
        raise ValueError(
            f"standardize must be one of {list(STANDARDIZE_MODES)}; got "
            f"{standardize!r}."
        )


def _check_int(name: str, value: Any, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an int >= {minimum}; got {value!r}.")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {value!r}.")


class SequenceEncoder(TransformerMixin, BaseEstimator):
    """Turn texts into fixed-length sequences of token ids for an Embedding layer.

    Tokens are runs of word characters and single other characters (see the module
    docstring); each CJK ideograph or kana character is a token of its own, since
    those scripts do not separate words with spaces. Id 0 is padding and id 1 stands
    for tokens outside the vocabulary.

    Parameters
    ----------
    max_tokens : int, default=20000
        Number of ids, padding and out-of-vocabulary included: the vocabulary keeps the
        ``max_tokens - 2`` most frequent tokens of the fit texts.
    sequence_length : int, default=128
        Length of every output row: longer texts are cut after this many tokens,
        shorter ones are right-padded with 0.
    standardize : {"none", "lower", "lower_punctuation"}, default="none"
        ``"none"`` keeps case and punctuation; ``"lower"`` lower-cases
        (``str.lower``, any script); ``"lower_punctuation"`` also drops punctuation
        tokens (Unicode punctuation and ASCII symbols). Emoji and other non-ASCII
        symbols are kept: they often carry the sentiment of a text.

    Attributes
    ----------
    vocabulary_ : dict of str to int
        Token to id (from 2), most frequent first; ties go to the token seen first.
    vocabulary_size_ : int
        Number of ids, ``len(vocabulary_) + 2``: the ``input_dim`` of an Embedding.
    sequence_length_ : int
        Length of the output rows.

    Examples
    --------
    >>> encoder = SequenceEncoder(sequence_length=4).fit(["the cat", "the dog"])
    >>> encoder.vocabulary_
    {'the': 2, 'cat': 3, 'dog': 4}
    >>> encoder.transform(["the bird", "猫"])
    array([[2, 1, 0, 0],
           [1, 0, 0, 0]], dtype=int32)
    """

    def __init__(
        self,
        max_tokens: int = 20000,
        sequence_length: int = 128,
        standardize: str = "none",
    ):
        self.max_tokens = max_tokens
        self.sequence_length = sequence_length
        self.standardize = standardize

    def fit(self, X: Any, y: Any = None) -> SequenceEncoder:
        """Learn the vocabulary from the training texts only."""
        _check_int("max_tokens", self.max_tokens, 3)
        _check_int("sequence_length", self.sequence_length, 1)
        _check_standardize(self.standardize)
        counts: Counter[str] = Counter()
        for text in check_texts(X, require_text=True):
            counts.update(self.tokens(text))
        # A stable sort: equal counts keep the order of first appearance.
        ranked = sorted(counts.items(), key=lambda item: -item[1])
        kept = ranked[: int(self.max_tokens) - 2]
        self.vocabulary_ = {token: index for index, (token, _) in enumerate(kept, 2)}
        self.vocabulary_size_ = len(self.vocabulary_) + 2
        self.sequence_length_ = int(self.sequence_length)
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Token ids, int32 of shape ``(n_texts, sequence_length_)``."""
        check_is_fitted(self, "vocabulary_")
        texts = check_texts(X)
        ids = np.full((len(texts), self.sequence_length_), PAD_ID, dtype=np.int32)
        lookup = self.vocabulary_.get
        for row, text in enumerate(texts):
            tokens = self.tokens(text)[: self.sequence_length_]
            ids[row, : len(tokens)] = [lookup(token, OOV_ID) for token in tokens]
        return ids

    def tokens(self, text: str) -> list[str]:
        """The standardized tokens of one text, in order, before any truncation.

        Examples
        --------
        >>> SequenceEncoder(standardize="lower").tokens("Straße, 東京!")
        ['straße', ',', '東', '京', '!']
        """
        _check_standardize(self.standardize)
        if self.standardize != "none":
            text = text.lower()
        return Tokenizer(self.standardize != "lower_punctuation")(text)


class SparseRows:
    """Rows of a sparse matrix, made dense only a batch at a time.

    Parameters
    ----------
    matrix : scipy sparse matrix or array
        Converted to CSR, float32.

    Examples
    --------
    >>> import scipy.sparse
    >>> rows = SparseRows(scipy.sparse.eye(3, format="csr"))
    >>> len(rows), rows.shape, rows.take([2]).tolist()
    (3, (3, 3), [[0.0, 0.0, 1.0]])
    """

    def __init__(self, matrix: Any) -> None:
        self._matrix = scipy.sparse.csr_matrix(matrix, dtype=np.float32)

    @property
    def matrix(self) -> scipy.sparse.csr_matrix:
        """The underlying CSR matrix (do not modify it)."""
        return self._matrix

    @property
    def shape(self) -> tuple[int, int]:
        rows, columns = self._matrix.shape
        return int(rows), int(columns)

    def __len__(self) -> int:
        return self.shape[0]

    def __repr__(self) -> str:
        return f"SparseRows(<{len(self)} rows x {self.shape[1]} features>)"

    def take(self, indices: Any) -> np.ndarray:
        """Dense float32 rows at ``indices``, shape ``(len(indices), n_features)``."""
        return self._matrix[row_positions(indices, len(self))].toarray()

    def subset(self, indices: Any) -> SparseRows:
        """The rows at ``indices`` (integer positions or a boolean mask), still sparse."""
        return SparseRows(self._matrix[row_positions(indices, len(self))])


class NgramEncoder(TransformerMixin, BaseEstimator):
    """TF-IDF weights of word or character n-grams, as lazy sparse rows.

    A wrapper around scikit-learn's ``TfidfVectorizer`` whose word tokens are those
    of :class:`SequenceEncoder`.

    Parameters
    ----------
    max_tokens : int, default=20000
        Keep this many most frequent n-grams of the fit texts.
    ngram_max : int, default=2
        ``"word"``: n-grams of 1 to ``ngram_max`` tokens. ``"char_wb"``: character
        n-grams of 2 to ``max(ngram_max + 2, 3)`` characters, padded with spaces at
        word edges; these work for any script, misspellings included.
    analyzer : {"word", "char_wb"}, default="word"
        What the n-grams are made of.
    standardize : {"none", "lower", "lower_punctuation"}, default="none"
        As for :class:`SequenceEncoder`.

    Attributes
    ----------
    vectorizer_ : sklearn.feature_extraction.text.TfidfVectorizer
        The fitted vectorizer.
    vocabulary_size_ : int
        Number of n-gram features.
    n_features_out_ : int
        Width of the output rows (the same number).

    Examples
    --------
    >>> encoder = NgramEncoder(ngram_max=1).fit(["good film", "bad film"])
    >>> rows = encoder.transform(["good good film", "unseen"])
    >>> rows.shape, rows.take([1]).sum()
    ((2, 3), np.float32(0.0))
    """

    def __init__(
        self,
        max_tokens: int = 20000,
        ngram_max: int = 2,
        analyzer: str = "word",
        standardize: str = "none",
    ):
        self.max_tokens = max_tokens
        self.ngram_max = ngram_max
        self.analyzer = analyzer
        self.standardize = standardize

    def fit(self, X: Any, y: Any = None) -> NgramEncoder:
        """Learn the n-gram vocabulary and IDF weights from the training texts only."""
        self._fit_transform(X)
        return self

    def fit_transform(self, X: Any, y: Any = None) -> SparseRows:
        """Fit, then transform the same texts (tokenizing them only once)."""
        return SparseRows(self._fit_transform(X))

    def transform(self, X: Any) -> SparseRows:
        """TF-IDF rows, float32, as :class:`SparseRows` of ``n_features_out_`` columns."""
        check_is_fitted(self, "vectorizer_")
        return SparseRows(self.vectorizer_.transform(check_texts(X)))

    def _fit_transform(self, X: Any) -> Any:
        texts = check_texts(X, require_text=True)
        self.vectorizer_ = self._make_vectorizer()
        try:
            matrix = self.vectorizer_.fit_transform(texts)
        except ValueError as exc:
            if "empty vocabulary" not in str(exc):
                raise
            raise ValueError(
                f"The fit texts have no {self.analyzer} n-grams after "
                f"standardize={self.standardize!r}, which drops punctuation: they "
                "hold only punctuation. Keep it with standardize='none' or 'lower' "
                "(for an estimator, search_space={'standardize': 'lower'}), or pass "
                "texts with words."
            ) from exc
        self.vocabulary_size_ = len(self.vectorizer_.vocabulary_)
        self.n_features_out_ = self.vocabulary_size_
        return matrix

    def _make_vectorizer(self) -> TfidfVectorizer:
        _check_int("max_tokens", self.max_tokens, 1)
        _check_int("ngram_max", self.ngram_max, 1)
        _check_standardize(self.standardize)
        common = {
            "max_features": int(self.max_tokens),
            "lowercase": self.standardize != "none",
            "dtype": np.float32,
        }
        if self.analyzer == "word":
            return TfidfVectorizer(
                analyzer="word",
                tokenizer=Tokenizer(self.standardize != "lower_punctuation"),
                token_pattern=None,
                ngram_range=(1, int(self.ngram_max)),
                **common,
            )
        if self.analyzer == "char_wb":
            strip = self.standardize == "lower_punctuation"
            return TfidfVectorizer(
                analyzer="char_wb",
                preprocessor=StripPunctuation() if strip else None,
                ngram_range=(2, max(int(self.ngram_max) + 2, 3)),
                **common,
            )
        raise ValueError(
            f"analyzer must be one of {list(ANALYZERS)}; got {self.analyzer!r}."
        )


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
