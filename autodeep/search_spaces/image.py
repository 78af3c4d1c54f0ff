"""The CNN search space for images and the builder that turns a sample into a model.

The model takes raw pixels (0..255, any numeric dtype) and does everything else itself:
resizing, augmentation (Keras preprocessing layers, active only in training), per-channel
normalization, then either a stack of convolutional stages or a pretrained
``keras.applications`` backbone, a global pooling head and a ``logits`` layer followed by
an ``output`` activation layer. Only built-in Keras layers are used, so the ``.keras``
file loads with ``safe_mode=True`` and without network access.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from autodeep._model_parts import HEAD_POOL, LOGITS
from autodeep.search_spaces._backbones import backbone_dims, backbone_features
from autodeep.search_spaces._image_augment import (
    augment,
    augmentation_dims,
    augmentation_settings,
)
from autodeep.search_spaces._space import (
    Choice,
    Int,
    SearchSpace,
    number,
    one_of,
    per_layer_values,
)
from autodeep.search_spaces.tabular import BATCH_NORM_MOMENTUM, mlp_space

if TYPE_CHECKING:
    import keras
    from numpy.typing import ArrayLike

BLOCKS = ("plain", "residual", "separable")
HEADS = ("global_average", "global_max")
MAX_STAGES = 4
# Candidate input sizes (smaller side) for the ``resolution`` dimension.
RESOLUTIONS = (64, 96, 128, 160, 192, 224, 256, 320, 384, 448, 512)


def cnn_space(
    image_size: tuple[int, int],
    augmentation: bool | Mapping[str, Any] = False,
    pretrained_weights: str | os.PathLike[str] | None = None,
    backbone: str | None = None,
) -> SearchSpace:
    """The default CNN search space for image estimators.

    Parameters
    ----------
    image_size : (int, int)
        Height and width of the input images. The number of stages is capped so the
        feature map stays at least 2x2 after the last pooling; images whose smaller
        side exceeds 64 pixels get a ``resolution`` dimension (the smaller side the
        model resizes to, aspect ratio kept).
    augmentation : bool or dict, default=False
        ``True`` searches ``augment`` (on/off) and ``augment_strength``, which scales a
        horizontal flip plus random rotation, zoom, translation and contrast. A dict
        such as ``{"flip": "horizontal", "rotation": 0.1, "zoom": 0.1}`` (keys among
        ``flip``, ``rotation``, ``zoom``, ``translation``, ``contrast``) fixes the
        settings as ``augment_<key>`` dimensions. ``False`` adds nothing.
    pretrained_weights : str or path, optional
        A local weights file for ``backbone`` (Keras ``.weights.h5``, a legacy
        ``.h5`` such as the ``*_notop.h5`` ImageNet files, or a ``.keras`` file of the
        backbone). It adds a ``backbone`` dimension (``"none"`` or the backbone) and,
        for the backbone, ``fine_tune`` (frozen or trainable). Backbones trained from
        scratch are left out of the space: on small data they lose to the plain CNN
        and cost far more. Images smaller than 32x32 get no backbone dimension.
    backbone : str, optional
        One of ``"mobilenet_v3_small"`` (the default when weights are given),
        ``"mobilenet_v3_large"``, ``"efficientnet_b0"``, ``"resnet50"``.

    Returns
    -------
    dict
        Dimension name to dimension. ``filters`` is sampled once per stage
        (``filters_0``, ``filters_1``, ...); ``optimizer``, ``learning_rate``,
        ``momentum``, ``weight_decay``, ``l2`` and ``batch_size`` are the MLP ones.

    Examples
    --------
    >>> from autodeep.search_spaces import cnn_space
    >>> space = cnn_space((28, 28))
    >>> space["stages"], "resolution" in space
    (Int(low=1, high=4, log=False, when=None, per_layer=None), False)
    """
    height, width = _check_image_size(image_size)
    side = min(height, width)
    resolutions = _resolution_options(side)
    shared = mlp_space()
    space: SearchSpace = backbone_dims(side, pretrained_weights, backbone)
    # The CNN dimensions only matter when no backbone was chosen.
    cnn = {"backbone": ["none"]} if "backbone" in space else None
    count = number(1, integer=True)
    most_stages = _max_stages(min(resolutions, default=side))
    space.update(
        {
            # More stages would pool the feature map below 2x2.
            "stages": Int(
                1, most_stages, when=cnn, valid=number(1, most_stages, integer=True)
            ),
            "filters": Int(
                16, 256, log=True, per_layer="stages", when=cnn, valid=count
            ),
            "kernel_size": Choice([3, 5], when=cnn, valid=count),
            "block": Choice(BLOCKS, when=cnn, valid=one_of(BLOCKS)),
            "convs_per_stage": Int(1, 2, when=cnn, valid=count),
            "batch_norm": Choice([False, True], when=cnn, valid=one_of([False, True])),
            "pooling": Choice(
                ["max", "average"], when=cnn, valid=one_of(["max", "average"])
            ),
        }
    )
    if resolutions:
        space["resolution"] = Choice(resolutions)
    space.update(augmentation_dims(augmentation))
    space.update(
        {
            "head": Choice(HEADS, valid=one_of(HEADS)),
            "dropout": shared["dropout"],
            "dense_units": Choice([0, 32, 64, 128, 256], valid=number(0, integer=True)),
        }
    )
    for name in ("l2", "optimizer", "learning_rate", "momentum", "weight_decay"):
        space[name] = shared[name]
    space["batch_size"] = shared["batch_size"]
    return space


def _max_stages(side: int) -> int:
    """Most stages whose poolings (2x2, ``same`` padding) keep ``side`` at >= 2."""
    stages = 1
    while stages < MAX_STAGES and math.ceil(side / 2) >= 2:
        side = math.ceil(side / 2)
        stages += 1
    return stages


def _check_image_size(image_size: Any) -> tuple[int, int]:
    try:
        height, width = (int(v) for v in image_size)
    except (TypeError, ValueError):
        raise ValueError(
            f"image_size must be (height, width); got {image_size!r}."
        ) from None
    if height < 1 or width < 1:
        raise ValueError(f"image_size must be positive; got {image_size!r}.")
    return height, width


def _resolution_options(side: int) -> list[int]:
    if side <= RESOLUTIONS[0]:
        return []
    return [r for r in RESOLUTIONS if r < side] + [side]


def build_cnn(
    params: Mapping[str, Any],
    image_size: tuple[int, int],
    channels: int,
    mean: ArrayLike,
    std: ArrayLike,
    n_outputs: int,
    output_activation: str,
    pretrained_weights: str | os.PathLike[str] | None = None,
) -> keras.Model:
    """Build an (uncompiled) CNN from one sample of :func:`cnn_space`.

    The input is raw pixels of shape ``image_size + (channels,)``, cast to float32.
    The model resizes them (``resize``, when ``resolution`` differs), augments them
    (``augment_*`` layers, on raw pixels because ``RandomContrast`` clips to 0..255),
    then normalizes them with ``mean`` and ``std`` (shape ``(channels,)``, raw 0..255
    scale) in front of the convolutional stages ``stage_<i>_conv_<j>``. The last
    feature map is the input of the ``head_pool`` layer (for Grad-CAM; the layers
    explanations read are named in ``autodeep._model_parts``).

    A pretrained backbone is one nested layer named ``backbone``; it ignores ``mean``
    and ``std`` and gets the input its ImageNet weights expect: MobileNetV3 rescales
    raw pixels itself; ResNet50 gets caffe-style BGR minus the ImageNet mean and
    EfficientNetB0 the rescaling Keras omits for a weights file (both a frozen 1x1
    convolution, ``backbone_preprocessing``). Grayscale is repeated to three channels.
    Frozen, it runs in inference mode; fine-tuned, its batch normalization stays frozen.

    Examples
    --------
    >>> import numpy as np
    >>> from autodeep.search_spaces.image import CNN_DEFAULTS, build_cnn
    >>> model = build_cnn(
    ...     CNN_DEFAULTS, (8, 8), 1, np.array([127.5]), np.array([64.0]), 3, "softmax"
    ... )
    >>> model.output_shape
    (None, 3)
    """
    import keras

    height, width = _check_image_size(image_size)
    inputs = keras.Input(shape=(height, width, channels), name="image")
    # The Input is float32, so Keras casts uint8 pixels on entry.
    x = _resize(inputs, params, (height, width))
    x = augment(x, augmentation_settings(params))
    regularizer = keras.regularizers.L2(params["l2"]) if params["l2"] > 0 else None
    name = params.get("backbone", "none")
    if name == "none":
        x = normalize_pixels(x, channels, mean, std)
        x = conv_stages(x, params, regularizer)
    else:
        x = backbone_features(x, name, params, channels, pretrained_weights)
    pooling = {
        "global_average": keras.layers.GlobalAveragePooling2D,
        "global_max": keras.layers.GlobalMaxPooling2D,
    }
    x = pooling[params["head"]](name=HEAD_POOL)(x)
    if params["dropout"] > 0:
        x = keras.layers.Dropout(params["dropout"], name="head_dropout")(x)
    if params.get("dense_units", 0) > 0:
        x = keras.layers.Dense(
            params["dense_units"],
            activation="relu",
            kernel_regularizer=regularizer,
            name="head_dense",
        )(x)
    logits = keras.layers.Dense(n_outputs, name=LOGITS)(x)
    # float32 even under a mixed-precision policy, so softmax and losses stay stable.
    outputs = keras.layers.Activation(
        output_activation, dtype="float32", name="output"
    )(logits)
    return keras.Model(inputs, outputs, name="autodeep_cnn")


def _resized_shape(
    params: Mapping[str, Any], image_size: tuple[int, int]
) -> tuple[int, int]:
    """Height and width after the ``resolution`` the sample chose (aspect ratio kept)."""
    height, width = image_size
    resolution = params.get("resolution")
    side = min(height, width)
    if resolution is None or resolution == side:
        return height, width
    scale = resolution / side
    return max(1, round(height * scale)), max(1, round(width * scale))


def _resize(x: Any, params: Mapping[str, Any], image_size: tuple[int, int]) -> Any:
    import keras

    shape = _resized_shape(params, image_size)
    if shape == tuple(image_size):
        return x
    # Resize before augmenting: the random layers then work on fewer pixels.
    return keras.layers.Resizing(*shape, antialias=True, name="resize")(x)


def normalize_pixels(
    x: Any,
    channels: int,
    mean: ArrayLike,
    std: ArrayLike,
    name: str = "normalization",
) -> Any:
    import keras

    mean_array = np.asarray(mean, dtype="float64").reshape(-1)
    std_array = np.asarray(std, dtype="float64").reshape(-1)
    if mean_array.shape != (channels,) or std_array.shape != (channels,):
        raise ValueError(
            f"mean and std must have shape ({channels},), one value per channel; got "
            f"{mean_array.shape} and {std_array.shape}."
        )
    return keras.layers.Normalization(
        mean=mean_array, variance=std_array**2, name=name
    )(x)


def conv_stages(
    x: Any, params: Mapping[str, Any], regularizer: Any, prefix: str = ""
) -> Any:
    import keras

    stages = params["stages"]
    pool = {"max": keras.layers.MaxPooling2D, "average": keras.layers.AveragePooling2D}
    for stage, filters in enumerate(per_layer_values(params, "filters", stages)):
        if stage > 0:
            x = pool[params["pooling"]](
                2, padding="same", name=f"{prefix}pool_{stage}"
            )(x)
        x = _conv_block(x, params, filters, regularizer, f"{prefix}stage_{stage}")
    return x


def _conv_block(
    x: Any, params: Mapping[str, Any], filters: int, regularizer: Any, name: str
) -> Any:
    import keras

    block = params["block"]
    batch_norm = params["batch_norm"]
    convs = params["convs_per_stage"]
    shortcut = x
    for index in range(convs):
        x = _conv_layer(
            block,
            filters,
            params["kernel_size"],
            regularizer,
            use_bias=not batch_norm,  # redundant in front of batch normalization
            name=f"{name}_conv_{index}",
        )(x)
        if batch_norm:
            x = keras.layers.BatchNormalization(
                momentum=BATCH_NORM_MOMENTUM, name=f"{name}_batch_norm_{index}"
            )(x)
        if block == "residual" and index == convs - 1:
            if shortcut.shape[-1] != filters:
                shortcut = _conv_layer(
                    "plain", filters, 1, regularizer, True, f"{name}_shortcut"
                )(shortcut)
            x = keras.layers.Add(name=f"{name}_add")([x, shortcut])
        x = keras.layers.Activation("relu", name=f"{name}_relu_{index}")(x)
    return x


def _conv_layer(
    block: str,
    filters: int,
    kernel_size: int,
    regularizer: Any,
    use_bias: bool,
    name: str,
) -> keras.layers.Layer:
    import keras

    if block not in BLOCKS:
        raise ValueError(f"Unknown block {block!r}; choose from {list(BLOCKS)}.")
    common: dict[str, Any] = {"padding": "same", "use_bias": use_bias, "name": name}
    if block == "separable":
        return keras.layers.SeparableConv2D(
            filters,
            kernel_size,
            depthwise_regularizer=regularizer,
            pointwise_regularizer=regularizer,
            **common,
        )
    return keras.layers.Conv2D(
        filters, kernel_size, kernel_regularizer=regularizer, **common
    )


# A known-good first trial for small images, so a one-trial search starts sensibly.
CNN_DEFAULTS = {
    "stages": 2,
    "filters_0": 32,
    "filters_1": 64,
    "kernel_size": 3,
    "block": "plain",
    "convs_per_stage": 2,
    "batch_norm": True,
    "pooling": "max",
    "head": "global_average",
    "dropout": 0.2,
    "dense_units": 0,
    "l2": 1e-5,
    "optimizer": "adam",
    "learning_rate": 1e-3,
    "batch_size": 32,
}
