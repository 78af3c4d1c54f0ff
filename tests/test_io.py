"""save / load: a data-only artifact that reloads, in a fresh process, to the same model."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import autodeep
from autodeep import TabularClassifier, TabularRegressor
from tests.conftest import FAST
from tests.test_estimators import mixed_frame


@pytest.fixture(scope="module")
def saved_classifier(tmp_path_factory):
    X, y = mixed_frame(300, seed=1)
    clf = TabularClassifier(**{**FAST, "max_epochs": 5}).fit(X, y)
    folder = tmp_path_factory.mktemp("models") / "clf"
    clf.save(folder)
    return clf, folder, X


def test_files_and_manifest(saved_classifier):
    _, folder, X = saved_classifier
    assert {p.name for p in folder.iterdir()} == {
        "model.keras",
        "state.skops",
        "metadata.json",
        "manifest.json",
    }
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["estimator"] == "TabularClassifier"
    assert manifest["input_schema"]["feature_names"] == list(X.columns)
    assert manifest["versions"]["keras"] and manifest["versions"]["scikit-learn"]
    assert set(manifest["sha256"]) == {"model.keras", "state.skops", "metadata.json"}


@pytest.mark.slow
def test_load_in_a_fresh_process_gives_identical_predictions(
    saved_classifier, tmp_path
):
    clf, folder, X = saved_classifier
    X.to_pickle(tmp_path / "X.pkl")
    script = textwrap.dedent(
        f"""
        import numpy as np, pandas as pd, autodeep
        est = autodeep.load({str(folder)!r})
        X = pd.read_pickle({str(tmp_path / "X.pkl")!r})
        np.save({str(tmp_path / "proba.npy")!r}, est.predict_proba(X))
        np.save({str(tmp_path / "labels.npy")!r}, est.predict(X))
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True)
    np.testing.assert_array_equal(np.load(tmp_path / "proba.npy"), clf.predict_proba(X))
    np.testing.assert_array_equal(np.load(tmp_path / "labels.npy"), clf.predict(X))


def test_loaded_estimator_keeps_its_attributes(saved_classifier):
    clf, folder, _ = saved_classifier
    loaded = autodeep.load(folder)
    assert loaded.get_params() == clf.get_params()
    assert loaded.best_params_ == clf.best_params_
    assert list(loaded.classes_) == list(clf.classes_)
    assert list(loaded.leaderboard_.columns) == list(clf.leaderboard_.columns)


def test_regressor_round_trip(diabetes, tmp_path):
    X_train, X_test, y_train, _ = diabetes
    reg = TabularRegressor(**{**FAST, "max_epochs": 5}).fit(X_train, y_train)
    reg.save(tmp_path / "reg")
    np.testing.assert_array_equal(
        autodeep.load(tmp_path / "reg").predict(X_test), reg.predict(X_test)
    )
    # Format 1 held the target's (mean, scale) pair, which skops reads back as a list.
    _as_format_1(tmp_path / "reg")
    old = autodeep.load(tmp_path / "reg")
    assert type(old.target_transform_).__name__ == "StandardScaler"
    np.testing.assert_array_equal(old.predict(X_test), reg.predict(X_test))


