"""ImageClassifier and ImageRegressor: each input kind, each error, persistence."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from PIL import Image
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import autodeep
from autodeep import ImageClassifier, ImageRegressor
from autodeep.preprocessing.image import from_directory

# A small CNN and few epochs: these tests check behaviour, benchmarks/image.py quality.
SMALL = {"stages": 2, "filters": (16, 32), "convs_per_stage": 1, "dense_units": 0}
FAST = {"max_trials": 1, "max_epochs": 8, "random_state": 0, "verbose": 0}


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X = (X.reshape(-1, 8, 8) * 16).clip(0, 255).astype(np.uint8)
    return train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)


@pytest.fixture(scope="module")
def digit_files(tmp_path_factory, digits):
    """Digits as PNG files, one folder per class, at 16x16 (a few in colour)."""
    X_train, X_test, y_train, y_test = digits
    root = tmp_path_factory.mktemp("digits")
    for part, X, y in (("train", X_train, y_train), ("test", X_test, y_test)):
        for i, (image, label) in enumerate(zip(X, y, strict=True)):
            folder = root / part / str(label)
            folder.mkdir(parents=True, exist_ok=True)
            picture = Image.fromarray(image).resize((16, 16), Image.NEAREST)
            if i % 10 == 0:
                picture = picture.convert("RGB")
            picture.save(folder / f"{i}.png")
    return root


def _classifier(**params):
    return ImageClassifier(**{**FAST, "search_space": SMALL, **params})


def test_classifier_on_uint8_arrays(digits):
    X_train, X_test, y_train, y_test = digits
    clf = _classifier().fit(X_train, y_train)
    assert clf.image_size_ == (8, 8) and clf.channels_ == 1
    assert clf.score(X_test, y_test) >= 0.9
    proba = clf.predict_proba(X_test[:5])
    assert proba.shape == (5, 10) and np.allclose(proba.sum(axis=1), 1)


@pytest.mark.slow
def test_classifier_on_channel_last_float_arrays(digits):
    X_train, X_test, y_train, y_test = digits
    as_rgb = np.repeat(X_train[..., None], 3, axis=-1).astype(np.float32) / 255
    clf = _classifier().fit(as_rgb, y_train)
    assert clf.channels_ == 3
    test_rgb = np.repeat(X_test[..., None], 3, axis=-1).astype(np.float32) / 255
    assert clf.score(test_rgb, y_test) >= 0.85


@pytest.mark.slow
def test_classifier_on_file_paths_reads_lazily_and_reloads(digit_files, tmp_path):
    paths, labels = from_directory(digit_files / "train")
    test_paths, test_labels = from_directory(digit_files / "test")
    clf = _classifier(max_epochs=10).fit(paths, labels)
    assert clf.image_size_ == (16, 16) and clf.channels_ == 3  # some files are colour
    assert clf.classes_.tolist() == [str(d) for d in range(10)]
    assert clf.score(test_paths, test_labels) >= 0.8
    # The same images as a Series of paths, and after save/load in this process.
    import pandas as pd

    expected = clf.predict_proba(test_paths[:50])
    clf.save(tmp_path / "model")
    loaded = autodeep.load(tmp_path / "model")
    assert np.array_equal(loaded.predict_proba(pd.Series(test_paths[:50])), expected)
    assert np.array_equal(
        pickle.loads(pickle.dumps(clf)).predict_proba(test_paths[:50]), expected
    )


@pytest.mark.slow
def test_regressor_one_and_several_targets(digits):
    X_train, X_test, _, _ = digits
    brightness = X_train.mean(axis=(1, 2))
    top = X_train[:, :4].mean(axis=(1, 2))
    params = {**FAST, "max_epochs": 20, "search_space": SMALL}
    one = ImageRegressor(**params).fit(X_train, brightness)
    assert one.predict(X_test).shape == (len(X_test),)
    assert one.score(X_test, X_test.mean(axis=(1, 2))) > 0.5
    both = ImageRegressor(**params).fit(X_train, np.column_stack([brightness, top]))
    predicted = both.predict(X_test)
    assert predicted.shape == (len(X_test), 2)
    truth = np.column_stack([X_test.mean(axis=(1, 2)), X_test[:, :4].mean(axis=(1, 2))])
    assert both.score(X_test, truth) > 0.5
    # Predictions come back in the target's units, not standardized ones.
    assert (
        abs(predicted[:, 0].mean() - truth[:, 0].mean()) < 0.2 * truth[:, 0].std() + 5
    )


@pytest.mark.slow
def test_augmentation_in_the_space_and_off_at_predict(digits):
    X_train, X_test, y_train, _ = digits
    clf = _classifier(augmentation=True, search_space={**SMALL, "augment": True}).fit(
        X_train, y_train
    )
    assert clf.best_params_["augment"] is True
    names = [layer.name for layer in clf.model_.layers]
    assert any(name.startswith("augment") for name in names)
    assert np.array_equal(
        clf.predict_proba(X_test[:20]), clf.predict_proba(X_test[:20])
    )


@pytest.mark.slow
def test_random_over_sampling_and_class_weight_on_images(digits):
    X_train, X_test, y_train, y_test = digits
    # Keep few images of class 0.
    keep = (y_train != 0) | (np.cumsum(y_train == 0) <= 10)
    for params in ({"resampling": "random_over"}, {"class_weight": "balanced"}):
        clf = _classifier(**params).fit(X_train[keep], y_train[keep])
        assert clf.score(X_test, y_test) >= 0.85


def test_clone_keeps_image_parameters():
    clf = ImageClassifier(augmentation={"flip": "horizontal"}, mixed_precision=False)
    assert clone(clf).get_params() == clf.get_params()


# -- errors, all before any training ---------------------------------------------------


@pytest.fixture
def no_training(monkeypatch):
    from autodeep import _engine

    def fail(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr(_engine, "fit", fail)


def test_corrupt_file_is_named_before_training(tmp_path, digit_files, no_training):
    paths, labels = from_directory(digit_files / "train")
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG not really an image")
    with pytest.raises(ValueError, match=r"broken\.png"):
        _classifier().fit([*paths[:20], str(bad)], [*labels[:20], "0"])


def test_missing_file_is_named(digit_files, no_training):
    paths, labels = from_directory(digit_files / "train")
    with pytest.raises((ValueError, FileNotFoundError), match=r"nowhere\.png"):
        _classifier().fit([*paths[:20], "nowhere.png"], [*labels[:20], "0"])


@pytest.mark.parametrize("shape", [(20, 8, 8, 3, 1), (20, 8, 8, 2), (20,)])
def test_arrays_of_the_wrong_shape(shape, no_training):
    X = np.zeros(shape, dtype=np.uint8)
    with pytest.raises(ValueError, match="shape"):
        _classifier().fit(X, np.arange(20) % 2)


def test_two_d_rows_are_one_row_images_with_a_warning(no_training):
    # One-pixel-high images take one pooling stage at most.
    one_stage = {**SMALL, "stages": 1}
    with (
        pytest.warns(UserWarning, match="reshape X"),
        pytest.raises(AssertionError, match="training started"),
    ):
        _classifier(search_space=one_stage).fit(np.zeros((20, 64)), np.arange(20) % 2)


def test_more_stages_than_the_images_allow_fail_before_training(no_training):
    with pytest.raises(ValueError, match=r"search_space\['stages'\] = 2.*<= 1"):
        _classifier().fit(np.zeros((20, 1, 64)), np.arange(20) % 2)


def test_smote_is_refused_with_the_reason(digits, no_training):
    X_train, _, y_train, _ = digits
    with pytest.raises(ValueError, match=r"SMOTE.*random_over"):
        _classifier(resampling="smote").fit(X_train, y_train)


def test_missing_weights_file_is_a_clear_error(digits, no_training):
    X_train, _, y_train, _ = digits
    with pytest.raises(ValueError, match="never downloads"):
        _classifier(pretrained_weights="nowhere.weights.h5").fit(X_train, y_train)


def test_predict_with_other_image_size_is_a_clear_error(digits):
    X_train, _, y_train, _ = digits
    clf = _classifier(max_epochs=1).fit(X_train[:200], y_train[:200])
    with pytest.raises(ValueError, match="8"):
        clf.predict(np.zeros((3, 10, 10), dtype=np.uint8))


# With TensorFlow, a fixed random_state turns on deterministic ops, under which Keras
# declines XLA (it says so in a warning); the reloaded model has no optimizer state.
@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Model doesn't support `jit_compile")
@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")
def test_mixed_precision_and_xla_when_forced_on(digits, tmp_path):
    import keras

    X_train, X_test, y_train, y_test = digits
    before = keras.config.dtype_policy().name
    clf = _classifier(mixed_precision=True, jit_compile=True, max_epochs=3).fit(
        X_train, y_train
    )
    # float16 computation inside, float32 probabilities out; the global policy is back.
    assert clf.model_.get_layer("logits").dtype_policy.name == "mixed_float16"
    assert clf.model_.get_layer("output").dtype_policy.compute_dtype == "float32"
    assert keras.config.dtype_policy().name == before
    assert clf.score(X_test, y_test) >= 0.7
    clf.save(tmp_path / "model")
    reloaded = autodeep.load(tmp_path / "model")
    assert np.array_equal(reloaded.predict(X_test), clf.predict(X_test))
