"""Split-conformal prediction sets and intervals (issue 15, part 2): the threshold's
arithmetic, coverage on new rows, and the estimators' predict_set/predict_interval."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, make_classification
from sklearn.model_selection import train_test_split

import autodeep
from autodeep import TabularClassifier, TabularRegressor
from autodeep._conformal import check_alpha, residual_scores, threshold
from tests.conftest import FAST


def test_threshold_is_the_conformal_rank_of_the_scores():
    scores = np.arange(1.0, 10.0)  # 9 scores
    assert threshold(scores, 0.1) == 9.0  # ceil(10 * 0.9) = 9th smallest
    assert threshold(scores, 0.2) == 8.0  # ceil(10 * 0.8) = 8th
    assert threshold(scores, 0.5) == 5.0
    # Five scores cannot give 90 %: the threshold is infinite.
    assert threshold(scores[:5], 0.1) == np.inf
    # One column per target.
    two = np.column_stack([scores, 10 * scores])
    np.testing.assert_array_equal(threshold(two, 0.2), [8.0, 80.0])


@pytest.mark.parametrize("alpha", [0, 1, -0.1, 1.5, "0.1", True])
def test_alpha_outside_zero_one_is_refused(alpha):
    with pytest.raises(ValueError, match="alpha"):
        check_alpha(alpha)


def test_intervals_cover_new_draws_as_promised():
    # The guarantee is over calibration sets: 99 exchangeable residuals give the
    # 90th smallest, which covers a new draw with probability exactly 90/100.
    rng = np.random.default_rng(0)
    coverage = [
        np.mean(
            np.abs(rng.normal(size=2000))
            <= threshold(residual_scores(rng.normal(size=99), 0.0), 0.1)
        )
        for _ in range(400)
    ]
    assert 0.895 <= np.mean(coverage) <= 0.91


def test_sets_and_intervals_of_fitted_models(
    cancer_with_categories, cancer_model, diabetes, diabetes_model, tmp_path
):
    _, X_test, _, _ = cancer_with_categories
    wide, narrow = (
        cancer_model.predict_set(X_test, 0.02),
        cancer_model.predict_set(X_test, 0.3),
    )
    assert wide.shape == (len(X_test), 2) and wide.dtype == bool
    assert (wide >= narrow).all()  # a smaller alpha never removes a class
    # The most likely class is in every set that holds any class.
    proba = cancer_model.predict_proba(X_test)
    top = wide[np.arange(len(wide)), proba.argmax(axis=1)]
    assert top[wide.any(axis=1)].all()

    _, X_reg, _, _ = diabetes
    bounds = diabetes_model.predict_interval(X_reg, alpha=0.1)
    predicted = diabetes_model.predict(X_reg)
    assert bounds.shape == (len(X_reg), 2)
    np.testing.assert_allclose(bounds.mean(axis=1), predicted)
    assert (bounds[:, 1] - bounds[:, 0] > 0).all()
    wider = diabetes_model.predict_interval(X_reg, alpha=0.02)
    assert (wider[:, 1] - wider[:, 0] >= bounds[:, 1] - bounds[:, 0]).all()

    diabetes_model.save(tmp_path / "reg")
    loaded = autodeep.load(tmp_path / "reg")
    np.testing.assert_allclose(
        loaded.conformity_scores_, diabetes_model.conformity_scores_
    )
    np.testing.assert_allclose(
        loaded.predict_interval(X_reg), bounds, rtol=1e-6, atol=1e-6
    )


def test_without_scores_or_with_too_few_the_user_is_told(
    cancer_with_categories, cancer_model
):
    _, X_test, _, _ = cancer_with_categories
    blind = copy.copy(cancer_model)
    blind.conformity_scores_ = None
    with pytest.raises(ValueError, match="no conformal scores"):
        blind.predict_set(X_test)
    few = copy.copy(cancer_model)
    few.conformity_scores_ = cancer_model.conformity_scores_[:5]
    with pytest.warns(UserWarning, match="needs at least 9"):
        sets = few.predict_set(X_test, alpha=0.1)
    assert sets.all()
    with pytest.raises(ValueError, match="alpha"):
        cancer_model.predict_set(X_test, alpha=1.0)


def test_conformalize_recalibrates_on_held_out_rows(
    cancer_with_categories, cancer_model, diabetes, diabetes_model
):
    _, X_test, _, y_test = cancer_with_categories
    model = copy.copy(cancer_model)
    assert model.conformalize(X_test, y_test) is model
    proba = model.predict_proba(X_test)
    codes = np.searchsorted(model.classes_, np.asarray(y_test))
    np.testing.assert_allclose(
        model.conformity_scores_, 1 - proba[np.arange(len(codes)), codes]
    )
    # The threshold is the ceil((n + 1) 0.9)-th of these rows' own scores, so the
    # sets cover at least that many of them.
    sets = model.predict_set(X_test, alpha=0.1)
    needed = np.ceil((len(X_test) + 1) * 0.9) / len(X_test)
    assert sets[np.arange(len(codes)), codes].mean() >= needed
    assert cancer_model.conformity_scores_ is not model.conformity_scores_

    _, X_reg, _, y_reg = diabetes
    regressor = copy.copy(diabetes_model).conformalize(X_reg, y_reg)
    bounds = regressor.predict_interval(X_reg, alpha=0.1)
    inside = (bounds[:, 0] <= y_reg) & (y_reg <= bounds[:, 1])
    assert inside.mean() >= np.ceil((len(X_reg) + 1) * 0.9) / len(X_reg)

    with pytest.raises(ValueError, match="labels the model does not know"):
        copy.copy(cancer_model).conformalize(X_test, np.full(len(X_test), 7))
    with pytest.raises(ValueError, match="X has 143 rows but y has 10"):
        copy.copy(cancer_model).conformalize(X_test, y_test[:10])
    with pytest.raises(ValueError, match="missing value"):
        copy.copy(diabetes_model).conformalize(X_reg, np.full(len(X_reg), np.nan))


def _coverage(estimator, X, y, alpha, splits):
    """Mean test coverage (and mean set size or width) over random splits."""
    covered, sizes = [], []
    for seed in range(splits):
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=0.5, random_state=seed
        )
        # Coverage does not depend on how good the model is: few epochs suffice.
        model = estimator(**{**FAST, "max_epochs": 8}).fit(X_train, y_train)
        if hasattr(model, "predict_set"):
            sets = model.predict_set(X_test, alpha)
            codes = np.searchsorted(model.classes_, y_test)
            covered.append(sets[np.arange(len(codes)), codes].mean())
            sizes.append(sets.sum(axis=1).mean())
        else:
            bounds = model.predict_interval(X_test, alpha)
            covered.append(np.mean((bounds[:, 0] <= y_test) & (y_test <= bounds[:, 1])))
            sizes.append(np.mean(bounds[:, 1] - bounds[:, 0]))
    return float(np.mean(covered)), float(np.mean(sizes))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("estimator", "load"),
    [(TabularClassifier, load_breast_cancer), (TabularRegressor, load_diabetes)],
)
def test_coverage_over_twenty_splits_is_near_ninety_percent(estimator, load):
    coverage_is_near_ninety_percent(estimator, load)


def coverage_is_near_ninety_percent(estimator, load):
    """The known answer: over 20 random halvings of a bundled dataset, 90 % sets or
    intervals cover between 87 % and 95 % of the held-out rows."""
    X, y = load(return_X_y=True)
    coverage, _ = _coverage(estimator, X, y, alpha=0.1, splits=20)
    assert 0.87 <= coverage <= 0.95, coverage


@pytest.mark.slow
def test_sets_shrink_as_the_model_improves():
    X, y = make_classification(
        n_samples=2000,
        n_features=20,
        n_informative=8,
        n_classes=4,
        n_clusters_per_class=1,
        random_state=0,
    )
    X_train, X_test, y_train, _ = train_test_split(
        X, y, test_size=0.5, random_state=0, stratify=y
    )
    sizes = []
    for epochs in (1, 30):
        model = TabularClassifier(**{**FAST, "max_epochs": epochs}).fit(
            X_train, y_train
        )
        sizes.append(model.predict_set(X_test, 0.1).sum(axis=1).mean())
    assert sizes[1] < sizes[0], sizes
