"""Pretrained ``keras.applications`` backbones for the CNN space, from local weights.

Nothing is downloaded: a backbone enters the search only with a weights file, and
each keeps the input preprocessing its weights were trained with.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from autodeep.search_spaces._space import Choice, SearchSpace

if TYPE_CHECKING:
    import keras

# Name -> keras.applications constructor. Every one needs inputs of at least 32x32.
BACKBONES = {
    "mobilenet_v3_small": "MobileNetV3Small",
    "mobilenet_v3_large": "MobileNetV3Large",
    "efficientnet_b0": "EfficientNetB0",
    "resnet50": "ResNet50",
}
BACKBONE_MIN_SIDE = 32
WEIGHT_SUFFIXES = (".weights.h5", ".h5", ".hdf5", ".keras")
# Caffe-style preprocessing (ResNet50): BGR order, ImageNet mean subtracted, no scaling.
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
IMAGENET_STD_RGB = (0.229, 0.224, 0.225)


def backbone_dims(
    side: int, pretrained_weights: str | os.PathLike[str] | None, backbone: str | None
) -> SearchSpace:
    if pretrained_weights is None:
        if backbone is not None:
            raise ValueError(
                f"backbone={backbone!r} needs pretrained_weights=<local weights file>; "
                "backbones trained from scratch are not part of the search space."
            )
        return {}
    name = "mobilenet_v3_small" if backbone is None else backbone
    check_backbone(name)
    path = os.fspath(pretrained_weights)
    if not os.path.isfile(path):
        raise ValueError(f"pretrained_weights={path!r} is not a file.")
    if not path.endswith(WEIGHT_SUFFIXES):
        raise ValueError(
            f"pretrained_weights={path!r} must end in one of {list(WEIGHT_SUFFIXES)}."
        )
    # keras.applications refuse inputs under 32x32, so small images get no backbone.
    if side < BACKBONE_MIN_SIDE:
        return {}
    return {
        "backbone": Choice(["none", name]),
        "fine_tune": Choice([False, True], when={"backbone": [name]}),
    }


def check_backbone(name: str) -> None:
    if name not in BACKBONES:
        raise ValueError(f"Unknown backbone {name!r}; choose from {list(BACKBONES)}.")


def backbone_features(
    x: Any,
    name: str,
    params: Mapping[str, Any],
    channels: int,
    pretrained_weights: str | os.PathLike[str] | None,
) -> Any:
    import keras

    check_backbone(name)
    if pretrained_weights is None:
        raise ValueError(
            f"The sample chose backbone={name!r}; pass the same pretrained_weights "
            "that built the search space."
        )
    if channels not in (1, 3):
        raise ValueError(
            f"A pretrained backbone needs 1 or 3 channels; got {channels}."
        )
    if channels == 1:
        x = keras.layers.Concatenate(name="gray_to_rgb")([x, x, x])
    constructor = getattr(keras.applications, BACKBONES[name])
    backbone = constructor(
        include_top=False,
        weights=os.fspath(pretrained_weights),
        input_shape=(x.shape[1], x.shape[2], 3),
        name="backbone",
    )
    _freeze(backbone, fine_tune=bool(params.get("fine_tune", False)))
    if name == "resnet50":
        bgr = np.eye(3)[::-1]
        x = _frozen_affine(x, bgr, -np.asarray(CAFFE_MEAN_BGR))
    elif name == "efficientnet_b0":
        x = _efficientnet_correction(x, backbone)
    return backbone(x)


def _freeze(backbone: keras.Model, fine_tune: bool) -> None:
    """Freeze the backbone, or all but its batch normalization when fine-tuning.

    In Keras 3 ``backbone(x, training=False)`` does not survive ``fit`` (the outer
    ``training=True`` wins), so batch normalization is kept in inference mode the way
    that does: a non-trainable ``BatchNormalization`` always uses its moving statistics.
    """
    import keras

    backbone.trainable = fine_tune
    if fine_tune:
        for layer in backbone.layers:
            if isinstance(layer, keras.layers.BatchNormalization):
                layer.trainable = False


def _efficientnet_correction(x: Any, backbone: keras.Model) -> Any:
    # EfficientNet built with weights="imagenet" divides its normalized input by
    # sqrt(std) once more; given a weights file, Keras leaves that step out. The same
    # per-channel affine map, moved in front of the backbone, restores it.
    import keras

    normalization = next(
        layer
        for layer in backbone.layers
        if isinstance(layer, keras.layers.Normalization)
    )
    mean = np.asarray(keras.ops.convert_to_numpy(normalization.mean)).reshape(-1)
    scale = 1.0 / np.sqrt(np.asarray(IMAGENET_STD_RGB))
    return _frozen_affine(x, np.diag(scale), 255.0 * mean * (1.0 - scale))


def _frozen_affine(x: Any, matrix: np.ndarray, bias: np.ndarray) -> Any:
    """``out[c] = sum_k x[k] * matrix[c, k] + bias[c]`` as a frozen 1x1 convolution."""
    import keras

    layer = keras.layers.Conv2D(3, 1, trainable=False, name="backbone_preprocessing")
    outputs = layer(x)
    kernel = np.asarray(matrix, dtype="float32").T.reshape(1, 1, 3, 3)
    layer.set_weights([kernel, np.asarray(bias, dtype="float32")])
    return outputs
