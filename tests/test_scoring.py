"""scoring=: the user's metric ranks epochs and trials; without it, the validation loss
weighs the classes as training does (class_weight, resampling)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm
from sklearn.datasets import make_classification
from sklearn.metrics import balanced_accuracy_score, make_scorer, mean_absolute_error
from sklearn.model_selection import train_test_split

from autodeep import TabularClassifier, TabularRegressor
from autodeep._scoring import Objective
from autodeep._tasks import Classification
from tests.conftest import FAST

QUICK = {**FAST, "max_trials": 2, "max_epochs": 8}


def complete_rows(board):
    return board[board["state"] == "complete"]


# -- the default objective agrees with class weights and resampling --------------------


def test_class_ratio_follows_class_weight_and_resampling():
    task = Classification(2)
    y = np.array([0] * 90 + [1] * 10)
    assert task.class_ratio(y, y, None) is None
    balanced = {0: 100 / 180, 1: 100 / 20}  # what class_weight="balanced" gives
    np.testing.assert_allclose(task.class_ratio(y, y, balanced), [0.5 / 0.9, 0.5 / 0.1])
    oversampled = np.array([0] * 90 + [1] * 90)  # SMOTE or random over-sampling
    np.testing.assert_allclose(
        task.class_ratio(y, oversampled, None), [0.5 / 0.9, 0.5 / 0.1]
    )


def test_weighted_objective_prefers_the_balanced_model():
    """Two classes N(0, 1) and N(2, 1), 10 % positives. The calibrated posterior
    minimizes the plain log loss; the posterior under equal priors, which is what a
    class-weighted network learns, minimizes the weighted one and has the better
    balanced accuracy. The search must rank them the way training weighs classes."""
    rng = np.random.default_rng(0)
    y = (rng.random(20_000) < 0.1).astype(int)
    x = rng.normal(2.0 * y, 1.0)
    like = np.stack([norm.pdf(x, 0, 1), norm.pdf(x, 2, 1)], axis=1)
    real = like * [0.9, 0.1]
    real /= real.sum(axis=1, keepdims=True)
    balanced = like / like.sum(axis=1, keepdims=True)

    task = Classification(2)
    weights = {0: 1 / (2 * 0.9), 1: 1 / (2 * 0.1)}
    weighted = Objective(task, None, class_ratio=task.class_ratio(y, y, weights))
    plain = Objective(task, None)

    assert weighted(y, balanced) < weighted(y, real)
    assert plain(y, real) < plain(y, balanced)  # why the unweighted loss misled
    assert (
        balanced_accuracy_score(y, balanced.argmax(1))
        > balanced_accuracy_score(y, real.argmax(1)) + 0.1
    )


@pytest.fixture(scope="module")
def imbalanced():
    X, y = make_classification(
        1500, 10, n_informative=4, weights=[0.92], flip_y=0.02, random_state=0
    )
    y = np.where(y == 1, "churn", "stay")
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)


@pytest.mark.slow
def test_balanced_fit_is_balanced_end_to_end(imbalanced):
    X_train, X_test, y_train, y_test = imbalanced
    plain = TabularClassifier(**QUICK).fit(X_train, y_train)
    balanced = TabularClassifier(**QUICK, class_weight="balanced").fit(X_train, y_train)
    plain_score = balanced_accuracy_score(y_test, plain.predict(X_test))
    balanced_score = balanced_accuracy_score(y_test, balanced.predict(X_test))
    assert balanced_score >= 0.75
    assert balanced_score > plain_score
    # The constant it is compared with is the balanced prior, under the same weights.
    assert complete_rows(balanced.leaderboard_)["beats_constant"].all()


# -- scoring= ---------------------------------------------------------------------------


@pytest.mark.slow
def test_scoring_ranks_trials_and_names_the_column(imbalanced):
    X_train, _, y_train, _ = imbalanced
    clf = TabularClassifier(
        **{**QUICK, "max_trials": 3},
        class_weight="balanced",
        scoring="balanced_accuracy",
    ).fit(X_train, y_train)
    board = complete_rows(clf.leaderboard_)
    assert "val_balanced_accuracy" in board and "val_accuracy" not in board
    scores = board["val_balanced_accuracy"].to_numpy()
    assert list(scores) == sorted(scores, reverse=True)
    assert clf.best_score_ == pytest.approx(scores[0])
    # It also picked the epoch: the per-epoch objective is minus the score.
    curve = -np.asarray(clf.history_["val_objective"])
    assert curve.min() >= 0 and curve.max() <= 1
    assert clf.best_epochs_ == int(np.argmax(curve)) + 1
    assert clf.score(X_train, y_train) == pytest.approx(
        (clf.predict(X_train) == y_train).mean()
    )  # score() stays accuracy


@pytest.mark.slow
def test_a_callable_scorer_sees_the_users_labels_and_units(imbalanced, diabetes):
    X_train, _, y_train, _ = imbalanced
    seen = []

    def recall_of_churn(estimator, X, y):
        predicted = estimator.predict(X)
        seen.append((set(y), set(predicted) | set(estimator.classes_)))
        return float(np.mean(predicted[y == "churn"] == "churn"))

    TabularClassifier(**{**QUICK, "max_trials": 1}, scoring=recall_of_churn).fit(
        X_train, y_train
    )
    assert seen and all(s == ({"churn", "stay"}, {"churn", "stay"}) for s in seen)

    X_train, _, y_train, _ = diabetes
    reg = TabularRegressor(
        **{**QUICK, "max_trials": 1},
        scoring=make_scorer(mean_absolute_error, greater_is_better=False),
    ).fit(X_train, y_train)
    error = -reg.leaderboard_["val_mean_absolute_error"].iloc[0]
    # In the target's units (diabetes progression, spread about 77), not standardized.
    assert 30 < error < 90


@pytest.mark.slow
def test_scoring_works_with_kerastuner(diabetes):
    X_train, _, y_train, _ = diabetes
    reg = TabularRegressor(
        **QUICK, tuner="random", scoring="neg_mean_absolute_error"
    ).fit(X_train, y_train)
    scores = complete_rows(reg.leaderboard_)["val_neg_mean_absolute_error"].to_numpy()
    assert (scores < 0).all() and list(scores) == sorted(scores, reverse=True)


@pytest.mark.parametrize(
    ("scoring", "message"),
    [
        ("balanced_acuracy", "not a scikit-learn scorer name.*get_scorer_names"),
        (["accuracy", "roc_auc"], "Several metrics at once are not supported"),
        ("f1", r"scoring='f1' could not score.*pos_label=1 is not a valid label"),
    ],
)
def test_a_bad_scoring_fails_before_training(imbalanced, scoring, message):
    X_train, _, y_train, _ = imbalanced
    clf = TabularClassifier(**QUICK, scoring=scoring)
    with pytest.raises(ValueError, match=message):
        clf.fit(X_train, y_train)
    assert not hasattr(clf, "model_")


def test_a_persistent_study_needs_a_scorer_name(imbalanced, tmp_path):
    X_train, _, y_train, _ = imbalanced
    clf = TabularClassifier(
        **QUICK,
        storage=str(tmp_path / "study.log"),
        scoring=make_scorer(balanced_accuracy_score),
    )
    with pytest.raises(ValueError, match="records scoring by name"):
        clf.fit(X_train, y_train)
    assert not (tmp_path / "study.log").exists()
