"""Frames with free-text and image columns: kinds detected (or given), one network over
every column, and the rest of the estimator's contract (errors before training,
explanations per column / token / pixel, the report, save and reload)."""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from PIL import Image

import autodeep
from autodeep import TabularClassifier, TabularRegressor
from autodeep._layers import PiecewiseLinearEncoding
from autodeep.preprocessing.columns import (
    MixedPreprocessor,
    detect_column_types,
)
from tests.conftest import FAST

GOOD = ["great", "lovely", "excellent", "superb", "perfect"]
BAD = ["awful", "broken", "poor", "terrible", "useless"]
FILLER = ["the", "item", "arrived", "today", "and", "it", "was", "quite", "really"]


def review_frame(folder, n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Product reviews: the class is in one word of the text, and a little in the
    price; the photo is brighter for the positive class half of the time; some
    texts and photos are missing."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    texts, paths = [], []
    for i in range(n):
        words = [*rng.choice(FILLER, 5), rng.choice(GOOD if y[i] else BAD)]
        rng.shuffle(words)
        texts.append(" ".join(words))
        bright = y[i] == 1 and rng.random() < 0.5
        pixels = rng.integers(0, 100, (12, 16, 3)) + 100 * bright
        path = folder / f"{seed}_{i}.png"
        Image.fromarray(pixels.astype(np.uint8)).save(path)
        paths.append(str(path))
    X = pd.DataFrame(
        {
            "price": rng.normal(size=n) + 0.5 * y,
            "shop": rng.choice(["north", "south", "east"], n),
            "review": texts,
            "photo": paths,
        }
    )
    X.loc[rng.choice(n, n // 20, replace=False), "review"] = None
    X.loc[rng.choice(n, n // 20, replace=False), "photo"] = None
    return X, y


# -- column kinds -----------------------------------------------------------------------


def test_the_log_line_says_what_made_a_column_text_or_image(tmp_path):
    from autodeep.preprocessing.columns import describe_column_types

    X, _ = review_frame(tmp_path, 40, seed=0)
    line = describe_column_types(detect_column_types(X), X)
    assert line == (
        "columns: 1 numeric, 1 categorical, 1 text (review: 38 distinct values, 6.0 "
        "words on average, 2 missing), 1 image (photo: 38 image files, 2 missing)"
    )


def test_each_kind_is_detected_by_its_rule():
    n = 40
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "amount": rng.normal(size=n),
            "flag": rng.choice([True, False], n),
            "grade": pd.Categorical(rng.choice(["a b c d", "e f g h"], n)),
            "when": pd.date_range("2020-01-01", periods=n),
            "note": [
                f"customer {i} asked about order number {i * 7}" for i in range(n)
            ],
            "city": rng.choice(["New York", "Paris", "Los Angeles", "Rome"], n),
            "plan": rng.choice(
                ["basic plan with extras", "premium plan with support"], n
            ),
            "photo": [f"images/{i}.JPG" for i in range(n)],
            "thumbnail": [np.zeros((4, 4)) for _ in range(n)],
        }
    )
    assert detect_column_types(frame) == {
        "amount": "numeric",
        "flag": "categorical",
        "grade": "categorical",  # a category dtype stays one, however wordy
        "when": "datetime",
        "note": "text",
        "city": "categorical",  # short labels
        "plan": "categorical",  # long labels, but only two of them
        "photo": "image",
        "thumbnail": "image",
    }


def test_given_kinds_win_and_bad_ones_are_named():
    frame = pd.DataFrame({"zip": [75001, 10115, 75001], "note": ["a", "b", "c"]})
    assert detect_column_types(frame, {"zip": "categorical", "note": "text"}) == {
        "zip": "categorical",
        "note": "text",
    }
    with pytest.raises(ValueError, match=r"\['zipcode'\] that X does not have"):
        detect_column_types(frame, {"zipcode": "categorical"})
    with pytest.raises(ValueError, match=r"column_types\['zip'\] is 'words'"):
        detect_column_types(frame, {"zip": "words"})
    with pytest.raises(ValueError, match=r"not numbers, such as 'a'"):
        detect_column_types(frame, {"note": "numeric"})


def test_a_numeric_column_given_as_categorical_is_encoded_as_categories(caplog):
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"zip": rng.choice([75001, 10115, 28001], 60), "x": range(60)})
    y = (X["zip"] == 10115).to_numpy()
    clf = TabularClassifier(
        **{**FAST, "max_epochs": 2, "verbose": 1}, column_types={"zip": "categorical"}
    ).fit(X, y)
    logged = [r.getMessage() for r in caplog.records]
    assert "columns: 1 numeric, 1 categorical (zip: given)" in logged
    assert clf.column_types_ == {"zip": "categorical", "x": "numeric"}
    assert clf.preprocessor_.column_kinds_["zip"] == "categorical"
    assert clf.preprocessor_.n_features_out_ == 1 + 3  # x, and zip one-hot


# -- errors before training ---------------------------------------------------------------


def test_an_all_empty_text_column_is_refused_before_training(tmp_path):
    X, y = review_frame(tmp_path, 30, seed=0)
    X["notes"] = ["", None, "   "] * 10
    clf = TabularClassifier(**FAST, column_types={"notes": "text"})
    with pytest.raises(ValueError, match="Text column 'notes' holds no text"):
        clf.fit(X, y)
    assert not hasattr(clf, "model_")


def test_a_missing_image_file_names_its_column_and_first_bad_row(tmp_path):
    X, y = review_frame(tmp_path, 30, seed=0)
    X.index = np.arange(100, 130)
    X.loc[104, "photo"] = str(tmp_path / "gone.png")
    X.loc[107, "photo"] = str(tmp_path / "also_gone.png")
    with pytest.raises(
        ValueError, match=r"Image column 'photo', row 4 \(index 104\).*gone\.png"
    ):
        TabularClassifier(**FAST).fit(X, y)


def test_smote_is_refused_for_text_and_image_columns(tmp_path):
    X, y = review_frame(tmp_path, 30, seed=0)
    with pytest.raises(ValueError, match="resampling='smote' is not available"):
        TabularClassifier(**FAST, resampling="smote").fit(X, y)


# -- rows and vocabularies ----------------------------------------------------------------


def test_vocabularies_and_bins_are_fit_on_the_training_rows_only(tmp_path):
    from autodeep._multimodal import _encode_columns
    from autodeep.search_spaces.multimodal import multimodal_defaults

    X, y = review_frame(tmp_path, 40, seed=0)
    X_train, X_val = X.iloc[:30].copy(), X.iloc[30:].copy()
    X_val["review"] = "zebra " + X_val["review"].fillna("")
    X_val["price"] = X_val["price"] + 1e4  # far beyond every training price
    pre = MixedPreprocessor(detect_column_types(X_train)).fit(X_train)
    stage = SimpleNamespace(X=pre.transform(X_train), y=y[:30], preprocessor=pre)
    encoded = _encode_columns(
        multimodal_defaults(text=True, image=True), stage, pre.transform(X_val), 0
    )
    vocabulary = encoded.preprocessor[-1].encoders_["review"].vectorizer_.vocabulary_
    assert "zebra" not in vocabulary and "great" in vocabulary
    # The network's rows: price, shop one-hot, the TF-IDF row, the photo's pixels.
    layout = encoded.preprocessor[-1].layout_
    assert [part["kind"] for part in layout] == ["table", "tfidf", "pixels"]
    # The price's bins span the training prices (scaled), not the validation ones.
    table = pre.tabular_
    prices = table.transform(X_train[list(table.column_kinds_)])[:, 0]
    edges = layout[0]["bin_edges"][0]
    assert edges[0] == pytest.approx(prices.min()) and edges[-1] == pytest.approx(
        prices.max()
    )
    assert encoded.X.shape == (30, encoded.preprocessor[-1].n_features_out_)
    # Rows taken from the lazy source are the rows transformed on their own.
    rows = encoded.X.take([3, 7])
    alone = encoded.preprocessor.transform(X_train.iloc[[3, 7]]).take([0, 1])
    np.testing.assert_array_equal(rows, alone)
    np.testing.assert_array_equal(encoded.X.subset([7]).take([0]), rows[1:])


def test_a_missing_image_reads_as_the_mean_image(tmp_path):
    X, _ = review_frame(tmp_path, 20, seed=0)
    X.loc[0, "photo"] = None
    pre = MixedPreprocessor(detect_column_types(X)).fit(X)
    image = pre.transform(X.iloc[:1]).images["photo"].take([0])[0]
    np.testing.assert_allclose(
        image, np.broadcast_to(pre.images_["photo"].mean_, (12, 16, 3))
    )


@pytest.mark.parametrize(
    "family", ["ngrams", "embedding", "conv1d", "rnn", "transformer"]
)
def test_every_text_family_builds_runs_and_reloads(tmp_path, family):
    import keras

    from autodeep._multimodal import _build_model, _encode_columns
    from autodeep.search_spaces.multimodal import multimodal_defaults

    X, y = review_frame(tmp_path, 30, seed=0)
    params = {
        **multimodal_defaults(text=True, image=True),
        "text_family": family,
        "text_sequence_length": 16,
        "text_embedding_dim": 8,
        "text_pooling": "max",
        "text_conv_layers": 1,
        "text_filters": 8,
        "text_kernel_size": 3,
        "text_cell": "gru",
        "text_rnn_units": 8,
        "text_bidirectional": True,
        "text_heads": 2,
        "text_transformer_layers": 1,
        "text_ff_units": 16,
    }
    pre = MixedPreprocessor(detect_column_types(X)).fit(X)
    stage = SimpleNamespace(X=pre.transform(X), y=y, preprocessor=pre)
    encoded = _encode_columns(params, stage, None, 0)
    task = SimpleNamespace(n_outputs=2, output_activation="softmax")
    model = _build_model(params, encoded.preprocessor, task)
    rows = encoded.X.take(np.arange(len(X)))
    outputs = keras.ops.convert_to_numpy(model(rows))
    assert outputs.shape == (30, 2) and np.isfinite(outputs).all()
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras", safe_mode=True)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(loaded(rows)), outputs, atol=1e-6
    )


