"""Shared fixtures: small real datasets and fast estimator settings."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.model_selection import train_test_split

from autodeep.search_spaces import Float, Int

# Few trials and epochs: tests check behaviour, benchmarks check quality at full budget.
FAST = {"max_trials": 1, "max_epochs": 20, "random_state": 0, "verbose": 0}


@pytest.fixture(scope="session")
def cancer():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    return train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)


@pytest.fixture(scope="session")
def diabetes():
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    return train_test_split(X, y, test_size=0.25, random_state=0)


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
