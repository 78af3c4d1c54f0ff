"""The parts of an autodeep network that explanations read, named in one place.

The builders (``search_spaces/``) name these layers with the constants below, and
:func:`model_parts` finds them again in any single autodeep network: just built,
refit, an ensemble's member, loaded from a ``.keras`` file or a pickle, or cloned with
fresh weights. Layer names are what a saved network keeps of them, so networks saved
by earlier versions, which used these same names, are read alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import keras

# The dense layer whose output is the network's pre-activation output.
LOGITS = "logits"
# Layers that turn integer inputs into floats: category codes (tabular), token ids
# (text; the Transformer's embedding adds positions). A network has at most one.
CATEGORY_EMBEDDING = "category_embedding"
TOKEN_EMBEDDING = "token_embedding"
TOKEN_POSITION_EMBEDDING = "token_position_embedding"
# The representation of a whole row of a frame with text or image columns.
COLUMN_EMBEDDING = "column_embedding"
EMBEDDINGS = (
    COLUMN_EMBEDDING,
    CATEGORY_EMBEDDING,
    TOKEN_EMBEDDING,
    TOKEN_POSITION_EMBEDDING,
)
# The global pooling at the head of a convolutional image network: its input is the
# last feature map.
HEAD_POOL = "head_pool"
# The layer averaging an ensemble's members (``_ensemble.combine``); a network without
# it is a single network.
ENSEMBLE_AVERAGE = "ensemble_average"


@dataclass(frozen=True)
class ModelParts:
    """What explanations read in one network, as tensors and layers of its graph.

    Attributes
    ----------
    logits : keras.KerasTensor
        The pre-activation outputs.
    embedding : keras.layers.Layer or None
        The layer embedding category codes or token ids, whose output is the float
        representation that gradients are taken with respect to; None when the input
        is float already (pixels, TF-IDF, numeric columns only).
    feature_map : keras.KerasTensor or None
        The last convolutional feature map (Grad-CAM's); None for a network that is
        not convolutional.
    """

    logits: keras.KerasTensor
    embedding: keras.layers.Layer | None
    feature_map: keras.KerasTensor | None


def model_parts(model: keras.Model) -> ModelParts:
    """The parts of ``model``, a single autodeep network (not an ensemble).

    Raises
    ------
    ValueError
        If ``model`` has no ``logits`` layer, so it was not built by autodeep.
    """
    layers = {layer.name: layer for layer in model.layers}
    if LOGITS not in layers:
        raise ValueError(
            f"Model {model.name!r} has no {LOGITS!r} layer: explanations need a "
            "network built by autodeep (or one whose pre-activation output layer is "
            f"named {LOGITS!r})."
        )
    embedding = next((layers[name] for name in EMBEDDINGS if name in layers), None)
    pool = layers.get(HEAD_POOL)
    return ModelParts(
        logits=layers[LOGITS].output,
        embedding=embedding,
        feature_map=None if pool is None else pool.input,
    )
