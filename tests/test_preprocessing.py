"""Column handling, imbalance, and the leakage rule: fit on the training part only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from imblearn.over_sampling import SMOTE, SMOTEN, SMOTENC, RandomOverSampler

from autodeep import TabularClassifier
from autodeep.preprocessing import TabularPreprocessor
from autodeep.preprocessing.imbalance import class_weights, make_resampler
from tests.conftest import FAST


class RecordingSampler(RandomOverSampler):
    """Random over-sampling that records how many rows it was given."""

    seen: list[int] = []

    def fit_resample(self, X, y, **params):
        RecordingSampler.seen.append(len(y))
        return super().fit_resample(X, y, **params)


def test_resampling_sees_only_the_training_part(cancer):
    X_train, _, y_train, _ = cancer
    RecordingSampler.seen = []
    sampler = RecordingSampler()
    options = {**FAST, "max_epochs": 3, "resampling": sampler}
    TabularClassifier(**options, refit=True).fit(X_train, y_train)
    n_validation = int(np.ceil(0.2 * len(X_train)))
    # Search stage: the training part only. Refit: all rows given to fit.
    assert RecordingSampler.seen == [len(X_train) - n_validation, len(X_train)]
    # refit="auto" keeps a resampled classifier's trial model: no second resampling.
    RecordingSampler.seen = []
    TabularClassifier(**options).fit(X_train, y_train)
    assert RecordingSampler.seen == [len(X_train) - n_validation]


def test_preprocessing_statistics_come_from_the_training_part(cancer):
    X_train, _, y_train, _ = cancer
    clf = TabularClassifier(**{**FAST, "max_epochs": 3}, refit=False).fit(
        X_train, y_train
    )
    numeric = clf.preprocessor_.column_transformer_.named_transformers_["numeric"]
    n_validation = int(np.ceil(0.2 * len(X_train)))
    assert numeric["scale"].n_samples_seen_ == len(X_train) - n_validation


def test_smote_flavour_follows_the_columns():
    assert isinstance(make_resampler("smote", [], 5, seed=0), SMOTE)
    assert isinstance(make_resampler("smote", [3, 4], 5, seed=0), SMOTENC)
    assert isinstance(make_resampler("smote", [0, 1], 2, seed=0), SMOTEN)


@pytest.mark.slow
def test_smote_balances_a_mixed_frame():
    rng = np.random.default_rng(0)
    n = 300
    X = pd.DataFrame({"x": rng.normal(size=n), "color": rng.choice(["red", "blue"], n)})
    y = np.where(X["x"] > 1.0, "rare", "common")  # about 16% rare
    clf = TabularClassifier(**{**FAST, "max_epochs": 30}, resampling="smote").fit(X, y)
    recall = (clf.predict(X)[y == "rare"] == "rare").mean()
    assert recall > 0.8


def test_class_weight_balanced_and_dict():
    classes = np.array(["a", "b"])
    y = np.array([0, 0, 0, 1])
    balanced = class_weights("balanced", y, classes)
    assert balanced == pytest.approx({0: 4 / 6, 1: 2.0})
    assert class_weights({"b": 5}, y, classes) == {0: 1.0, 1: 5.0}


def test_preprocessor_column_layout():
    X = pd.DataFrame(
        {
            "num": [1.0, np.nan, 3.0, 4.0],
            "few": ["a", "b", None, "a"],
            "many": ["p", "q", "r", "s"],
            "when": pd.to_datetime(["2020-01-01", None, "2021-06-30", "2022-02-02"]),
        }
    )
    pre = TabularPreprocessor(max_onehot_categories=3).fit(X)
    out = pre.transform(X)
    # num + its missing flag, 6 datetime parts (+ their missing flags), 3 one-hot, 1 code
    assert out.dtype == np.float32
    assert pre.cardinalities_ == [4]
    assert out.shape[1] == pre.n_features_out_
    assert pre.categorical_columns_ == list(range(out.shape[1] - 4, out.shape[1]))
    assert not np.isnan(out).any()
    unseen = pre.transform(X.assign(few="zzz", many="zzz"))
    assert (unseen[:, -1] == -1).all()  # unknown code, embedded as its own row
    assert (unseen[:, -4:-1] == 0).all()  # unknown category: all one-hot columns off