def _as_format_1(folder) -> None:
    """Rewrite a saved regressor as format 1 wrote it (checksums updated)."""
    import skops.io

    from autodeep._trusted import read_state
    from autodeep.io import _sha256

    state = read_state(folder / "state.skops")
    scaler = state["target_transform"]
    state["target_transform"] = (float(scaler.mean_[0]), float(scaler.scale_[0]))
    (folder / "state.skops").write_bytes(skops.io.dumps(state))
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["format_version"] = 1
    manifest["sha256"]["state.skops"] = _sha256(folder / "state.skops")
    (folder / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize("name", ["model.keras", "state.skops", "metadata.json"])
def test_tampered_file_is_refused(saved_classifier, tmp_path, name):
    import shutil

    _, folder, _ = saved_classifier
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    with open(copy / name, "ab") as file:
        file.write(b"tampered")
    with pytest.raises(ValueError, match=f"{name} does not match the checksum"):
        autodeep.load(copy)


def test_not_a_model_folder(tmp_path):
    with pytest.raises(ValueError, match="not an autodeep model folder"):
        autodeep.load(tmp_path)


def test_unfitted_estimator_cannot_be_saved(tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        TabularClassifier().save(tmp_path / "x")


# -- every estimator kind round-trips -------------------------------------------------

TINY = {
    "max_trials": 1,
    "max_epochs": 1,
    "refit": False,
    "random_state": 0,
    "verbose": 0,
}


def _digits(n: int) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return (X[:n].reshape(-1, 8, 8) * 16).clip(0, 255).astype(np.uint8), y[:n]


def _image_files(folder, images: np.ndarray) -> list[str]:
    from PIL import Image

    folder.mkdir()
    paths = [str(folder / f"{i}.png") for i in range(len(images))]
    for path, image in zip(paths, images, strict=True):
        Image.fromarray(image).save(path)
    return paths


def _case(name: str, tmp_path):
    """(unfitted estimator, X, y) for one kind of saved model, on tiny data."""
    from imblearn.over_sampling import SMOTE

    from autodeep import ImageClassifier, ImageRegressor, TextClassifier, TextRegressor
    from tests.conftest import sentiment_texts

    table, labels = mixed_frame(120, seed=0)
    numbers = np.random.default_rng(0).normal(size=(80, 4))
    images, digits = _digits(60)
    texts, moods, _ = sentiment_texts(80, seed=0)
    cases = {
        "tabular-classifier-weighted-smote": lambda: (
            TabularClassifier(**TINY, class_weight="balanced", resampling="smote"),
            table,
            labels,
        ),
        "tabular-classifier-sampler-object": lambda: (
            TabularClassifier(
                **TINY, scaler="quantile", resampling=SMOTE(k_neighbors=3)
            ),
            numbers,
            numbers[:, 0] > 0,
        ),
        "tabular-regressor-mixed": lambda: (
            TabularRegressor(**TINY, scaler="robust"),
            table,
            np.arange(120.0),
        ),
        "image-classifier-arrays": lambda: (
            ImageClassifier(**TINY, class_weight="balanced", search_space=SMALL_CNN),
            images,
            digits,
        ),
        "image-regressor-files": lambda: (
            ImageRegressor(**TINY, search_space=SMALL_CNN),
            _image_files(tmp_path / "images", images),
            digits.astype(float),
        ),
        "text-classifier-word-ngrams": lambda: (
            TextClassifier(**TINY, search_space={"family": "ngrams"}),
            texts,
            moods,
        ),
        "text-classifier-char-ngrams": lambda: (
            TextClassifier(**TINY, search_space=CHAR_NGRAMS, resampling="random_over"),
            texts,
            moods,
        ),
        "text-regressor-sequences": lambda: (
            TextRegressor(**TINY, search_space=SEQUENCES),
            texts,
            np.arange(80.0),
        ),
    }
    return cases[name]()


SMALL_CNN = {"stages": 1, "filters": [8], "convs_per_stage": 1, "dense_units": 0}
CHAR_NGRAMS = {
    "family": "ngrams",
    "analyzer": "char_wb",
    "standardize": "lower_punctuation",
}
SEQUENCES = {"family": "embedding", "sequence_length": 8, "embedding_dim": 8}
KINDS = [
    "tabular-classifier-weighted-smote",
    "tabular-classifier-sampler-object",
    "tabular-regressor-mixed",
    "image-classifier-arrays",
    "image-regressor-files",
    "text-classifier-word-ngrams",
    "text-classifier-char-ngrams",
    "text-regressor-sequences",
]


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("kind", KINDS)
def test_every_estimator_kind_round_trips(kind, tmp_path):
    estimator, X, y = _case(kind, tmp_path)
    estimator.fit(X, y)
    estimator.save(tmp_path / "model")
    loaded = autodeep.load(tmp_path / "model")
    assert type(loaded) is type(estimator)
    assert loaded.get_params().keys() == estimator.get_params().keys()
    np.testing.assert_array_equal(loaded.predict(X), estimator.predict(X))
    if hasattr(estimator, "predict_proba"):
        np.testing.assert_array_equal(
            loaded.predict_proba(X), estimator.predict_proba(X)
        )
