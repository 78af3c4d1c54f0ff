"""Shared fixtures: small real datasets and fast estimator settings."""

from __future__ import annotations

import os

# Under pytest-xdist (`-n 2`) each worker process gets one thread for TensorFlow and
# the BLAS libraries: their thread pools spin while they wait, and two processes each
# running a pool the size of the machine made some 4-second tests take 80 seconds.
# Set before any test imports TensorFlow (autodeep imports it lazily).
if "PYTEST_XDIST_WORKER" in os.environ:
    for _variable in (
        "TF_NUM_INTRAOP_THREADS",
        "TF_NUM_INTEROP_THREADS",
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
    ):
        os.environ.setdefault(_variable, "1")

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.model_selection import train_test_split

from autodeep.search_spaces import Float, Int

# One trial, few epochs, one validation split (cv="auto" would cross-validate tables
# under 300 rows five times over; test_cv.py tests folds): tests check behaviour,
# benchmarks check quality at full budget.
FAST = {"max_trials": 1, "max_epochs": 20, "random_state": 0, "verbose": 0, "cv": None}


@pytest.fixture(scope="session")
def cancer():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    return train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)


@pytest.fixture(scope="session")
def diabetes():
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    return train_test_split(X, y, test_size=0.25, random_state=0)


def searched(board):
    """The rows of ``leaderboard_`` that are trials of the search (not the ensemble's
    or the reference model's)."""
    return board[~board["state"].isin(["ensemble", "reference"])]


def random_suggest(seed):
    """A seeded engine stand-in for ``sample``: uniform draws from each dimension."""
    rng = np.random.default_rng(seed)

    def draw(name, dim):
        if isinstance(dim, Int):
            return int(rng.integers(dim.low, dim.high + 1))
        if isinstance(dim, Float):
            return float(rng.uniform(dim.low, dim.high))
        return dim.options[int(rng.integers(len(dim.options)))]

    return draw


# -- fitted models shared by the explanation and report tests ---------------------------


@pytest.fixture(scope="session")
def digit_images():
    """scikit-learn's 8x8 digits as uint8 images (0..255), split 75/25."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    images = (X.reshape(-1, 8, 8, 1) * 16).clip(0, 255).astype("uint8")
    return train_test_split(images, y, test_size=0.25, stratify=y, random_state=0)


@pytest.fixture(scope="session")
def digits_model(digit_images):
    from autodeep import ImageClassifier

    X_train, _, y_train, _ = digit_images
    return ImageClassifier(**{**FAST, "max_epochs": 15}).fit(X_train, y_train)


@pytest.fixture(scope="session")
def cancer_with_categories(cancer):
    """breast_cancer plus a one-hot column and an embedded (many-category) column."""
    X_train, X_test, y_train, y_test = cancer

    def extend(X):
        X = X.copy()
        X["size band"] = np.where(X["mean radius"] > 14, "large", "small")
        X["clinic"] = [f"clinic {i % 25}" for i in range(len(X))]
        return X

    return extend(X_train), extend(X_test), y_train, y_test


@pytest.fixture(scope="session")
def cancer_model(cancer_with_categories):
    from autodeep import TabularClassifier

    X_train, _, y_train, _ = cancer_with_categories
    return TabularClassifier(**FAST).fit(X_train, y_train)


@pytest.fixture(scope="session")
def diabetes_model(diabetes):
    from autodeep import TabularRegressor

    X_train, _, y_train, _ = diabetes
    return TabularRegressor(**{**FAST, "max_epochs": 10}).fit(X_train, y_train)


def sentiment_texts(n, seed):
    """Short texts whose label is set by one sentiment word among filler words."""
    rng = np.random.default_rng(seed)
    good, bad = ["great", "lovely", "superb"], ["awful", "boring", "dull"]
    filler = ["the", "film", "was", "a", "plot", "and", "actors", "story"]
    texts, labels = [], []
    for i in range(n):
        label = i % 2
        words = [*rng.choice(filler, 6), rng.choice(good if label else bad)]
        rng.shuffle(words)
        texts.append(" ".join(words))
        labels.append("positive" if label else "negative")
    return texts, labels, set(good + bad)


def ig_completeness(estimator, X, steps=128):
    """Integrated-gradients totals per row, and the logit difference they should equal."""
    from autodeep.explain._explain import _targets
    from autodeep.explain._subjects import make_subject

    explanation = estimator.explain(X, method="integrated_gradients", steps=steps)
    subject = make_subject(estimator, X)
    baseline = subject.set_baseline(None)
    logits = subject.probe.logits(subject.inputs, subject.z)
    targets = _targets(estimator, logits, None)
    rows = np.arange(len(targets))
    reference = subject.probe.logits(subject.inputs, baseline)
    difference = logits[rows, targets] - reference[rows, targets]
    totals = np.array([a.sum() for a in explanation.attributions])
    return totals, difference
