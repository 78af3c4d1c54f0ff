"""TextClassifier and TextRegressor: each input kind, each family, leakage, errors,
persistence."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

import autodeep
from autodeep import TextClassifier, TextRegressor

FAST = {"max_trials": 1, "max_epochs": 6, "random_state": 0, "verbose": 0}
POSITIVE = ["good", "great", "superb", "lovely", "fine", "καλό", "好"]
NEGATIVE = ["bad", "awful", "poor", "boring", "dull", "κακό", "坏"]
FILLER = ["the", "film", "was", "plot", "actors", "really", "quite", "story", "🙂"]


def reviews(n: int, seed: int) -> tuple[list[str], list[str]]:
    """Short reviews whose one sentiment word (in several scripts) gives the label."""
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for i in range(n):
        positive = i % 2 == 1
        words = [*rng.choice(FILLER, 6), rng.choice(POSITIVE if positive else NEGATIVE)]
        rng.shuffle(words)
        texts.append(" ".join(words))
        labels.append("pos" if positive else "neg")
    return texts, labels


@pytest.fixture(scope="module")
def data():
    return (*reviews(600, 0), *reviews(200, 1))


@pytest.mark.slow
@pytest.mark.parametrize(
    "family", ["ngrams", "embedding", "conv1d", "rnn", "transformer"]
)
def test_each_family_learns_through_the_estimator(family, data):
    X, y, X_test, y_test = data
    space = {"family": family, "sequence_length": 16, "embedding_dim": 32}
    if family == "ngrams":
        space = {"family": family}
    clf = TextClassifier(**FAST, search_space=space).fit(X, y)
    assert clf.best_params_["family"] == family
    assert clf.score(X_test, y_test) >= 0.8
    proba = clf.predict_proba(X_test[:5])
    assert proba.shape == (5, 2) and np.allclose(proba.sum(axis=1), 1)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["list", "array", "series", "frame"])
def test_input_kinds_with_missing_and_empty_texts(kind, data):
    X, y, X_test, y_test = data
    X = [*X[:-2], "", None]
    inputs = {
        "list": X,
        "array": np.array(X, dtype=object),
        "series": pd.Series(X),
        "frame": pd.DataFrame({"review": X}),
    }[kind]
    clf = TextClassifier(**FAST, search_space={"family": "ngrams"}).fit(inputs, y)
    assert clf.predict(["", None, "great film"]).shape == (3,)
    assert clf.score(X_test, y_test) >= 0.8


def test_vectorizer_sees_only_training_texts(data, monkeypatch):
    from autodeep import _text

    X, y, _, _ = data
    fitted_on: list[int] = []
    make = _text.make_encoder

    def recording(params):
        encoder = make(params)
        fit = encoder.fit

        def fit_and_record(texts, *args):
            fitted_on.append(len(texts))
            return fit(texts, *args)

        encoder.fit = fit_and_record
        return encoder

    monkeypatch.setattr(_text, "make_encoder", recording)
    TextClassifier(**FAST, search_space={"family": "ngrams"}).fit(X, y)
    # The trial's vectorizer: the training part only (validation_fraction=0.2); the
    # refit's: all rows.
    assert fitted_on == [480, 600]


@pytest.mark.slow
def test_save_load_and_pickle_give_identical_predictions(data, tmp_path):
    X, y, X_test, _ = data
    for family in ("ngrams", "transformer"):
        space = {"family": family, "sequence_length": 16, "embedding_dim": 32}
        clf = TextClassifier(**FAST, search_space=space).fit(X, y)
        expected = clf.predict_proba(X_test)
        clf.save(tmp_path / family)
        loaded = autodeep.load(tmp_path / family)
        assert np.array_equal(loaded.predict_proba(X_test), expected)
        assert np.array_equal(
            pickle.loads(pickle.dumps(clf)).predict_proba(X_test), expected
        )


@pytest.mark.slow
def test_regressor_predicts_a_score_from_text():
    rng = np.random.default_rng(0)
    texts, stars = [], []
    for _ in range(500):
        good = int(rng.integers(0, 4))
        words = ["good"] * good + list(rng.choice(FILLER, 5))
        rng.shuffle(words)
        texts.append(" ".join(words))
        stars.append(1.0 + good)
    reg = TextRegressor(
        **{**FAST, "max_epochs": 15}, search_space={"family": "ngrams"}
    ).fit(texts[:400], stars[:400])
    assert reg.predict(texts[400:]).shape == (100,)
    assert reg.score(texts[400:], stars[400:]) > 0.7


def test_augmentation_is_searched_and_trains(data):
    X, y, X_test, y_test = data
    clf = TextClassifier(
        **FAST, augmentation=True, search_space={"family": "ngrams", "augment": True}
    ).fit(X, y)
    assert clf.best_params_["augment"] is True
    assert clf.score(X_test, y_test) >= 0.8


@pytest.mark.slow
def test_imbalance_handling_on_text(data):
    X, y, X_test, y_test = data
    keep = [i for i, label in enumerate(y) if label == "pos" or i % 6 == 0]
    X_small, y_small = [X[i] for i in keep], [y[i] for i in keep]
    for params in ({"resampling": "random_over"}, {"class_weight": "balanced"}):
        clf = TextClassifier(**FAST, search_space={"family": "ngrams"}, **params)
        assert clf.fit(X_small, y_small).score(X_test, y_test) >= 0.7


# -- errors, all before any training ---------------------------------------------------


@pytest.fixture
def no_training(monkeypatch):
    from autodeep import _engine

    def fail(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr(_engine, "fit", fail)


@pytest.mark.parametrize(
    ("X", "message"),
    [
        (["", None, float("nan")] * 10, "empty or missing"),
        (pd.DataFrame({"a": ["x"] * 30, "b": ["y"] * 30}), "'a', 'b'"),
        (["fine"] * 29 + [3.5], "29"),
        (np.array([["a", "b"]] * 30), "1-D array of texts"),
    ],
)
def test_bad_text_input_is_a_clear_error(X, message, no_training):
    with pytest.raises(ValueError, match=message):
        TextClassifier(**FAST).fit(X, ["a", "b"] * 15)


def test_smote_is_refused_for_text(data, no_training):
    X, y, _, _ = data
    with pytest.raises(ValueError, match="SMOTE"):
        TextClassifier(**FAST, resampling="smote").fit(X, y)


# -- the scikit-learn contract ---------------------------------------------------------
# scikit-learn's check suite skips estimators that do not take 2-D arrays (as it does
# its own text vectorizers), so the API checks that need no 2-D data run here, and the
# behaviour the suite would check is tested with text below.


@pytest.mark.parametrize("cls", [TextClassifier, TextRegressor])
def test_sklearn_api_checks_that_need_no_two_d_data(cls):
    from sklearn.utils import estimator_checks as checks

    estimator = cls(**FAST)
    name = cls.__name__
    checks.check_no_attributes_set_in_init(name, estimator)
    checks.check_parameters_default_constructible(name, estimator)
    checks.check_get_params_invariance(name, estimator)
    checks.check_set_params(name, estimator)
    checks.check_estimator_cloneable(name, estimator)
    checks.check_estimator_repr(name, estimator)
    checks.check_valid_tag_types(name, estimator)


@pytest.mark.slow
def test_text_estimator_in_pipeline_grid_search_and_cv(data):
    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    X, y, X_test, y_test = data
    clf = TextClassifier(**FAST, search_space={"family": "ngrams"})
    assert clone(clf).get_params() == clf.get_params()
    lower = FunctionTransformer(lambda texts: [t.lower() for t in texts])
    pipe = make_pipeline(lower, clone(clf)).fit(X, y)
    assert pipe.score(X_test, y_test) >= 0.8
    grid = GridSearchCV(clf, {"validation_fraction": [0.2, 0.3]}, cv=2).fit(X, y)
    assert grid.best_score_ >= 0.8
    scores = cross_val_score(clf, np.array(X, dtype=object), np.array(y), cv=2)
    assert scores.shape == (2,) and np.all(scores >= 0.8)
