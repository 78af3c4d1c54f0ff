"""The text search space and builder: every family trains, ignores padding, reloads."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from autodeep import Float, Int
from autodeep._layers import PositionEmbedding
from autodeep.search_spaces import build_text_model, mlp_space, sample, text_space
from autodeep.search_spaces.tabular import make_optimizer
from autodeep.search_spaces.text import TEXT_DEFAULTS
from tests.conftest import random_suggest

VOCABULARY = 50
LENGTH = 16
N_FEATURES = 30
SEQUENCE = {"embedding_dim": 16, "dropout": 0.1, "dense_layers": 1, "dense_units": 8}
VARIANTS = {
    "ngrams": {"family": "ngrams"},
    "embedding_average": {"family": "embedding", "pooling": "average"},
    "embedding_max": {"family": "embedding", "pooling": "max"},
    "conv1d": {"family": "conv1d", "conv_layers": 2, "filters": 8, "kernel_size": 3},
    "lstm_bidirectional": {
        "family": "rnn",
        "cell": "lstm",
        "rnn_units": 8,
        "bidirectional": True,
    },
    "gru": {"family": "rnn", "cell": "gru", "rnn_units": 8, "bidirectional": False},
    "transformer": {
        "family": "transformer",
        "heads": 2,
        "transformer_layers": 2,
        "ff_units": 16,
    },
}


def with_family(family, seed):
    draw = random_suggest(seed)

    def suggest(name, dim):
        return family if name == "family" else draw(name, dim)

    return suggest


def extreme(last):
    """A suggest that always takes the last (or first) option, the high (or low) end."""

    def draw(name, dim):
        if isinstance(dim, (Int, Float)):
            return dim.high if last else dim.low
        return dim.options[-1 if last else 0]

    return draw


def token_ids(n=64, length=LENGTH, seed=0):
    """Ids 2..49 followed by padding; every row keeps at least one token."""
    rng = np.random.default_rng(seed)
    X = rng.integers(2, VOCABULARY, size=(n, length)).astype("int32")
    lengths = rng.integers(1, length + 1, size=n)
    X[np.arange(length) >= lengths[:, None]] = 0
    return X


def tfidf_rows(n=64, seed=0):
    return np.random.default_rng(seed).random((n, N_FEATURES)).astype("float32")


def params_for(variant, **overrides):
    return {**TEXT_DEFAULTS, **SEQUENCE, **VARIANTS[variant], **overrides}


def build(params, n_outputs=3, activation="softmax"):
    length = N_FEATURES if params["family"] == "ngrams" else LENGTH
    return build_text_model(params, VOCABULARY, length, n_outputs, activation)


def inputs_for(params, n=64):
    return tfidf_rows(n) if params["family"] == "ngrams" else token_ids(n)


@pytest.fixture(autouse=True)
def _seed():
    keras.utils.set_random_seed(0)


def test_space_declares_parents_first_and_reuses_mlp_dimensions():
    space = text_space()
    names = list(space)
    for name, dim in space.items():
        for parent in dim.when or {}:
            assert names.index(parent) < names.index(name), name
    shared = mlp_space()
    for name in ("dropout", "l2", "optimizer", "learning_rate", "batch_size"):
        assert space[name] == shared[name]
    assert space["momentum"].when == shared["momentum"].when
    assert space["weight_decay"].when == shared["weight_decay"].when
    assert space["dense_units"].when == {"dense_layers": [1, 2]}
    assert "augment" not in space and "augment_strength" not in space


def test_augmentation_adds_two_dimensions():
    space = text_space(augmentation=True)
    assert set(space) - set(text_space()) == {"augment", "augment_strength"}
    assert space["augment_strength"].when == {"augment": [True]}
    with_augment = sample(space, extreme(last=True))
    assert with_augment["augment"] is True and "augment_strength" in with_augment
    without = sample(space, extreme(last=False))
    assert without["augment"] is False and "augment_strength" not in without


def test_defaults_are_a_sample_of_the_space_and_train():
    assert sample(text_space(), lambda name, dim: TEXT_DEFAULTS[name]) == TEXT_DEFAULTS
    model = build_text_model(TEXT_DEFAULTS, 0, N_FEATURES, 2, "softmax")
    model.compile(make_optimizer(TEXT_DEFAULTS), "sparse_categorical_crossentropy")
    X = tfidf_rows()
    y = (X[:, 0] > 0.5).astype("int32")
    history = model.fit(X, y, epochs=20, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


@pytest.mark.slow
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_every_family_trains_and_outputs_probabilities(variant):
    params = params_for(variant)
    model = build(params)
    X = inputs_for(params)
    model.compile(make_optimizer(params), "sparse_categorical_crossentropy")
    history = model.fit(X, np.arange(len(X)) % 3, epochs=1, batch_size=16, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    probabilities = np.asarray(model(X))
    assert probabilities.shape == (len(X), 3)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    embedding = (
        "token_position_embedding" if variant == "transformer" else "token_embedding"
    )
    if variant != "ngrams":
        assert model.get_layer(embedding).output.shape == (None, LENGTH, 16)


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["ngrams", "gru"])
def test_regression_head_is_linear_and_learns(variant):
    params = params_for(variant, dropout=0.0, learning_rate=1e-2)
    model = build(params, n_outputs=1, activation="linear")
    X = inputs_for(params)
    y = 1.0 + (X[:, 0] > X[:, 0].mean())
    model.compile(make_optimizer(params), "mse")
    history = model.fit(X, y, epochs=10, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0] / 2
    predictions = np.asarray(model(X))
    assert predictions.shape == (len(X), 1)
    logits = keras.Model(model.input, model.get_layer("logits").output)
    np.testing.assert_array_equal(predictions, np.asarray(logits(X)))


@pytest.mark.parametrize("pooling", ["average", "max"])
def test_embedding_pooling_ignores_padding(pooling):
    model = build(params_for(f"embedding_{pooling}"))
    pooled = keras.Model(model.input, model.get_layer("pooling").output)
    X = token_ids(8)
    X[-1] = 0  # an empty text pools to zeros, not NaN
    table = model.get_layer("token_embedding").get_weights()[0]
    expected = [
        getattr(np, "mean" if pooling == "average" else "max")(
            table[row[row != 0]], axis=0
        )
        if row.any()
        else np.zeros(table.shape[1])
        for row in X
    ]
    np.testing.assert_allclose(np.asarray(pooled(X)), expected, atol=1e-6)


@pytest.mark.parametrize(
    "variant", ["embedding_average", "lstm_bidirectional", "gru", "transformer"]
)
def test_padding_embeddings_do_not_change_predictions(variant):
    model = build(params_for(variant))
    X = token_ids(16, length=8)
    X = np.pad(X, ((0, 0), (0, LENGTH - 8)))  # positions 8.. are padding in every row
    X[-1] = 0
    before = np.asarray(model(X))
    assert np.isfinite(before).all()
    name = "token_position_embedding" if variant == "transformer" else "token_embedding"
    layer = model.get_layer(name)
    weights = layer.get_weights()
    rng = np.random.default_rng(1)
    perturbed = [w.copy() for w in weights]
    perturbed[0][0] = rng.normal(size=perturbed[0].shape[1])  # the padding id's row
    if variant == "transformer":
        perturbed[1][8:] = rng.normal(size=perturbed[1][8:].shape)  # padded positions
    layer.set_weights(perturbed)
    # An RNN reads an empty text as one padding step (cuDNN rejects empty rows).
    rows = slice(-1) if variant in ("lstm_bidirectional", "gru") else slice(None)
    np.testing.assert_allclose(np.asarray(model(X))[rows], before[rows], atol=1e-6)
    perturbed[0][X[0, 0]] += 1.0  # a real token's row does change the output
    layer.set_weights(perturbed)
    assert not np.allclose(np.asarray(model(X[:1])), before[:1], atol=1e-6)


def test_random_samples_build_valid_models():
    families = text_space()["family"].options
    for seed in range(20):
        # Every family gets four draws of its other dimensions.
        family = families[seed % len(families)]
        params = sample(text_space(augmentation=True), with_family(family, seed))
        if params["family"] == "ngrams":
            length = N_FEATURES
        else:
            length = min(params["sequence_length"], LENGTH)
        model = build_text_model(params, VOCABULARY, length, 3, "softmax")
        make_optimizer(params)
        X = tfidf_rows(4) if params["family"] == "ngrams" else token_ids(4, length)
        probabilities = model(X, training=False)
        np.testing.assert_allclose(np.sum(probabilities, axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize(
    "variant",
    ["ngrams", "embedding_max", "conv1d", "lstm_bidirectional", "transformer"],
)
def test_save_and_safe_load_give_identical_predictions(variant, tmp_path):
    params = params_for(variant)
    model = build(params)
    X = inputs_for(params, 32)
    X[-1] = 0  # an empty text, too
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(np.asarray(loaded(X)), np.asarray(model(X)))


def test_clear_errors():
    with pytest.raises(ValueError, match="Unknown family"):
        build({**TEXT_DEFAULTS, "family": "bert"})
    with pytest.raises(ValueError, match="must be at least heads"):
        build(params_for("transformer", embedding_dim=2, heads=4))
    params = params_for("gru", dense_layers=3)
    del params["dense_units"]
    with pytest.raises(ValueError, match="needs a dense_units"):
        build(params)
    layer = PositionEmbedding(VOCABULARY, 8, 4)
    with pytest.raises(ValueError, match="longer length"):
        layer(np.zeros((2, LENGTH), "int32"))
