"""Text inputs: checked strings, token ids, TF-IDF rows and word-level augmentation."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
import skops.io
from sklearn.base import clone

from autodeep.preprocessing.text import (
    NgramEncoder,
    SequenceEncoder,
    SparseRows,
    TextPreprocessor,
    augment_texts,
    check_texts,
)

ALLOWED_TYPE_PREFIXES = ("autodeep.", "sklearn.", "numpy.", "scipy.", "builtins.")

# One text per script or trap: sharp s, precomposed and decomposed accents, Greek,
# Arabic, Cyrillic, emoji with a skin tone and a ZWJ family, Chinese, Devanagari.
MULTILINGUAL = [
    "Straße",
    "naïve",
    "nai\u0308ve",
    "Καλημέρα κόσμε",
    "مرحبا بالعالم",
    "Привет мир",
    "great 👍🏽 👨\u200d👩\u200d👧",
    "我爱北京",
    "हिन्दी भाषा",
]


def dense(rows: SparseRows) -> np.ndarray:
    return rows.take(slice(None))


def round_trips(estimator):
    """The estimator after clone+fit, pickle and skops, each to compare with it."""
    data = skops.io.dumps(estimator)
    untrusted = skops.io.get_untrusted_types(data=data)
    assert all(name.startswith(ALLOWED_TYPE_PREFIXES) for name in untrusted), untrusted
    return [
        pickle.loads(pickle.dumps(estimator)),
        skops.io.loads(data, trusted=untrusted),
    ]


# check_texts and TextPreprocessor


@pytest.mark.parametrize(
    "make",
    [
        list,
        tuple,
        np.array,
        lambda texts: np.array(texts, dtype=object),
        pd.Series,
        lambda texts: pd.Series(texts, dtype="string"),
        lambda texts: pd.DataFrame({"review": texts}),
    ],
    ids=[
        "list",
        "tuple",
        "str-array",
        "object-array",
        "series",
        "string-dtype",
        "frame",
    ],
)
def test_preprocessor_accepts_each_input_kind(make):
    texts = ["Good film.", "  spaced  ", "東京"]

    result = TextPreprocessor().fit(make(texts)).transform(make(texts))

    assert result.dtype == object and result.shape == (3,)
    assert result.tolist() == texts
    assert all(type(text) is str for text in result)


def test_missing_and_empty_texts_become_empty_strings():
    texts = ["a", None, np.nan, pd.NA, "", float("nan")]

    result = TextPreprocessor().fit_transform(texts)

    assert result.tolist() == ["a", "", "", "", "", ""]


def test_texts_of_any_script_are_returned_untouched():
    texts = [*MULTILINGUAL, "  MiXeD Case, punctuation!\n"]

    assert TextPreprocessor().fit_transform(texts).tolist() == texts


def test_check_texts_returns_a_new_array():
    original = np.array(["a", "b"], dtype=object)

    checked = check_texts(original)
    checked[0] = "changed"

    assert original[0] == "a"


def test_transform_works_without_fit_and_allows_all_empty():
    assert TextPreprocessor().transform([None, ""]).tolist() == ["", ""]


def test_preprocessor_errors_say_what_is_wrong():
    pre = TextPreprocessor()
    frame = pd.DataFrame({"title": ["a"], "body": ["b"]})
    with pytest.raises(ValueError, match=r"2 columns \['title', 'body'\]"):
        pre.fit(frame)
    with pytest.raises(ValueError, match=r"shape \(2, 1\).*1-D"):
        pre.fit(np.array([["a"], ["b"]]))
    with pytest.raises(ValueError, match="Text 1 is a int"):
        pre.fit(["a", 3, "c"])
    with pytest.raises(ValueError, match="Text 1 \\(index label 'y'\\) is a bytes"):
        pre.fit(pd.Series(["a", b"raw"], index=["x", "y"]))
    for empty in ([], np.array([], dtype=object), pd.Series([], dtype=object)):
        with pytest.raises(ValueError, match="no texts"):
            pre.fit(empty)
    with pytest.raises(ValueError, match="All 3 texts are empty or missing"):
        pre.fit(["", None, np.nan])
    with pytest.raises(TypeError, match="single string"):
        pre.fit("just one text")


# SequenceEncoder


def test_vocabulary_comes_from_fit_texts_only():
    encoder = SequenceEncoder(sequence_length=3).fit(["red apple", "red pear"])

    ids = encoder.transform(["red banana apple"])

    assert "banana" not in encoder.vocabulary_
    assert ids.tolist() == [
        [encoder.vocabulary_["red"], 1, encoder.vocabulary_["apple"]]
    ]


def test_ids_are_padded_truncated_and_int32():
    encoder = SequenceEncoder(sequence_length=4).fit(["a b c d e f", "a"])

    ids = encoder.transform(["a b c d e f", "b a", "", None])

    assert ids.dtype == np.int32 and ids.shape == (4, 4)
    a, b, c, d = (encoder.vocabulary_[token] for token in "abcd")
    assert ids.tolist() == [[a, b, c, d], [b, a, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]


def test_vocabulary_ranks_by_frequency_then_first_appearance():
    texts = ["b a c", "a d c", "e a"]

    encoder = SequenceEncoder(max_tokens=5).fit(texts)

    # a: 3, c: 2, then b, d and e once each: b appeared first.
    assert encoder.vocabulary_ == {"a": 2, "c": 3, "b": 4}
    assert encoder.vocabulary_size_ == 5
    assert encoder.sequence_length_ == 128
    assert SequenceEncoder(max_tokens=5).fit(texts).vocabulary_ == encoder.vocabulary_


def test_standardize_modes():
    text = "Hello, hello WORLD! ¿Qué? «ok» 😀"
    none = SequenceEncoder(standardize="none")
    lower = SequenceEncoder(standardize="lower")
    words = SequenceEncoder(standardize="lower_punctuation")

    assert none.tokens(text) == [
        *("Hello", ",", "hello", "WORLD", "!", "¿", "Qué", "?", "«", "ok", "»", "😀")
    ]
    assert lower.tokens(text)[:4] == ["hello", ",", "hello", "world"]
    assert words.tokens(text) == ["hello", "hello", "world", "qué", "ok", "😀"]
    assert len(lower.fit([text]).vocabulary_) < len(none.fit([text]).vocabulary_)


def test_tokens_of_every_script_survive():
    encoder = SequenceEncoder(standardize="lower_punctuation")

    tokens = [encoder.tokens(text) for text in MULTILINGUAL]

    assert tokens == [
        ["straße"],
        ["naïve"],
        ["nai\u0308ve"],
        ["καλημέρα", "κόσμε"],
        ["مرحبا", "بالعالم"],
        ["привет", "мир"],
        ["great", "👍🏽", "👨\u200d👩\u200d👧"],
        ["我", "爱", "北", "京"],
        ["हिन्दी", "भाषा"],
    ]
    ids = encoder.fit(MULTILINGUAL).transform(MULTILINGUAL)
    assert (ids != 1).all()


def test_case_is_kept_without_standardization():
    encoder = SequenceEncoder(standardize="none").fit(["Straße STRASSE straße"])

    assert list(encoder.vocabulary_) == ["Straße", "STRASSE", "straße"]


def test_japanese_and_mixed_text_split_per_character():
    tokens = SequenceEncoder().tokens("東京2020年に行きました。")

    assert tokens == [
        *("東", "京", "2020", "年", "に", "行", "き", "ま", "し", "た", "。")
    ]


def test_tokens_are_not_truncated():
    encoder = SequenceEncoder(sequence_length=2)

    assert encoder.tokens("one two three") == ["one", "two", "three"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"standardize": "upper"}, "standardize must be one of"),
        ({"max_tokens": 2}, "max_tokens must be >= 3"),
        ({"sequence_length": 0}, "sequence_length must be >= 1"),
        ({"sequence_length": 1.5}, "sequence_length must be an int"),
    ],
)
def test_sequence_encoder_rejects_bad_parameters(params, message):
    with pytest.raises(ValueError, match=message):
        SequenceEncoder(**params).fit(["a"])


def test_sequence_encoder_survives_clone_pickle_and_skops():
    texts = ["Good film 😀", "bad film, naïve 東京", "Привет"]
    encoder = SequenceEncoder(max_tokens=50, sequence_length=6).fit(texts)
    expected = encoder.transform([*texts, "unseen words"])

    refit = clone(encoder).fit(texts)

    for other in [refit, *round_trips(encoder)]:
        assert other.vocabulary_ == encoder.vocabulary_
        np.testing.assert_array_equal(
            other.transform([*texts, "unseen words"]), expected
        )


# NgramEncoder and SparseRows


def test_word_ngrams_use_the_sequence_tokens():
    encoder = NgramEncoder(ngram_max=2).fit(["Good film, good actors"])

    features = set(encoder.vectorizer_.get_feature_names_out())

    assert {"Good", "good", ",", "Good film", "film ,", "good actors"} <= features
    assert encoder.vocabulary_size_ == encoder.n_features_out_ == len(features)


def test_word_ngrams_standardized():
    encoder = NgramEncoder(ngram_max=1, standardize="lower_punctuation")

    features = encoder.fit(["Good film, GOOD!"]).vectorizer_.get_feature_names_out()

    assert sorted(features) == ["film", "good"]


def test_char_ngrams_work_without_spaces():
    encoder = NgramEncoder(ngram_max=2, analyzer="char_wb").fit(["我爱北京", "北京"])

    features = set(encoder.vectorizer_.get_feature_names_out())

    assert {"北京", "我爱北", " 我爱北"} <= features
    assert max(len(feature) for feature in features) == 4


def test_ngram_vocabulary_comes_from_fit_texts_only():
    encoder = NgramEncoder().fit(["good film", "bad film"])

    rows = encoder.transform(["unseen words", "good film"])

    assert "unseen" not in encoder.vectorizer_.vocabulary_
    assert dense(rows)[0].sum() == 0 and dense(rows)[1].sum() > 0


def test_max_tokens_caps_the_number_of_features():
    texts = [f"word{i} common" for i in range(30)]

    assert NgramEncoder(max_tokens=5).fit(texts).n_features_out_ == 5


def test_sparse_rows_take_subset_len_shape():
    encoder = NgramEncoder(ngram_max=1)
    texts = ["a b", "b c", "c d", "d e"]

    rows = encoder.fit_transform(texts)

    assert isinstance(rows, SparseRows) and len(rows) == 4
    assert rows.shape == (4, encoder.n_features_out_)
    full = rows.take(np.arange(4))
    assert full.dtype == np.float32 and full.shape == rows.shape
    np.testing.assert_array_equal(full, dense(encoder.transform(texts)))
    np.testing.assert_array_equal(rows.take([-1, 0]), full[[3, 0]])
    np.testing.assert_array_equal(rows.take(np.array([1, 0, 1, 0], bool)), full[[0, 2]])
    part = rows.subset([2, 3])
    assert part.shape == (2, rows.shape[1])
    np.testing.assert_array_equal(part.take([0]), full[[2]])
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(rows)).take([1]), full[[1]])
    with pytest.raises(IndexError, match="out of range"):
        rows.take([4])
    with pytest.raises(IndexError, match="Boolean mask"):
        rows.take([True, False])


def test_ngram_encoder_errors():
    with pytest.raises(ValueError, match="analyzer must be one of"):
        NgramEncoder(analyzer="char").fit(["a"])
    with pytest.raises(ValueError, match="no word n-grams"):
        NgramEncoder(standardize="lower_punctuation").fit(["!!", "?"])


@pytest.mark.parametrize(
    "params",
    [{}, {"analyzer": "char_wb", "standardize": "lower_punctuation"}],
    ids=["word", "char_wb"],
)
def test_ngram_encoder_survives_clone_pickle_and_skops(params):
    texts = ["Good film 😀", "bad film, naïve 東京", "Привет мир"]
    encoder = NgramEncoder(**params).fit(texts)
    expected = dense(encoder.transform(texts))

    for other in [clone(encoder).fit(texts), *round_trips(encoder)]:
        np.testing.assert_array_equal(dense(other.transform(texts)), expected)


# augment_texts


def test_augment_texts_is_deterministic_and_changes_texts():
    texts = [" ".join(f"w{i}" for i in range(20))] * 10 + ["", "  ", "single"]

    first = augment_texts(texts, np.random.default_rng(0))
    second = augment_texts(texts, np.random.default_rng(0))

    assert first.tolist() == second.tolist()
    assert first.dtype == object and len(first) == len(texts)
    assert sum(new != old for new, old in zip(first, texts, strict=True)) >= 5
    assert first[-3:].tolist() == ["", "  ", "single"]
    assert first.tolist() != augment_texts(texts, np.random.default_rng(1)).tolist()


def test_augment_texts_never_empties_a_text():
    texts = ["a b c", "one", "我爱北京", "x y"]

    result = augment_texts(texts, np.random.default_rng(0), deletion=1.0, swap=0.0)

    assert all(len(text.split()) == 1 for text in result)
    assert result[1:3].tolist() == ["one", "我爱北京"]


def test_augment_texts_swaps_keep_the_words():
    text = "the quick brown fox jumps over the lazy dog"

    (result,) = augment_texts([text], 3, deletion=0.0, swap=1.0)

    assert sorted(result.split()) == sorted(text.split())


def test_augment_texts_rejects_bad_probabilities():
    with pytest.raises(ValueError, match="deletion must be between 0 and 1"):
        augment_texts(["a"], np.random.default_rng(0), deletion=1.5)
