"""The search space and the network for frames with text or image columns.

One network reads a whole row (see :mod:`autodeep.preprocessing.columns`): a
``column_embedding`` layer (:class:`autodeep._layers.ColumnRepresentation`) turns it
into one float vector (tabular features with embedded categories, token embeddings,
TF-IDF rows, pixels), and each branch reads its slice of that vector: the MLP layers
for the tabular columns, one text branch per text column (the families of the text
estimators), a small CNN per image column. The branches' features are concatenated,
go through a ``fusion`` layer of ``fusion_units`` and end in ``logits``.

Dimensions: the MLP's (for the tabular branch, numeric embeddings included, and the
training settings), the text
space's with a ``text_`` prefix (shared by every text column), the CNN's with an
``image_`` prefix (shared by every image column), and ``fusion_units``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from autodeep._model_parts import COLUMN_EMBEDDING, LOGITS
from autodeep.search_spaces._space import Choice, SearchSpace, number, one_of
from autodeep.search_spaces.image import CNN_DEFAULTS, cnn_space
from autodeep.search_spaces.tabular import (
    MLP_DEFAULTS,
    NUMERIC_EMBEDDINGS,
    mlp_layers,
    mlp_space,
    numeric_embedding,
)
from autodeep.search_spaces.text import TEXT_DEFAULTS, VECTORIZER_KEYS, text_space

if TYPE_CHECKING:
    import keras

TEXT_KEYS = (
    *VECTORIZER_KEYS,
    "embedding_dim",
    "pooling",
    "conv_layers",
    "filters",
    "kernel_size",
    "cell",
    "rnn_units",
    "bidirectional",
    "heads",
    "transformer_layers",
    "ff_units",
)
IMAGE_KEYS = (
    "stages",
    "filters",
    "kernel_size",
    "block",
    "convs_per_stage",
    "batch_norm",
    "pooling",
)
# The parameters a trial's text vectorizers depend on.
TEXT_ENCODING_KEYS = tuple(f"text_{k}" for k in VECTORIZER_KEYS)
# Width of the dense layer a TF-IDF row goes through in its branch.
TFIDF_UNITS = 64


def multimodal_space(
    text: bool, image_size: tuple[int, int] | None, classification: bool = True
) -> SearchSpace:
    """The search space of a frame with text columns (``text``) and image columns of
    ``image_size`` (None: no image column)."""
    space = mlp_space(classification)
    space["numeric_embedding"] = Choice(
        NUMERIC_EMBEDDINGS, valid=one_of(NUMERIC_EMBEDDINGS)
    )
    if text:
        space.update(_prefixed(text_space(), TEXT_KEYS, "text_"))
    if image_size is not None:
        space.update(_prefixed(cnn_space(image_size), IMAGE_KEYS, "image_"))
    space["fusion_units"] = Choice([32, 64, 128, 256], valid=number(1, integer=True))
    return space


def multimodal_defaults(text: bool, image: bool) -> dict[str, Any]:
    """The first trial: the MLP defaults on piecewise-linear numeric encodings, TF-IDF
    for text, a two-stage plain CNN."""
    defaults: dict[str, Any] = dict(MLP_DEFAULTS)
    defaults["depth"], defaults["units_0"] = 1, 128
    # Times and counts beside text carry thresholds (a date, an hour) that trees find
    # and a plain MLP smooths over: on the tweets frame the encodings took the fused
    # network from 0.917 to 0.932 (docs/benchmarks.md).
    defaults["numeric_embedding"] = "piecewise"
    defaults.pop("units_1", None)
    if text:
        defaults.update(
            {f"text_{k}": v for k, v in TEXT_DEFAULTS.items() if k in TEXT_KEYS}
        )
    if image:
        defaults.update(
            {f"image_{k}": v for k, v in CNN_DEFAULTS.items() if k in IMAGE_KEYS}
        )
        # Lighter than the image estimators' first trial: one branch among several.
        defaults.update(
            {
                "image_stages": 2,
                "image_filters_0": 16,
                "image_filters_1": 32,
                "image_convs_per_stage": 1,
            }
        )
    defaults["fusion_units"] = 64
    return defaults


def _prefixed(space: SearchSpace, keys: Sequence[str], prefix: str) -> SearchSpace:
    """The dimensions ``keys`` of ``space``, renamed ``prefix + name`` (conditions and
    per-layer counts too)."""
    renamed: SearchSpace = {}
    for name, dim in space.items():
        if name not in keys:
            continue
        when = None
        if dim.when:
            when = {prefix + parent: values for parent, values in dim.when.items()}
        per_layer = prefix + dim.per_layer if dim.per_layer else None
        renamed[prefix + name] = replace(dim, when=when, per_layer=per_layer)
    return renamed


def unprefixed(params: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """The parameters named ``prefix + name``, as ``name``."""
    return {k[len(prefix) :]: v for k, v in params.items() if k.startswith(prefix)}


def build_multimodal(
    params: Mapping[str, Any],
    layout: Sequence[Mapping[str, Any]],
    n_outputs: int,
    output_activation: str,
) -> keras.Model:
    """Build an (uncompiled) network for rows of ``layout`` (what
    :class:`~autodeep.preprocessing.columns.ColumnEncoders` records) from one sample
    of :func:`multimodal_space`."""
    import keras

    from autodeep._layers import ColumnRepresentation, ColumnSlice

    text = unprefixed(params, "text_")
    parts = [_representation_part(part, text) for part in layout]
    width = sum(_input_width(part) for part in parts)
    inputs = keras.Input(shape=(width,), name="features")
    representation_layer = ColumnRepresentation(parts, name=COLUMN_EMBEDDING)
    z = representation_layer(inputs)
    features = []
    start_in, start_z = 0, 0
    for index, (part, spec, z_width) in enumerate(
        zip(parts, layout, representation_layer.widths(), strict=True)
    ):
        stop_in, stop_z = start_in + _input_width(part), start_z + z_width
        name = f"part_{index}"
        if spec["kind"] == "table":
            x = ColumnSlice(start_z, stop_z, name=f"{name}_slice")(z)
            x = numeric_embedding(
                x, params, spec["n_continuous"], spec.get("bin_edges"), f"{name}_"
            )
            features.append(mlp_layers(x, params, f"{name}_"))
        elif spec["kind"] == "tokens":
            shape = [spec["length"], text["embedding_dim"]]
            x = ColumnSlice(start_z, stop_z, shape, name=f"{name}_slice")(z)
            ids = ColumnSlice(start_in, stop_in, name=f"{name}_ids")(inputs)
            features.append(
                _sequence_branch(x, ids, text, params["dropout"], f"{name}_")
            )
        elif spec["kind"] == "tfidf":
            x = ColumnSlice(start_z, stop_z, name=f"{name}_slice")(z)
            features.append(_tfidf_branch(x, params, f"{name}_"))
        else:
            shape = [*spec["image_size"], spec["channels"]]
            x = ColumnSlice(start_z, stop_z, shape, name=f"{name}_slice")(z)
            features.append(_image_branch(x, spec, params, f"{name}_"))
        start_in, start_z = stop_in, stop_z
    x = (
        features[0]
        if len(features) == 1
        else keras.layers.Concatenate(name="fused")(features)
    )
    x = keras.layers.Dense(params["fusion_units"], activation="relu", name="fusion")(x)
    if params["dropout"] > 0:
        x = keras.layers.Dropout(params["dropout"], name="fusion_dropout")(x)
    logits = keras.layers.Dense(n_outputs, name=LOGITS)(x)
    outputs = keras.layers.Activation(
        output_activation, dtype="float32", name="output"
    )(logits)
    return keras.Model(inputs, outputs, name="autodeep_multimodal")


def _representation_part(
    part: Mapping[str, Any], text: Mapping[str, Any]
) -> dict[str, Any]:
    """What :class:`~autodeep._layers.ColumnRepresentation` needs of a layout part."""
    if part["kind"] == "table":
        return {
            "kind": "table",
            "width": part["width"],
            "cardinalities": list(part["cardinalities"]),
        }
    if part["kind"] == "tokens":
        return {
            "kind": "tokens",
            "length": part["length"],
            "vocabulary": part["vocabulary"],
            "dim": int(text["embedding_dim"]),
            "positions": text["family"] == "transformer",
        }
    if part["kind"] == "tfidf":
        return {"kind": "floats", "width": part["width"]}
    height, width = part["image_size"]
    return {"kind": "floats", "width": height * width * part["channels"]}


def _input_width(part: Mapping[str, Any]) -> int:
    return int(part["length"] if part["kind"] == "tokens" else part["width"])


def _tfidf_branch(x: Any, params: Mapping[str, Any], prefix: str) -> Any:
    import keras

    regularizer = keras.regularizers.L2(params["l2"]) if params["l2"] > 0 else None
    x = keras.layers.Dense(
        TFIDF_UNITS,
        activation="relu",
        kernel_regularizer=regularizer,
        name=f"{prefix}dense",
    )(x)
    if params["dropout"] > 0:
        x = keras.layers.Dropout(params["dropout"], name=f"{prefix}dropout")(x)
    return x


def _sequence_branch(
    x: Any, ids: Any, text: Mapping[str, Any], dropout: float, prefix: str
) -> Any:
    """A text family on embedded tokens ``x``; ``ids`` give the padding mask."""
    import keras

    from autodeep._layers import MaskedGlobalPooling1D
    from autodeep.search_spaces.text import CELLS, encoder_block

    family = text["family"]
    padding = keras.ops.not_equal(ids, 0)
    if family == "embedding":
        return MaskedGlobalPooling1D(text["pooling"], name=f"{prefix}pooling")(
            x, mask=padding
        )
    if family == "conv1d":
        for layer in range(text["conv_layers"]):
            x = keras.layers.Conv1D(
                text["filters"],
                text["kernel_size"],
                padding="same",
                activation="relu",
                name=f"{prefix}conv_{layer}",
            )(x)
        return keras.layers.GlobalMaxPooling1D(name=f"{prefix}pooling")(x)
    if family == "rnn":
        cell = text["cell"]
        if cell not in CELLS:
            raise ValueError(f"Unknown cell {cell!r}; choose from {list(CELLS)}.")
        recurrent = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU}[cell]
        layer = recurrent(text["rnn_units"], name=f"{prefix}rnn")
        if text["bidirectional"]:
            layer = keras.layers.Bidirectional(layer, name=f"{prefix}bidirectional")
        # As in the text estimators: the first step always counts (cuDNN).
        first = keras.ops.ones_like(padding[:, :1])
        return layer(x, mask=keras.ops.concatenate([first, padding[:, 1:]], axis=1))
    if family == "transformer":
        block_params = {**text, "dropout": dropout}
        attention_mask = keras.ops.expand_dims(padding, 1)
        for block in range(text["transformer_layers"]):
            x = encoder_block(
                x, attention_mask, block_params, f"{prefix}encoder_{block}"
            )
        return MaskedGlobalPooling1D("average", name=f"{prefix}pooling")(
            x, mask=padding
        )
    raise ValueError(f"Unknown text family {family!r}.")


def _image_branch(
    x: Any, spec: Mapping[str, Any], params: Mapping[str, Any], prefix: str
) -> Any:
    import keras

    from autodeep.search_spaces.image import conv_stages, normalize_pixels

    image = unprefixed(params, "image_")
    image["l2"] = params["l2"]
    regularizer = keras.regularizers.L2(params["l2"]) if params["l2"] > 0 else None
    x = normalize_pixels(
        x, spec["channels"], spec["mean"], spec["std"], name=f"{prefix}normalization"
    )
    x = conv_stages(x, image, regularizer, prefix)
    return keras.layers.GlobalAveragePooling2D(name=f"{prefix}pool")(x)
