"""Text inputs: checked strings, token-id sequences and TF-IDF n-grams.

Keras' ``TextVectorization`` layer handles strings on the TensorFlow backend only, so
texts are vectorized here, with plain Python and scikit-learn, before they reach the
network: :class:`SequenceEncoder` gives integer sequences for an ``Embedding`` layer,
:class:`NgramEncoder` gives TF-IDF rows for a dense network (as lazy
:class:`SparseRows`, since the dense matrix can be huge).

Tokenization works for any script; see :mod:`autodeep.preprocessing._tokens`. Checking
texts (:func:`check_texts`), the lazy rows (:class:`SparseRows`) and training-time
augmentation (:func:`augment_texts`) live in modules of their own and are importable
from here as well.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

from autodeep.preprocessing._sparse_rows import SparseRows
from autodeep.preprocessing._text_augment import augment_texts
from autodeep.preprocessing._text_checks import check_texts
from autodeep.preprocessing._tokens import StripPunctuation, Tokenizer

__all__ = [
    "NgramEncoder",
    "SequenceEncoder",
    "SparseRows",
    "TextPreprocessor",
    "augment_texts",
    "check_texts",
]

STANDARDIZE_MODES = ("none", "lower", "lower_punctuation")
ANALYZERS = ("word", "char_wb")
PAD_ID = 0
OOV_ID = 1


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
