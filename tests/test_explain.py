"""Attribution methods: known answers, mapping to user units, and the trust checks."""

from __future__ import annotations

import keras
import matplotlib
import numpy as np
import pytest

from autodeep import TabularRegressor, TextClassifier
from autodeep.explain import METHODS, Explanation, deletion_check, randomization_check
from autodeep.explain._methods import (
    gradient_x_input,
    integrated_gradients,
    saliency,
    smoothgrad,
)
from autodeep.explain._probe import Probe
from tests.conftest import FAST, ig_completeness, sentiment_texts

matplotlib.use("Agg")


def _model(hidden=None, seed=0):
    """A model ending in ``logits``: linear when ``hidden`` is None, else a tanh MLP."""
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((5,))
    x = inputs
    if hidden:
        x = keras.layers.Dense(hidden, activation="tanh")(x)
    logits = keras.layers.Dense(3, name="logits")(x)
    outputs = keras.layers.Activation("softmax")(logits)
    return keras.Model(inputs, outputs)


@pytest.fixture
def rows():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 5)).astype(np.float32)
    return x, np.array([0, 1, 2, 0, 1, 2])


def test_linear_model_gradient_x_input_and_ig_are_the_exact_contributions(rows):
    x, targets = rows
    model = _model()
    weights = model.get_layer("logits").get_weights()[0]  # (5 features, 3 classes)
    probe = Probe(model)
    exact = x * weights[:, targets].T
    baseline = np.zeros_like(x)
    np.testing.assert_allclose(
        gradient_x_input(probe, x, x, targets), exact, rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(
        integrated_gradients(probe, x, x, targets, baseline=baseline, steps=4),
        exact,
        rtol=1e-5,
        atol=1e-6,
    )
    # The gradient of a linear logit is its weight, whatever the noise.
    np.testing.assert_allclose(
        saliency(probe, x, x, targets), np.abs(weights[:, targets].T), rtol=1e-5
    )
    np.testing.assert_allclose(
        smoothgrad(probe, x, x, targets, samples=3),
        np.abs(weights[:, targets].T),
        rtol=1e-4,
    )


def test_integrated_gradients_completeness_on_a_nonlinear_model(rows):
    x, targets = rows
    probe = Probe(_model(hidden=16))
    baseline = np.full_like(x, 0.5)
    attributions = integrated_gradients(
        probe, x, x, targets, baseline=baseline, steps=64
    )
    logits = probe.logits(x, x)
    reference = probe.logits(x, baseline)
    picked = np.arange(len(x)), targets
    difference = logits[picked] - reference[picked]
    np.testing.assert_allclose(
        attributions.sum(axis=1), difference, rtol=0.01, atol=1e-3
    )


def test_integrated_gradients_chunks_give_the_same_answer(rows, monkeypatch):
    import autodeep.explain._methods as methods

    x, targets = rows
    probe = Probe(_model(hidden=8))
    whole = integrated_gradients(probe, x, x, targets, baseline=0 * x, steps=16)
    monkeypatch.setattr(methods, "CHUNK_ROWS", 20)  # one row (17 steps) per chunk
    chunked = integrated_gradients(probe, x, x, targets, baseline=0 * x, steps=16)
    np.testing.assert_allclose(chunked, whole, rtol=1e-5, atol=1e-6)


def test_tabular_attributions_per_original_column_and_complete(
    cancer_with_categories, cancer_model
):
    _, X_test, _, _ = cancer_with_categories
    explanation = cancer_model.explain(X_test.iloc[:10])
    assert explanation.method == "integrated_gradients"
    frame = explanation.to_frame()
    # One-hot parts, missing indicators and embedding dimensions are summed into the
    # column they came from.
    assert list(frame.columns) == list(X_test.columns)
    totals, difference = ig_completeness(cancer_model, X_test.iloc[:10])
    np.testing.assert_allclose(totals, difference, rtol=0.01, atol=0.01)
    importance = explanation.global_importance()
    assert set(importance.index) == set(X_test.columns)
    assert importance.is_monotonic_decreasing
    np.testing.assert_allclose(
        importance[X_test.columns[0]], frame.iloc[:, 0].abs().mean()
    )


@pytest.fixture(scope="module")
def sentiment():
    return sentiment_texts(300, seed=0)


@pytest.mark.slow
@pytest.mark.parametrize("family", ["ngrams", "conv1d", "transformer"])
def test_text_attributions_find_the_sentiment_word(sentiment, family):
    texts, labels, sentiment_words = sentiment
    space = {"family": family}
    if family != "ngrams":
        # Short sequences and narrow embeddings: the sampled ones (256 tokens, 128
        # dimensions, two blocks) made the transformer's fit take 100 s here.
        space.update(sequence_length=64, embedding_dim=32)
    if family == "transformer":
        space.update(transformer_layers=1)
    clf = TextClassifier(**{**FAST, "max_epochs": 10}, search_space=space)
    clf.fit(texts, labels)
    explanation = clf.explain(texts[:20])
    frame = explanation.to_frame()
    assert explanation.unit_names[0] == texts[0].split()
    top = frame.loc[frame.groupby("row")["attribution"].idxmax(), "token"]
    assert np.mean([token in sentiment_words for token in top]) >= 0.9
    totals, difference = ig_completeness(clf, texts[:20])
    np.testing.assert_allclose(totals, difference, rtol=0.01, atol=0.01)
    occlusion = clf.explain(texts[:5], method="occlusion").to_frame()
    assert len(occlusion) == sum(len(t.split()) for t in texts[:5])


def test_text_empty_input_has_no_tokens(sentiment):
    texts, labels, _ = sentiment
    clf = TextClassifier(**{**FAST, "max_epochs": 2}).fit(texts, labels)
    explanation = clf.explain(["", texts[0]], method="occlusion")
    assert explanation.unit_names[0] == [] and len(explanation.attributions[0]) == 0


@pytest.mark.slow
def test_image_maps_have_the_image_size(digit_images, digits_model):
    _, X_test, _, _ = digit_images
    for method in METHODS:
        explanation = digits_model.explain(X_test[:3], method=method)
        assert explanation.attributions[0].shape == (8, 8), method
        assert np.isfinite(explanation.attributions[0]).all()
    assert digits_model.explain(X_test[:2]).method == "gradcam"
    overlay = explanation.overlay(0)
    assert overlay.shape == (8, 8, 3) and overlay.dtype == np.uint8
    assert explanation.heatmap(0).max() <= 1.0
    assert explanation.global_importance().shape == (8, 8)


@pytest.mark.slow
@pytest.mark.parametrize("method", ["gradcam", "smoothgrad"])
def test_gradcam_and_smoothgrad_pass_both_trust_checks_on_digits(
    digit_images, digits_model, method
):
    _, X_test, _, _ = digit_images
    sample = X_test[:40]
    check = randomization_check(digits_model, sample, method=method)
    assert check.passed and check.correlation < 0.5
    deletion = deletion_check(
        digits_model, sample, digits_model.explain(sample, method=method)
    )
    assert deletion.passed and deletion.auc < deletion.random_auc
    assert deletion.curve[0] == pytest.approx(deletion.random_curve[0])


@pytest.mark.slow  # trains the digits CNN (about 18 s); the other digits tests are slow
def test_randomization_check_flags_an_input_dominated_map(digit_images, digits_model):
    # Gradient x input on digits mostly draws the digit itself (black pixels score 0
    # whatever the weights), so it barely changes when the weights are randomized.
    _, X_test, _, _ = digit_images
    check = randomization_check(digits_model, X_test[:20], method="gradient_x_input")
    assert not check.passed and check.correlation > 0.5


def test_targets_and_settings_are_checked(
    cancer_with_categories, cancer_model, diabetes
):
    _, X_test, _, _ = cancer_with_categories
    rows = X_test.iloc[:4]
    explanation = cancer_model.explain(rows, target=0)
    assert list(explanation.targets) == [0, 0, 0, 0]
    other = cancer_model.explain(rows, target=1)
    assert not np.allclose(explanation.to_frame(), other.to_frame())
    with pytest.raises(ValueError, match="not a class of this model"):
        cancer_model.explain(rows, target="benign")
    with pytest.raises(TypeError, match="unknown setting"):
        cancer_model.explain(rows, method="saliency", steps=10)
    with pytest.raises(ValueError, match="convolutional image model"):
        cancer_model.explain(rows, method="gradcam")
    with pytest.raises(ValueError, match="method must be"):
        cancer_model.explain(rows, method="guided_backprop")
    with pytest.raises(ValueError, match="missing"):
        cancer_model.explain(rows.drop(columns="clinic"))
    X_train, X_reg, y_train, _ = diabetes
    regressor = TabularRegressor(**{**FAST, "max_epochs": 3}).fit(X_train, y_train)
    with pytest.raises(ValueError, match="output index"):
        regressor.explain(X_reg.iloc[:3], target=1)
    explanation = regressor.explain(X_reg.iloc[:3])
    np.testing.assert_allclose(
        explanation.predictions, regressor.predict(X_reg.iloc[:3]), rtol=1e-4
    )


def test_baseline_row_and_plot(cancer_with_categories, cancer_model):
    _, X_test, _, _ = cancer_with_categories
    rows = X_test.iloc[:3]
    # Explaining a row against itself attributes nothing.
    same = cancer_model.explain(rows.iloc[:1], baseline=rows.iloc[:1])
    np.testing.assert_allclose(same.to_frame().to_numpy(), 0.0, atol=1e-6)
    explanation = cancer_model.explain(rows, method="gradient_x_input")
    assert isinstance(explanation, Explanation) and len(explanation) == 3
    assert explanation.inputs.equals(rows)
    assert explanation.plot(1).get_title().startswith("gradient_x_input")
    np.testing.assert_allclose(
        explanation.probabilities, cancer_model.predict_proba(rows), rtol=1e-4
    )