def test_every_sample_of_the_space_builds_a_network(tmp_path):
    """Conditions and per-layer counts survive the text_ / image_ prefixes: random
    samples of the whole space all build and run."""
    import keras

    from autodeep._multimodal import _build_model, _encode_columns
    from autodeep.search_spaces import sample
    from autodeep.search_spaces.multimodal import multimodal_space
    from tests.conftest import random_suggest

    X, y = review_frame(tmp_path, 24, seed=0)
    pre = MixedPreprocessor(detect_column_types(X)).fit(X)
    stage = SimpleNamespace(X=pre.transform(X), y=y, preprocessor=pre)
    space = multimodal_space(text=True, image_size=(12, 16))
    task = SimpleNamespace(n_outputs=1, output_activation="linear")
    suggest = random_suggest(0)
    for _ in range(12):
        params = sample(space, suggest)
        params["text_max_tokens"] = 50  # small tables keep the test quick
        encoded = _encode_columns(params, stage, None, 0)
        model = _build_model(params, encoded.preprocessor, task)
        outputs = keras.ops.convert_to_numpy(model(encoded.X.take(np.arange(4))))
        assert outputs.shape == (4, 1) and np.isfinite(outputs).all(), params


# -- the whole estimator ------------------------------------------------------------------


@pytest.fixture(scope="module")
def fitted_reviews(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reviews")
    X, y = review_frame(folder, 360, seed=1)
    X_train, X_test, y_train, y_test = X[:280], X[280:], y[:280], y[280:]
    clf = TabularClassifier(**{**FAST, "max_epochs": 30}).fit(X_train, y_train)
    return clf, X_test.reset_index(drop=True), y_test


@pytest.mark.slow
def test_a_frame_with_every_kind_of_column_fits_and_predicts(fitted_reviews):
    clf, X_test, y_test = fitted_reviews
    assert clf.column_types_ == {
        "price": "numeric",
        "shop": "categorical",
        "review": "text",
        "photo": "image",
    }
    assert clf.image_sizes_ == {"photo": (12, 16)}
    # The class is one word of the review: a network that reads the text gets it.
    assert clf.score(X_test, y_test) >= 0.9
    reference = clf.leaderboard_[clf.leaderboard_["state"] == "reference"]
    assert "tabular columns only" in reference["reason"].iloc[0]
    proba = clf.predict_proba(X_test)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    # The first trial encodes the price by the bins of the training rows' prices.
    encoding = clf.model_.get_layer("part_0_numeric_embedding")
    assert isinstance(encoding, PiecewiseLinearEncoding)
    assert encoding.edges == clf.preprocessor_["columns"].tabular_.bin_edges_


@pytest.mark.slow
def test_explanations_rank_columns_and_tokens_within_the_text(fitted_reviews):
    clf, X_test, _ = fitted_reviews
    rows = X_test[X_test["review"].notna()].iloc[:10]
    explanation = clf.explain(rows)
    frame = explanation.to_frame()
    assert list(frame.columns) == ["price", "shop", "review", "photo"]
    assert explanation.global_importance().index[0] == "review"
    text = explanation.details["review"]
    for position, (tokens, values) in enumerate(
        zip(text["tokens"], text["values"], strict=True)
    ):
        # Token shares add up to the column's attribution, and the class word leads.
        assert values.sum() == pytest.approx(frame["review"].iloc[position], abs=1e-4)
        assert tokens[int(np.argmax(np.abs(values)))] in GOOD + BAD
    maps = explanation.details["photo"]["maps"]
    assert maps[0].shape == (12, 16)
    assert maps[0].sum() == pytest.approx(frame["photo"].iloc[0], abs=1e-4)


@pytest.mark.slow
def test_the_report_shows_tokens_and_pixels_of_the_examples(fitted_reviews, tmp_path):
    clf, X_test, y_test = fitted_reviews
    path = clf.report(X_test, y_test, tmp_path / "r.html", sample_size=20, check_size=8)
    with open(path, encoding="utf-8") as file:
        page = file.read()
    assert "Within “review”" in page and "Within “photo”" in page
    assert "on every column but “review” and “photo”, which trees cannot read" in page


@pytest.mark.slow
def test_save_reload_in_a_fresh_process_and_pickle(fitted_reviews, tmp_path):
    clf, X_test, _ = fitted_reviews
    clf.save(tmp_path / "model")
    X_test.to_pickle(tmp_path / "X.pkl")
    script = textwrap.dedent(
        f"""
        import numpy as np, pandas as pd, autodeep
        est = autodeep.load({str(tmp_path / "model")!r})
        X = pd.read_pickle({str(tmp_path / "X.pkl")!r})
        np.save({str(tmp_path / "proba.npy")!r}, est.predict_proba(X))
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True)
    np.testing.assert_array_equal(
        np.load(tmp_path / "proba.npy"), clf.predict_proba(X_test)
    )
    loaded = autodeep.load(tmp_path / "model")
    assert loaded.column_types_ == clf.column_types_
    copy = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(copy.predict_proba(X_test), clf.predict_proba(X_test))


@pytest.mark.slow
def test_a_regressor_reads_a_text_column(tmp_path):
    rng = np.random.default_rng(0)
    n = 300
    sizes = rng.integers(1, 6, n)
    words = ["tiny", "small", "medium", "large", "huge"]
    X = pd.DataFrame(
        {
            "description": [
                f"a {words[s - 1]} box of {rng.choice(['wood', 'steel'])}, serial {i}"
                for i, s in enumerate(sizes)
            ],
            "weight": rng.normal(size=n),
        }
    )
    y = 10.0 * sizes + rng.normal(size=n)
    reg = TabularRegressor(**{**FAST, "max_epochs": 40}).fit(X[:240], y[:240])
    assert reg.column_types_["description"] == "text"
    assert reg.score(X[240:], y[240:]) > 0.9


@pytest.mark.slow
def test_onnx_export_says_it_does_not_cover_these_columns(fitted_reviews, tmp_path):
    clf, _, _ = fitted_reviews
    with pytest.raises(NotImplementedError, match=r"\['photo', 'review'\]"):
        clf.export(tmp_path / "m.onnx")


@pytest.mark.serial
@pytest.mark.slow
def test_two_worker_processes_share_a_study_that_resumes(tmp_path):
    import optuna

    X, y = review_frame(tmp_path, 200, seed=2)
    journal = str(tmp_path / "study.journal")
    params = {**FAST, "max_epochs": 10, "storage": journal, "study_name": "reviews"}
    TabularClassifier(**{**params, "max_trials": 2}, n_jobs=2).fit(X, y)

    def trials():
        from autodeep.search._storage import make_storage

        study = optuna.load_study(study_name="reviews", storage=make_storage(journal))
        return [(t.number, t.value) for t in study.trials]

    first = trials()
    assert len(first) == 2
    clf = TabularClassifier(**{**params, "max_trials": 3}).fit(X, y)
    assert trials()[:2] == first and len(trials()) == 3
    assert clf.score(X, y) > 0.8


@pytest.mark.slow
def test_image_arrays_in_cells_and_cross_validation():
    from sklearn.base import clone
    from sklearn.model_selection import cross_val_score

    rng = np.random.default_rng(0)
    n = 120
    y = rng.integers(0, 2, n)
    X = pd.DataFrame(
        {
            "size": rng.normal(size=n),
            # The class is whether the picture's left half is bright.
            "picture": [
                np.hstack([np.full((6, 3), 200.0 * c), rng.uniform(0, 50, (6, 3))])
                for c in y
            ],
        }
    )
    X.loc[5, "picture"] = None
    clf = TabularClassifier(
        **{**FAST, "max_epochs": 15}, column_types={"size": "numeric"}
    )
    scores = cross_val_score(clone(clf), X, y, cv=2)
    assert scores.min() > 0.9
    fitted = clf.fit(X, y)
    assert fitted.column_types_ == {"size": "numeric", "picture": "image"}
    wrong = X.iloc[:2].copy()
    wrong["picture"] = [np.zeros((5, 5)), wrong["picture"].iloc[1]]
    with pytest.raises(
        ValueError, match=r"'picture', row 0: an array of shape \(5, 5\)"
    ):
        fitted.predict(wrong)


def test_a_study_fingerprints_image_arrays_by_their_pixels():
    from autodeep._study_attrs import _hashable

    def digest(frame):
        return pd.util.hash_pandas_object(_hashable(frame), index=False).tolist()

    one = pd.DataFrame({"x": [1, 2], "picture": [np.zeros((2, 2)), None]})
    same = pd.DataFrame({"x": [1, 2], "picture": [np.zeros((2, 2)), None]})
    other = pd.DataFrame({"x": [1, 2], "picture": [np.ones((2, 2)), None]})
    assert digest(one) == digest(same) != digest(other)
