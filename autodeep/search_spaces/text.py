"""The text search space and the builder that turns a sample into a model.

The network never sees strings: the text encoders (fit on each trial's training part)
turn them into numbers first, so the model stays backend-neutral and its ``.keras``
file loads with ``safe_mode=True``. Family ``"ngrams"`` gets a dense TF-IDF row of
``n_features`` floats; every other family gets ``sequence_length`` int32 token ids
(``0`` padding after the text, ``1`` out of vocabulary). The embedding, RNN and
transformer families mask the padding, so it never changes a prediction; an empty
text (all padding) pools to zeros, and an RNN reads it as one padding step because
cuDNN rejects all-padding rows. The ``conv1d`` family learns the padding embedding
like any token: ``Conv1D`` does not carry masks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from autodeep._model_parts import LOGITS, TOKEN_EMBEDDING, TOKEN_POSITION_EMBEDDING
from autodeep.search_spaces._space import (
    Choice,
    Float,
    Int,
    SearchSpace,
    number,
    one_of,
)
from autodeep.search_spaces.tabular import mlp_space

if TYPE_CHECKING:
    import keras

# The parameters a text vectorizer is built from (the rest only shape the network).
VECTORIZER_KEYS = (
    "family",
    "standardize",
    "max_tokens",
    "ngram_max",
    "analyzer",
    "sequence_length",
)
FAMILIES = ("ngrams", "embedding", "conv1d", "rnn", "transformer")
SEQUENCE_FAMILIES = FAMILIES[1:]
STANDARDIZE = ("none", "lower", "lower_punctuation")
POOLINGS = ("average", "max")
CELLS = ("lstm", "gru")
# Dimensions taken as they are from the MLP space.
SHARED = (
    "dropout",
    "l2",
    "optimizer",
    "learning_rate",
    "momentum",
    "weight_decay",
    "batch_size",
)


def text_space(augmentation: bool = False) -> SearchSpace:
    """The default search space for text estimators.

    Parameters
    ----------
    augmentation : bool, default=False
        ``True`` adds ``augment`` (on/off) and ``augment_strength`` for the text
        encoders; the network itself does not use them.

    Returns
    -------
    dict
        Dimension name to dimension, parents before the dimensions they condition.
        ``family`` picks the architecture; ``standardize``, ``max_tokens``,
        ``ngram_max``, ``analyzer`` and ``sequence_length`` configure the encoders;
        ``dropout``, ``l2``, ``optimizer``, ``learning_rate``, ``momentum``,
        ``weight_decay`` and ``batch_size`` are the MLP ones.

    Examples
    --------
    >>> from autodeep.search_spaces import text_space
    >>> space = text_space()
    >>> space["family"].options
    ('ngrams', 'embedding', 'conv1d', 'rnn', 'transformer')
    >>> space["cell"].when
    {'family': ['rnn']}
    """
    shared = mlp_space()
    sequence = {"family": list(SEQUENCE_FAMILIES)}
    count = number(1, integer=True)
    flag = one_of([False, True])
    space: SearchSpace = {
        "family": Choice(FAMILIES, valid=one_of(FAMILIES)),
        "standardize": Choice(STANDARDIZE, valid=one_of(STANDARDIZE)),
        "max_tokens": Choice([5000, 10000, 20000], valid=number(2, integer=True)),
        "ngram_max": Int(1, 3, when={"family": ["ngrams"]}, valid=count),
        "analyzer": Choice(
            ["word", "char_wb"],
            when={"family": ["ngrams"]},
            valid=one_of(["word", "char_wb"]),
        ),
        "sequence_length": Choice([64, 128, 256], when=sequence, valid=count),
        "embedding_dim": Choice([32, 64, 128], when=sequence, valid=count),
        "pooling": Choice(
            POOLINGS, when={"family": ["embedding"]}, valid=one_of(POOLINGS)
        ),
        "conv_layers": Int(1, 3, when={"family": ["conv1d"]}, valid=count),
        "filters": Int(32, 256, log=True, when={"family": ["conv1d"]}, valid=count),
        "kernel_size": Choice([3, 5, 7], when={"family": ["conv1d"]}, valid=count),
        "cell": Choice(CELLS, when={"family": ["rnn"]}, valid=one_of(CELLS)),
        "rnn_units": Int(16, 128, log=True, when={"family": ["rnn"]}, valid=count),
        "bidirectional": Choice([True, False], when={"family": ["rnn"]}, valid=flag),
        "heads": Choice([2, 4], when={"family": ["transformer"]}, valid=count),
        "transformer_layers": Int(1, 2, when={"family": ["transformer"]}, valid=count),
        "ff_units": Int(
            32, 256, log=True, when={"family": ["transformer"]}, valid=count
        ),
    }
    if augmentation:
        space["augment"] = Choice([False, True])
        space["augment_strength"] = Float(0.05, 0.2, when={"augment": [True]})
    space["dense_layers"] = Int(0, 2, valid=number(0, integer=True))
    # Equality conditions only: list every depth that has dense layers.
    space["dense_units"] = Int(
        16, 256, log=True, when={"dense_layers": [1, 2]}, valid=count
    )
    for name in SHARED:
        space[name] = shared[name]
    return space


def build_text_model(
    params: Mapping[str, Any],
    vocabulary_size: int,
    input_length: int,
    n_outputs: int,
    output_activation: str,
) -> keras.Model:
    """Build an (uncompiled) text model from one sample of :func:`text_space`.

    Parameters
    ----------
    params : mapping
        One sample of :func:`text_space`.
    vocabulary_size : int
        Number of token ids (ids are ``0 .. vocabulary_size - 1``); unused by
        ``"ngrams"``.
    input_length : int
        ``n_features`` (TF-IDF columns) for ``"ngrams"``, else the sequence length.
    n_outputs : int
        Width of the ``logits`` layer.
    output_activation : str
        Activation of the final ``output`` layer (``"softmax"``, ``"sigmoid"``,
        ``"linear"``).

    Returns
    -------
    keras.Model
        Input ``text``; sequence families embed it in ``token_embedding`` (the
        transformer in ``token_position_embedding``: tokens plus positions), whose
        output is what gradient explanations differentiate against. The model ends in
        a ``logits`` layer followed by an ``output`` activation layer (the layers
        explanations read are named in ``autodeep._model_parts``).

    Examples
    --------
    >>> from autodeep.search_spaces.text import TEXT_DEFAULTS, build_text_model
    >>> model = build_text_model(TEXT_DEFAULTS, 0, 30, 2, "softmax")
    >>> model.output_shape
    (None, 2)
    >>> params = {**TEXT_DEFAULTS, "family": "rnn", "embedding_dim": 16,
    ...           "cell": "gru", "rnn_units": 8, "bidirectional": True}
    >>> build_text_model(params, 50, 16, 1, "linear").output_shape
    (None, 1)
    """
    import keras

    family = params["family"]
    if family not in FAMILIES:
        raise ValueError(f"Unknown family {family!r}; choose from {list(FAMILIES)}.")
    if input_length < 1:
        raise ValueError(f"input_length must be at least 1; got {input_length}.")
    if family == "ngrams":
        inputs = keras.Input(shape=(input_length,), dtype="float32", name="text")
        features = inputs
    else:
        if vocabulary_size < 2:
            raise ValueError(
                f"vocabulary_size must be at least 2 (padding and out-of-vocabulary "
                f"ids); got {vocabulary_size}."
            )
        inputs = keras.Input(shape=(input_length,), dtype="int32", name="text")
        features = _FEATURES[family](inputs, params, vocabulary_size)
    logits = _head(features, params, n_outputs)
    # float32 even under a mixed-precision policy, so softmax and losses stay stable.
    outputs = keras.layers.Activation(
        output_activation, dtype="float32", name="output"
    )(logits)
    return keras.Model(inputs, outputs, name=f"autodeep_text_{family}")


def _token_embedding(
    inputs: Any, params: Mapping[str, Any], vocabulary_size: int, mask: bool
) -> Any:
    import keras

    return keras.layers.Embedding(
        vocabulary_size,
        params["embedding_dim"],
        mask_zero=mask,
        name=TOKEN_EMBEDDING,
    )(inputs)


def _embedding_features(
    inputs: Any, params: Mapping[str, Any], vocabulary_size: int
) -> Any:
    from autodeep._layers import MaskedGlobalPooling1D

    x = _token_embedding(inputs, params, vocabulary_size, mask=True)
    return MaskedGlobalPooling1D(params["pooling"], name="pooling")(x)


def _conv1d_features(
    inputs: Any, params: Mapping[str, Any], vocabulary_size: int
) -> Any:
    import keras

    # Conv1D drops masks, so the padding embedding (id 0) is learned like any token.
    x = _token_embedding(inputs, params, vocabulary_size, mask=False)
    for layer in range(params["conv_layers"]):
        x = keras.layers.Conv1D(
            params["filters"],
            params["kernel_size"],
            padding="same",
            activation="relu",
            name=f"conv_{layer}",
        )(x)
    return keras.layers.GlobalMaxPooling1D(name="pooling")(x)


def _rnn_features(inputs: Any, params: Mapping[str, Any], vocabulary_size: int) -> Any:
    import keras

    cell = params["cell"]
    if cell not in CELLS:
        raise ValueError(f"Unknown cell {cell!r}; choose from {list(CELLS)}.")
    x = _token_embedding(inputs, params, vocabulary_size, mask=True)
    recurrent = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU}[cell]
    layer = recurrent(params["rnn_units"], name="rnn")
    if params["bidirectional"]:
        layer = keras.layers.Bidirectional(layer, name="bidirectional_rnn")
    # cuDNN (TensorFlow on a GPU) fails on a batch with an all-padding row (an
    # empty text), so the first step always counts: empty texts read one padding.
    tokens = keras.ops.not_equal(inputs, 0)
    first = keras.ops.ones_like(tokens[:, :1])
    return layer(x, mask=keras.ops.concatenate([first, tokens[:, 1:]], axis=1))


def _transformer_features(
    inputs: Any, params: Mapping[str, Any], vocabulary_size: int
) -> Any:
    import keras

    from autodeep._layers import MaskedGlobalPooling1D, PositionEmbedding

    embedding_dim, heads = params["embedding_dim"], params["heads"]
    if embedding_dim < heads:
        raise ValueError(
            f"embedding_dim ({embedding_dim}) must be at least heads ({heads})."
        )
    x = PositionEmbedding(
        vocabulary_size,
        inputs.shape[-1],
        embedding_dim,
        name=TOKEN_POSITION_EMBEDDING,
    )(inputs)
    # Explicit masks: at run time (not when the graph is built) Keras 3 loses the
    # implicit mask at the first residual Add, because MultiHeadAttention clears
    # it from its input, so later blocks would attend to padding.
    padding = keras.ops.not_equal(inputs, 0)
    attention_mask = keras.ops.expand_dims(padding, 1)  # every query, real keys only
    for block in range(params["transformer_layers"]):
        x = encoder_block(x, attention_mask, params, f"encoder_{block}")
    return MaskedGlobalPooling1D("average", name="pooling")(x, mask=padding)


def encoder_block(
    x: Any, attention_mask: Any, params: Mapping[str, Any], name: str
) -> Any:
    import keras

    layers = keras.layers
    embedding_dim, heads = params["embedding_dim"], params["heads"]
    attention = layers.MultiHeadAttention(
        num_heads=heads, key_dim=embedding_dim // heads, name=f"{name}_attention"
    )(x, x, attention_mask=attention_mask)
    attention = _dropout(attention, params, f"{name}_attention_dropout")
    x = layers.Add(name=f"{name}_attention_add")([x, attention])
    x = layers.LayerNormalization(name=f"{name}_attention_norm")(x)
    forward = layers.Dense(
        params["ff_units"], activation="relu", name=f"{name}_ff_dense_0"
    )(x)
    forward = layers.Dense(embedding_dim, name=f"{name}_ff_dense_1")(forward)
    forward = _dropout(forward, params, f"{name}_ff_dropout")
    x = layers.Add(name=f"{name}_ff_add")([x, forward])
    return layers.LayerNormalization(name=f"{name}_ff_norm")(x)


def _dropout(x: Any, params: Mapping[str, Any], name: str) -> Any:
    import keras

    if params["dropout"] > 0:
        return keras.layers.Dropout(params["dropout"], name=name)(x)
    return x


def _head(x: Any, params: Mapping[str, Any], n_outputs: int) -> Any:
    """Dropout on the text features, ``dense_layers`` ReLU layers, then ``logits``."""
    import keras

    dense_layers = params["dense_layers"]
    if dense_layers > 0 and "dense_units" not in params:
        raise ValueError(
            f"dense_layers={dense_layers} needs a dense_units value; widen the "
            "dense_units condition when searching deeper heads."
        )
    regularizer = keras.regularizers.L2(params["l2"]) if params["l2"] > 0 else None
    x = _dropout(x, params, "features_dropout")
    for layer in range(dense_layers):
        x = keras.layers.Dense(
            params["dense_units"],
            activation="relu",
            kernel_regularizer=regularizer,
            name=f"dense_{layer}",
        )(x)
        x = _dropout(x, params, f"dropout_{layer}")
    return keras.layers.Dense(n_outputs, name=LOGITS)(x)


_FEATURES: dict[str, Callable[[Any, Mapping[str, Any], int], Any]] = {
    "embedding": _embedding_features,
    "conv1d": _conv1d_features,
    "rnn": _rnn_features,
    "transformer": _transformer_features,
}

# A known-good, fast first trial: TF-IDF of word uni- and bigrams into a small MLP.
TEXT_DEFAULTS = {
    "family": "ngrams",
    "standardize": "lower",
    "max_tokens": 20000,
    "ngram_max": 2,
    "analyzer": "word",
    "dense_layers": 1,
    "dense_units": 64,
    "dropout": 0.2,
    "l2": 1e-6,
    "optimizer": "adam",
    "learning_rate": 1e-3,
    "batch_size": 32,
}
