"""The MLP search space for tabular data and the builder that turns a sample into a model."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from autodeep._model_parts import CATEGORY_EMBEDDING, LOGITS
from autodeep.search_spaces._space import (
    Choice,
    Float,
    Int,
    SearchSpace,
    number,
    one_of,
    per_layer_values,
)

if TYPE_CHECKING:
    import keras

# Keras' default (0.99) lags far behind on the few hundred steps a trial on small data
# takes, so inference-mode scores come out much worse than the network is.
BATCH_NORM_MOMENTUM = 0.9
ACTIVATIONS = ("relu", "gelu", "swish", "elu", "selu", "tanh")
OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop")
NUMERIC_EMBEDDINGS = ("none", "periodic", "piecewise")
# What the tabular search draws from: piecewise-linear encodings lost on 10 of the 17
# tables of the suite as a first trial (docs/benchmarks.md), so a tabular search asks
# for them only through ``search_space``; frames with text or images search all three.
SEARCHED_NUMERIC_EMBEDDINGS = ("none", "periodic")
LR_SCHEDULES = ("constant", "cosine")


def mlp_space(classification: bool = True) -> SearchSpace:
    """The default MLP search space for tabular estimators.

    Parameters
    ----------
    classification : bool, default=True
        Include ``label_smoothing``, which only classifiers have.

    Returns
    -------
    dict
        Dimension name to dimension. ``units`` is sampled once per layer
        (``units_0``, ``units_1``, ...); ``momentum`` and ``weight_decay`` only for
        the optimizers that use them; ``embedding_scale`` only with
        ``numeric_embedding="periodic"``. ``numeric_embedding`` is searched over
        ``"none"`` and ``"periodic"``; ``"piecewise"`` is valid where asked for.

    Examples
    --------
    >>> from autodeep.search_spaces import mlp_space
    >>> sorted(mlp_space())[:3]
    ['activation', 'batch_norm', 'batch_size']
    """
    count = number(1, integer=True)
    space: SearchSpace = {
        "numeric_embedding": Choice(
            SEARCHED_NUMERIC_EMBEDDINGS, valid=one_of(NUMERIC_EMBEDDINGS)
        ),
        "embedding_scale": Float(
            0.01,
            10.0,
            log=True,
            when={"numeric_embedding": ["periodic"]},
            valid=number(0, open_low=True),
        ),
        "depth": Int(1, 4, valid=count),
        "units": Int(16, 512, log=True, per_layer="depth", valid=count),
        "activation": Choice(ACTIVATIONS, valid=keras_activation),
        "dropout": Float(0.0, 0.5, valid=number(0, 1, open_high=True)),
        "batch_norm": Choice([False, True], valid=one_of([False, True])),
        "l2": Float(1e-8, 1e-2, log=True, valid=number(0)),
        "optimizer": Choice(OPTIMIZERS, valid=one_of(OPTIMIZERS)),
        "learning_rate": Float(1e-4, 3e-2, log=True, valid=number(0, open_low=True)),
        "momentum": Float(
            0.0,
            0.99,
            when={"optimizer": ["sgd", "rmsprop"]},
            valid=number(0, 1, open_high=True),
        ),
        "weight_decay": Float(
            1e-6, 1e-2, log=True, when={"optimizer": ["adamw"]}, valid=number(0)
        ),
        "batch_size": Choice([16, 32, 64, 128, 256], valid=count),
        "lr_schedule": Choice(LR_SCHEDULES, valid=one_of(LR_SCHEDULES)),
    }
    if classification:
        space["label_smoothing"] = Float(0.0, 0.3, valid=number(0, 1, open_high=True))
    return space


def keras_activation(value: Any) -> str | None:
    """Rule for ``activation``: a name Keras knows."""
    import keras

    if isinstance(value, str):
        try:
            keras.activations.get(value)
            return None
        except ValueError:
            pass
    return f"it must be the name of a Keras activation, such as {list(ACTIVATIONS)}"


def make_optimizer(params: Mapping[str, Any]) -> keras.optimizers.Optimizer:
    """Build the optimizer a sampled configuration names."""
    import keras

    name = params["optimizer"]
    learning_rate = float(params["learning_rate"])
    if name == "adam":
        return keras.optimizers.Adam(learning_rate)
    if name == "adamw":
        return keras.optimizers.AdamW(
            learning_rate, weight_decay=params["weight_decay"]
        )
    if name == "sgd":
        return keras.optimizers.SGD(
            learning_rate, momentum=params["momentum"], nesterov=True
        )
    if name == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate, momentum=params["momentum"])
    raise ValueError(f"Unknown optimizer {name!r}; choose from {list(OPTIMIZERS)}.")


def learning_rate_schedule(
    params: Mapping[str, Any], horizon: int
) -> Callable[[int], float] | None:
    """The per-epoch learning rate ``lr_schedule`` names, or None for a constant one.

    ``"cosine"`` decays ``learning_rate`` along half a cosine over ``horizon`` epochs
    (``max_epochs``), to a hundredth of it. The schedule depends on the epoch alone,
    so a refit that stops at the search's best epoch follows the same rates.
    """
    if params.get("lr_schedule", "constant") != "cosine":
        return None
    start, horizon = float(params["learning_rate"]), max(1, horizon)

    def rate(epoch: int) -> float:
        progress = min(epoch, horizon) / horizon
        return start * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * progress)))

    return rate


def build_mlp(
    params: Mapping[str, Any],
    n_features: int,
    cardinalities: Sequence[int],
    n_outputs: int,
    output_activation: str,
    n_continuous: int = 0,
    bin_edges: Sequence[Sequence[float]] | None = None,
) -> keras.Model:
    """Build an (uncompiled) MLP from one sample of :func:`mlp_space`.

    The input holds ``n_features`` float columns; the first ``n_continuous`` are
    numeric values (embedded one by one with ``numeric_embedding="periodic"``, or
    encoded by their bins, ``bin_edges``, with ``"piecewise"``) and the
    last ``len(cardinalities)`` are integer category codes that feed one ``Embedding``
    each. The model ends in a ``logits`` layer followed by the output activation, so
    explanations can read the pre-activation (``autodeep._model_parts`` names the
    layers explanations read).
    """
    import keras

    from autodeep._layers import CategoryEmbedding

    inputs = keras.Input(shape=(n_features,), name="features")
    x = inputs
    if cardinalities:
        x = CategoryEmbedding(list(cardinalities), name=CATEGORY_EMBEDDING)(x)
    x = numeric_embedding(x, params, n_continuous, bin_edges)
    x = mlp_layers(x, params)
    logits = keras.layers.Dense(n_outputs, name=LOGITS)(x)
    outputs = keras.layers.Activation(output_activation, name="output")(logits)
    return keras.Model(inputs, outputs, name="autodeep_mlp")


def numeric_embedding(
    x: Any,
    params: Mapping[str, Any],
    n_continuous: int,
    bin_edges: Sequence[Sequence[float]] | None,
    prefix: str = "",
) -> Any:
    """The leading ``n_continuous`` entries of ``x`` embedded as ``numeric_embedding``
    asks (a layer named ``<prefix>numeric_embedding``), the rest passed through."""
    from autodeep._layers import PeriodicEmbedding, PiecewiseLinearEncoding

    kind = params.get("numeric_embedding", "none")
    if not n_continuous or kind == "none":
        return x
    name = f"{prefix}numeric_embedding"
    if kind == "periodic":
        return PeriodicEmbedding(
            n_continuous, scale=params["embedding_scale"], name=name
        )(x)
    if kind == "piecewise":
        if bin_edges is None or len(bin_edges) != n_continuous:
            raise ValueError(
                "numeric_embedding='piecewise' needs the bin edges of each numeric "
                "feature (the preprocessor's bin_edges_)."
            )
        return PiecewiseLinearEncoding([list(e) for e in bin_edges], name=name)(x)
    raise ValueError(
        f"Unknown numeric_embedding {kind!r}; choose from {list(NUMERIC_EMBEDDINGS)}."
    )


def mlp_layers(x: Any, params: Mapping[str, Any], prefix: str = "") -> Any:
    """The hidden layers of an MLP sample (``depth`` dense layers with their batch
    normalization, activation and dropout), named ``<prefix>dense_<i>`` and so on."""
    import keras

    regularizer = keras.regularizers.L2(params["l2"]) if params["l2"] > 0 else None
    for layer, units in enumerate(per_layer_values(params, "units", params["depth"])):
        x = keras.layers.Dense(
            units, kernel_regularizer=regularizer, name=f"{prefix}dense_{layer}"
        )(x)
        if params["batch_norm"]:
            x = keras.layers.BatchNormalization(
                momentum=BATCH_NORM_MOMENTUM, name=f"{prefix}batch_norm_{layer}"
            )(x)
        x = keras.layers.Activation(
            params["activation"], name=f"{prefix}activation_{layer}"
        )(x)
        if params["dropout"] > 0:
            x = keras.layers.Dropout(
                params["dropout"], name=f"{prefix}dropout_{layer}"
            )(x)
    return x


# A known-good first trial, so even a one-trial search starts from a sensible MLP.
# Periodic embeddings did better as the first trial on 17 tables but worse on
# breast_cancer after the refit (docs/benchmarks.md): they are searched, and the
# scale below is the one used when a search or the user turns them on.
MLP_DEFAULTS = {
    "numeric_embedding": "none",
    "embedding_scale": 0.1,
    "depth": 2,
    "units_0": 128,
    "units_1": 64,
    "activation": "relu",
    "dropout": 0.1,
    "batch_norm": False,
    "l2": 1e-5,
    "optimizer": "adam",
    "learning_rate": 1e-3,
    "batch_size": 32,
    "lr_schedule": "constant",
    "label_smoothing": 0.0,
}
