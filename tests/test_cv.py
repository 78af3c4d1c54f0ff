"""Cross-validated search (``cv=``): folds, out-of-fold scores, the small-data default."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from autodeep import ImageClassifier, TabularClassifier, TabularRegressor, TextRegressor
from autodeep._folds import folds_for
from autodeep._splits import splits
from autodeep._tasks import Classification
from tests.conftest import FAST, searched


def test_folds_cover_every_row_once_and_keep_class_shares():
    y = np.array([0] * 30 + [1] * 10)
    settings = replace(TabularClassifier(**{**FAST, "cv": 5})._settings(), folds=5)
    folds = splits(Classification(2), y, settings)
    assert len(folds) == 5
    validation = np.concatenate([val for _, val in folds])
    assert sorted(validation) == list(range(40))
    for train, val in folds:
        assert not set(train) & set(val)
        assert (y[val] == 1).sum() == 2  # stratified: 10 positives over 5 folds


def test_auto_means_five_folds_below_three_hundred_rows():
    assert folds_for("auto", 299, small_data_folds=True) == 5
    assert folds_for("auto", 300, small_data_folds=True) == 1
    assert folds_for("auto", 50, small_data_folds=False) == 1  # images, text
    assert folds_for(None, 50, True) == 1 and folds_for(3, 50, False) == 3
    with pytest.raises(ValueError, match="at least 10 rows"):
        folds_for(10, 8, True)
    assert TabularClassifier._small_data_folds and TabularRegressor._small_data_folds
    assert not ImageClassifier._small_data_folds
    assert not TextRegressor._small_data_folds


@pytest.mark.parametrize("cv", [0, -2, 2.5, "three"])
def test_bad_cv_is_refused_before_training(cancer, cv):
    X_train, _, y_train, _ = cancer
    with pytest.raises(ValueError, match="'cv' parameter of TabularClassifier must be"):
        TabularClassifier(**{**FAST, "cv": cv}).fit(X_train, y_train)


@pytest.mark.slow
def test_trials_are_scored_on_every_training_row(cancer):
    """With 3 folds each trial's validation accuracy is a count over all 426 training
    rows; one 20 % split would count over 86."""
    X_train, X_test, y_train, y_test = cancer
    clf = TabularClassifier(**{**FAST, "max_trials": 2, "cv": 3}).fit(X_train, y_train)
    for value in clf.leaderboard_["val_accuracy"]:
        assert value * len(y_train) == pytest.approx(round(value * len(y_train)))
    assert clf.score(X_test, y_test) > 0.9
    # The refit trains on all rows for the folds' mean best epoch.
    assert 1 <= clf.best_epochs_ <= FAST["max_epochs"]


@pytest.mark.slow
def test_cross_validated_regression_scores_folds_in_one_unit(diabetes):
    """Each fold standardizes the target on its own rows; the out-of-fold outputs are
    brought to one scale before scoring, so R² is R² of the predictions in y's units."""
    X_train, X_test, y_train, y_test = diabetes
    reg = TabularRegressor(**{**FAST, "cv": 4}, ensemble_size=1).fit(X_train, y_train)
    trial = searched(reg.leaderboard_).iloc[0]
    reference = reg.leaderboard_[reg.leaderboard_["state"] == "reference"].iloc[0]
    # The reference model (gradient boosting) lands where it does on one split of
    # this table (R² 0.3-0.5); a unit mix-up between folds would wreck it.
    assert 0.2 < reference["val_r2"] < 0.6
    assert 0.2 < trial["val_r2"] < 0.7
    assert reg.score(X_test, y_test) > 0.2


@pytest.mark.slow
def test_text_search_with_folds_fits_each_folds_vectorizer():
    """Text trials encode per fold (the vectorizer fits on that fold's training texts)."""
    from autodeep import TextClassifier
    from tests.test_text import reviews

    X, y = reviews(400, 0)
    X_test, y_test = reviews(100, 1)
    clf = TextClassifier(
        max_trials=1, max_epochs=10, random_state=0, verbose=0, cv=3
    ).fit(X, y)
    value = float(searched(clf.leaderboard_)["val_accuracy"].iloc[0])
    assert value * 400 == pytest.approx(round(value * 400))  # all 400 rows scored
    assert clf.score(X_test, y_test) > 0.8


@pytest.mark.slow
def test_lazy_image_files_with_folds(tmp_path):
    """Image files stay lazy through the folds (each fold a subset of the paths)."""
    from PIL import Image

    from autodeep import ImageClassifier
    from autodeep.preprocessing.image import from_directory

    rng = np.random.default_rng(0)
    for i in range(80):
        label = i % 2
        pixels = rng.integers(0, 60, (12, 12), dtype=np.uint8)
        pixels += np.uint8(150 * label)  # class 1 bright, class 0 dark
        folder = tmp_path / str(label)
        folder.mkdir(exist_ok=True)
        Image.fromarray(pixels).save(folder / f"{i}.png")
    paths, labels = from_directory(tmp_path)
    clf = ImageClassifier(
        max_trials=1,
        max_epochs=20,
        random_state=0,
        verbose=0,
        cv=2,
        search_space={
            "stages": 1,
            "filters": 8,
            "convs_per_stage": 1,
            "dense_units": 0,
        },
    ).fit(paths, labels)
    value = float(searched(clf.leaderboard_)["val_accuracy"].iloc[0])
    assert value * 80 == pytest.approx(round(value * 80))
    assert clf.score(paths, labels) > 0.9
