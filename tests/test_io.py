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
