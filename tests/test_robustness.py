"""Adversarial robustness (issue 15, part 4): FGSM and PGD find the smallest flip of a
linear network where it is known in closed form, accuracy falls as epsilon grows, and
what cannot be attacked is refused."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from sklearn.model_selection import train_test_split

import autodeep
from autodeep import TabularClassifier
from autodeep._model_parts import model_parts
from autodeep.explain._robustness import Target
from tests.conftest import FAST

# A network that is affine in its input: one linear layer before the logits.
LINEAR = {
    "numeric_embedding": "none",
    "depth": 1,
    "units": 8,
    "activation": "linear",
    "dropout": 0.0,
    "batch_norm": False,
    "l2": 1e-8,
    "optimizer": "adam",
    "learning_rate": 1e-2,
    "batch_size": 64,
    "lr_schedule": "constant",
    "label_smoothing": 0.0,
}


@pytest.fixture(scope="module")
def linear_model():
    X_train, X_test, y_train, y_test = linear_problem()
    model = TabularClassifier(**FAST, search_space=LINEAR).fit(X_train, y_train)
    return model, X_test, y_test


def _margin_and_slope(model, inputs):
    """The logit difference d(x) = a . x + c of an affine network, read off it."""
    logits = keras.Model(model.model_.input, model_parts(model.model_).logits)

    def difference(x):
        z = keras.ops.convert_to_numpy(logits(x.astype("float32"), training=False))
        return (z[:, 1] - z[:, 0]).astype(np.float64)

    base = difference(inputs[:1])[0]
    slope = difference(np.eye(inputs.shape[1]) + inputs[:1]) - base
    return difference(inputs), slope


def linear_problem(seed: int = 0):
    """Labels linear in five columns of different scales, split 75/25."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(1200, 5)) * [1.0, 2.0, 0.5, 3.0, 1.0]
    y = (X @ np.array([1.0, -0.5, 2.0, 0.3, 0.0]) > 0).astype(int)
    return train_test_split(X, y, random_state=seed)


def flips_around_the_known_size(model, X, y, attack: str) -> tuple[float, float]:
    """The shares of rows the attack flips at 1.1x and at 0.9x the smallest flipping
    epsilon of each row, known in closed form for an affine network."""
    target = Target(model, X, y)
    margin, slope = _margin_and_slope(model, target.inputs)
    # Within a box of eps * scale_j per column, the logit difference moves by at most
    # eps * sum_j |a_j| scale_j: the smallest flipping epsilon of each row.
    needed = np.abs(margin) / np.sum(np.abs(slope) * target.scale)
    predicted = margin > 0
    keep = needed > 0.01  # rows on the boundary flip at any size
    flipped_above = target.attack(attack, 1.1 * needed)
    flipped_below = target.attack(attack, 0.9 * needed)
    above = (_margin_and_slope(model, flipped_above)[0] > 0) != predicted
    below = (_margin_and_slope(model, flipped_below)[0] > 0) != predicted
    return float(above[keep].mean()), float(below[keep].mean())


@pytest.mark.parametrize("attack", ["fgsm", "pgd"])
def test_the_attack_flips_a_linear_model_at_the_known_size(linear_model, attack):
    above, below = flips_around_the_known_size(*linear_model, attack)
    assert above > 0.98
    assert below < 0.02


def test_accuracy_table_starts_clean_and_falls(linear_model):
    model, X, y = linear_model
    table = autodeep.robustness(model, X, y, epsilons=[0, 0.1, 0.3, 1.0])
    assert list(table.columns) == ["attack", "epsilon", "accuracy"]
    assert len(table) == 8 and set(table["attack"]) == {"fgsm", "pgd"}
    for _, curve in table.groupby("attack"):
        accuracy = curve["accuracy"].to_numpy()
        assert accuracy[0] == pytest.approx(model.score(X, y))
        assert (np.diff(accuracy) <= 1e-9).all() and accuracy[-1] < 0.2


def test_regressor_error_grows_and_bad_arguments_are_refused(diabetes, diabetes_model):
    _, X_test, _, y_test = diabetes
    table = autodeep.robustness(
        diabetes_model, X_test, y_test, epsilons=[0, 0.2, 1.0], attacks=["pgd"]
    )
    errors = table["error"].to_numpy()
    assert errors[0] == pytest.approx(
        np.abs(diabetes_model.predict(X_test) - y_test).mean(), rel=1e-5
    )
    assert errors[0] < errors[1] < errors[2]
    with pytest.raises(ValueError, match="attacks must be among"):
        autodeep.robustness(diabetes_model, X_test, y_test, attacks=["cw"])
    with pytest.raises(ValueError, match="non-negative"):
        autodeep.robustness(diabetes_model, X_test, y_test, epsilons=[-1])


@pytest.mark.slow
def test_digits_accuracy_falls_monotonically_with_epsilon(digit_images, digits_model):
    _, X_test, _, y_test = digit_images
    table = autodeep.robustness(digits_model, X_test, y_test)  # 0..16 of 255
    assert sorted(table["epsilon"].unique()) == [0, 1, 2, 4, 8, 16]
    for _, curve in table.groupby("attack"):
        accuracy = curve.sort_values("epsilon")["accuracy"].to_numpy()
        assert accuracy[0] > 0.9
        assert (np.diff(accuracy) <= 0).all(), accuracy
        assert accuracy[-1] < accuracy[0]
    pgd = table[table["attack"] == "pgd"].set_index("epsilon")["accuracy"]
    fgsm = table[table["attack"] == "fgsm"].set_index("epsilon")["accuracy"]
    assert (pgd <= fgsm + 0.02).all()  # more steps find at least as many flips
