"""The parts explanations read in each builder's networks, and the probe built on them."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from autodeep._layers import CategoryEmbedding, PositionEmbedding
from autodeep._model_parts import model_parts
from autodeep.explain._probe import Probe
from autodeep.search_spaces.image import CNN_DEFAULTS, build_cnn
from autodeep.search_spaces.tabular import MLP_DEFAULTS, build_mlp
from autodeep.search_spaces.text import TEXT_DEFAULTS, build_text_model

TEXT = {
    **TEXT_DEFAULTS,
    "embedding_dim": 8,
    "pooling": "average",
    "cell": "gru",
    "rnn_units": 4,
    "bidirectional": False,
    "filters": 4,
    "kernel_size": 3,
    "conv_layers": 1,
    "heads": 2,
    "ff_units": 8,
    "transformer_layers": 1,
}
# Token ids with padding (0), including an all-padding row (an empty text).
IDS = np.array([[3, 4, 5, 0, 0, 0], [0, 0, 0, 0, 0, 0], [1, 2, 3, 4, 5, 6]], "int32")


def _logits(model, inputs):
    return keras.ops.convert_to_numpy(
        keras.Model(model.input, model_parts(model).logits)(inputs)
    )


def test_each_builder_names_the_parts_explanations_read():
    mlp = build_mlp(MLP_DEFAULTS, 5, [4, 7], 2, "softmax")
    parts = model_parts(mlp)
    assert isinstance(parts.embedding, CategoryEmbedding)
    assert parts.feature_map is None and parts.logits.shape == (None, 2)
    assert model_parts(build_mlp(MLP_DEFAULTS, 5, [], 1, "linear")).embedding is None

    cnn = build_cnn(
        CNN_DEFAULTS, (8, 8), 1, np.array([127.5]), np.array([64.0]), 3, "softmax"
    )
    parts = model_parts(cnn)
    assert parts.embedding is None and len(parts.feature_map.shape) == 4

    text = {
        family: model_parts(
            build_text_model({**TEXT, "family": family}, 20, 6, 2, "softmax")
        )
        for family in ("ngrams", "embedding", "transformer")
    }
    assert text["ngrams"].embedding is None
    assert isinstance(text["embedding"].embedding, keras.layers.Embedding)
    assert isinstance(text["transformer"].embedding, PositionEmbedding)


def test_a_network_without_logits_is_refused():
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    with pytest.raises(ValueError, match="no 'logits' layer"):
        model_parts(model)
    with pytest.raises(ValueError, match="representation='embedding'"):
        Probe(build_mlp(MLP_DEFAULTS, 5, [], 1, "linear"), "embedding")


@pytest.mark.parametrize("family", ["embedding", "conv1d", "rnn", "transformer"])
def test_probe_on_the_embedding_keeps_the_padding_masks(family):
    """The logits from the embedding's own output equal the network's, padding masks
    included, and no layer is left changed."""
    keras.utils.set_random_seed(0)
    model = build_text_model({**TEXT, "family": family}, 20, 6, 2, "softmax")
    probe = Probe(model, "embedding")
    z = probe.represent(IDS)
    assert z.shape == (3, 6, 8)
    logits = _logits(model, IDS)
    np.testing.assert_allclose(probe.logits(IDS, z), logits, atol=1e-6)
    targets = np.array([0, 1, 0])
    value, gradient = probe.gradient(IDS, z, targets)
    np.testing.assert_allclose(value, logits[np.arange(3), targets], atol=1e-6)
    assert gradient.shape == z.shape and np.isfinite(gradient).all()
    assert all("call" not in vars(layer) for layer in model.layers)


def test_probe_on_the_feature_map_gives_the_networks_logits():
    keras.utils.set_random_seed(0)
    model = build_cnn(
        CNN_DEFAULTS, (8, 8), 1, np.array([127.5]), np.array([64.0]), 3, "softmax"
    )
    images = np.random.default_rng(0).uniform(0, 255, (4, 8, 8, 1)).astype("float32")
    probe = Probe(model, "feature_map")
    features = probe.represent(images)
    assert features.shape[:1] == (4,) and features.ndim == 4
    np.testing.assert_allclose(
        probe.logits(images, features), _logits(model, images), atol=1e-5
    )
