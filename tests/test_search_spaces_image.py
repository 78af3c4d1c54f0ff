"""The CNN search space and builder: every block builds, trains, saves and reloads."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from autodeep import Choice, Fixed, Float, Int
from autodeep.search_spaces import apply_overrides, build_cnn, cnn_space, sample
from autodeep.search_spaces.image import CNN_DEFAULTS
from tests.conftest import random_suggest


def images(n, height, width, channels, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, height, width, channels), dtype="uint8")


def stats(X):
    pixels = X.reshape(-1, X.shape[-1]).astype("float64")
    return pixels.mean(axis=0), pixels.std(axis=0)


def build(params, X, n_outputs=3, **kwargs):
    mean, std = stats(X)
    return build_cnn(
        params, X.shape[1:3], X.shape[3], mean, std, n_outputs, "softmax", **kwargs
    )


def train_one_epoch(model, X, n_outputs=3):
    y = np.arange(len(X)) % n_outputs
    model.compile(keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy")
    history = model.fit(X, y, epochs=1, batch_size=16, verbose=0)
    return history.history["loss"][0]


def cnn(**overrides):
    return {**CNN_DEFAULTS, **overrides}


@pytest.fixture(autouse=True)
def _seed():
    keras.utils.set_random_seed(0)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("block", "head", "shape"),
    [
        ("plain", "global_average", (8, 8, 1)),
        ("plain", "global_max", (16, 16, 3)),
        ("residual", "global_max", (8, 8, 1)),
        ("residual", "global_average", (16, 16, 3)),
        ("separable", "global_average", (8, 8, 1)),
        ("separable", "global_max", (16, 16, 3)),
    ],
)
def test_every_block_and_head_trains(block, head, shape):
    X = images(32, *shape)
    params = cnn(
        block=block,
        head=head,
        stages=3,
        filters_0=8,
        filters_1=16,
        filters_2=16,  # residual stages with and without a projection shortcut
        batch_norm=shape[0] == 8,
        pooling="average" if head == "global_max" else "max",
        dense_units=16 if shape[0] == 16 else 0,
    )
    model = build(params, X, n_outputs=4)
    loss = train_one_epoch(model, X, n_outputs=4)
    proba = model.predict(X, verbose=0)
    assert np.isfinite(loss)
    assert proba.shape == (32, 4)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert model.get_layer("logits").output.shape == (None, 4)
    assert model.get_layer("output").get_config()["activation"] == "softmax"


def test_stage_cap_keeps_feature_maps_at_least_2x2():
    sides = (1, 2, 3, 4, 8, 9, 16, 224)
    caps = [cnn_space((side, side))["stages"].high for side in sides]
    assert caps == [1, 1, 2, 2, 3, 4, 4, 4]
    assert cnn_space((8, 20))["stages"] == Int(1, 3)  # from the smaller side
    X = images(4, 8, 8, 1)
    for seed in range(10):
        params = sample(cnn_space((8, 8), augmentation=True), random_suggest(seed))
        assert len([k for k in params if k.startswith("filters_")]) == params["stages"]
        model = build(params, X)
        last_conv = model.get_layer("head_pool").input
        assert last_conv.shape[1] >= 2 and last_conv.shape[2] >= 2
        assert model.predict(X, verbose=0).shape == (4, 3)


def test_space_shares_the_mlp_training_dimensions():
    space = cnn_space((16, 16))
    assert space["momentum"].when == {"optimizer": ["sgd", "rmsprop"]}
    assert space["weight_decay"].when == {"optimizer": ["adamw"]}
    assert space["filters"] == Int(16, 256, log=True, per_layer="stages")
    assert space["block"] == Choice(["plain", "residual", "separable"])
    assert "backbone" not in space and "augment" not in space
    params = sample(space, random_suggest(0))
    assert ("momentum" in params) == (params["optimizer"] in ("sgd", "rmsprop"))
    # The seed configuration lies inside the space.
    for name, value in CNN_DEFAULTS.items():
        dim = space[name.rsplit("_", 1)[0] if name not in space else name]
        if isinstance(dim, Choice):
            assert value in dim.options, name
        else:
            assert dim.low <= value <= dim.high, name


def test_resolution_only_for_large_images_and_the_model_resizes():
    assert "resolution" not in cnn_space((8, 8))
    assert "resolution" not in cnn_space((64, 100))
    space = cnn_space((96, 128))
    assert space["resolution"] == Choice([64, 96])
    assert space["stages"] == Int(1, 4)
    X = images(4, 96, 128, 3)
    model = build(cnn(resolution=64), X)
    assert model.get_layer("resize").output.shape == (None, 64, 85, 3)
    assert model.predict(X, verbose=0).shape == (4, 3)
    native = build(cnn(resolution=96), X)
    assert "resize" not in [layer.name for layer in native.layers]


def test_searched_augmentation_is_random_in_training_only():
    space = cnn_space((16, 16), augmentation=True)
    assert space["augment"] == Choice([False, True])
    assert space["augment_strength"] == Float(0.05, 0.3)
    assert space["augment_strength"].when == {"augment": [True]}
    X = images(8, 16, 16, 3)
    params = cnn(augment=True, augment_strength=0.3, dropout=0.0, batch_norm=False)
    model = build(params, X)
    names = {layer.name for layer in model.layers}
    assert {f"augment_{k}" for k in ("flip", "rotation", "zoom", "contrast")} <= names
    first = keras.ops.convert_to_numpy(model(X, training=False))
    second = keras.ops.convert_to_numpy(model(X, training=False))
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(model.predict(X, verbose=0), first, rtol=1e-5)
    augmented = keras.ops.convert_to_numpy(model(X, training=True))
    assert not np.allclose(augmented, first)
    plain = build(cnn(augment=False), X)
    assert not any(layer.name.startswith("augment") for layer in plain.layers)


def test_augmentation_dict_is_fixed():
    settings = {"flip": "horizontal", "rotation": 0.1, "contrast": 0.2}
    space = cnn_space((16, 16), augmentation=settings)
    assert space["augment"] == Fixed(True)
    assert space["augment_rotation"] == Fixed(0.1)
    params = sample(space, random_suggest(0))
    assert params["augment_flip"] == "horizontal"
    model = build(params, images(4, 16, 16, 1))
    augment = {layer.name for layer in model.layers if layer.name.startswith("aug")}
    assert augment == {"augment_flip", "augment_rotation", "augment_contrast"}
    assert model.get_layer("augment_rotation").get_config()["factor"] == (-0.1, 0.1)
    with pytest.raises(ValueError, match=r"Unknown augmentation key\(s\) \['blur'\]"):
        cnn_space((16, 16), augmentation={"blur": 0.1})
    with pytest.raises(ValueError, match="flip"):
        cnn_space((16, 16), augmentation={"flip": "diagonal"})


@pytest.mark.slow
def test_save_load_round_trip_is_safe_and_exact(tmp_path):
    X = images(8, 96, 96, 3)
    params = cnn(block="residual", resolution=64, augment=True, augment_strength=0.2)
    model = build(params, X)
    train_one_epoch(model, X)
    model.save(tmp_path / "cnn.keras")
    loaded = keras.models.load_model(tmp_path / "cnn.keras", safe_mode=True)
    np.testing.assert_array_equal(
        loaded.predict(X, verbose=0), model.predict(X, verbose=0)
    )


def test_mixed_precision_keeps_a_float32_output(mobilenet_weights):
    path, _ = mobilenet_weights
    X = images(4, 32, 32, 1)
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_float16")
    try:
        models = [
            build(cnn(block="residual", augment=True, augment_strength=0.1), X),
            build(cnn(backbone="mobilenet_v3_small"), X, pretrained_weights=path),
        ]
    finally:
        keras.config.set_dtype_policy(previous)
    for model in models:
        assert model.get_layer("logits").compute_dtype == "float16"
        proba = model.predict(X, verbose=0)
        assert proba.dtype == np.float32
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)


def test_bad_arguments_fail_with_a_clear_message():
    with pytest.raises(ValueError, match="image_size must be"):
        cnn_space((8,))
    with pytest.raises(TypeError, match="augmentation must be"):
        cnn_space((8, 8), augmentation="yes")
    with pytest.raises(ValueError, match="needs pretrained_weights"):
        cnn_space((32, 32), backbone="resnet50")
    with pytest.raises(ValueError, match="is not a file"):
        cnn_space((32, 32), pretrained_weights="missing.weights.h5")
    with pytest.raises(ValueError, match="one value per channel"):
        build_cnn(CNN_DEFAULTS, (8, 8), 3, [0.0], [1.0], 2, "softmax")


@pytest.fixture(scope="module")
def mobilenet_weights(tmp_path_factory):
    source = keras.applications.MobileNetV3Small(
        include_top=False, weights=None, input_shape=(32, 32, 3)
    )
    path = tmp_path_factory.mktemp("weights") / "mnv3.weights.h5"
    source.save_weights(path)
    return path, source.get_weights()


@pytest.mark.slow
def test_pretrained_backbone_loads_local_weights_and_trains(
    mobilenet_weights, tmp_path
):
    path, saved = mobilenet_weights
    space = cnn_space((48, 48), pretrained_weights=path)
    assert space["backbone"] == Choice(["none", "mobilenet_v3_small"])
    assert space["fine_tune"].when == {"backbone": ["mobilenet_v3_small"]}
    assert space["stages"].when == {"backbone": ["none"]}
    backbone_params = sample(
        apply_overrides(space, {"backbone": "mobilenet_v3_small"}), random_suggest(0)
    )
    assert "stages" not in backbone_params and "fine_tune" in backbone_params
    X = images(16, 48, 48, 1)  # grayscale, repeated to three channels
    params = cnn(backbone="mobilenet_v3_small", fine_tune=False, dense_units=32)
    model = build(params, X, pretrained_weights=path)
    backbone = model.get_layer("backbone")
    for loaded, expected in zip(backbone.get_weights(), saved, strict=True):
        np.testing.assert_array_equal(loaded, expected)
    assert not backbone.trainable
    head = model.get_layer("head_dense").get_weights()[0].copy()
    assert np.isfinite(train_one_epoch(model, X))
    assert not np.allclose(model.get_layer("head_dense").get_weights()[0], head)
    for trained, expected in zip(backbone.get_weights(), saved, strict=True):
        np.testing.assert_array_equal(trained, expected)  # frozen, BN stats included

    copy = tmp_path / "weights.weights.h5"
    copy.write_bytes(path.read_bytes())
    model = build({**params, "fine_tune": True}, X, pretrained_weights=copy)
    copy.unlink()  # the saved model must not need the weights file (or a network)
    model.save(tmp_path / "backbone.keras")
    loaded = keras.models.load_model(tmp_path / "backbone.keras", safe_mode=True)
    np.testing.assert_array_equal(
        loaded.predict(X, verbose=0), model.predict(X, verbose=0)
    )
    fine_tuned = loaded.get_layer("backbone")
    assert fine_tuned.trainable
    norms = [
        layer
        for layer in fine_tuned.layers
        if isinstance(layer, keras.layers.BatchNormalization)
    ]
    assert norms and not any(layer.trainable for layer in norms)


def test_no_backbone_for_images_under_32_pixels(mobilenet_weights):
    path, _ = mobilenet_weights
    assert "backbone" not in cnn_space((16, 16), pretrained_weights=path)
    with pytest.raises(ValueError, match="Unknown backbone 'vgg'"):
        cnn_space((32, 32), pretrained_weights=path, backbone="vgg")


@pytest.mark.slow  # builds EfficientNetB0 and ResNet50 (25M weights)
@pytest.mark.parametrize("name", ["efficientnet_b0", "resnet50"])
def test_backbone_gets_the_input_its_imagenet_weights_expect(name, tmp_path):
    constructor = {"efficientnet_b0": "EfficientNetB0", "resnet50": "ResNet50"}[name]
    source = getattr(keras.applications, constructor)(
        include_top=False, weights=None, input_shape=(32, 32, 3)
    )
    imagenet_mean, imagenet_std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    if name == "efficientnet_b0":
        # What Keras' ImageNet file holds: the std where the variance should be.
        norm = next(
            layer
            for layer in source.layers
            if isinstance(layer, keras.layers.Normalization)
        )
        norm.set_weights([np.array(imagenet_mean), np.array(imagenet_std), np.array(0)])
    path = tmp_path / f"{name}.weights.h5"
    source.save_weights(path)
    X = images(4, 32, 32, 3)
    model = build(cnn(backbone=name, fine_tune=False), X, pretrained_weights=path)
    backbone = model.get_layer("backbone")
    for loaded, expected in zip(
        backbone.get_weights(), source.get_weights(), strict=True
    ):
        np.testing.assert_array_equal(loaded, expected)
    adapter = model.get_layer("backbone_preprocessing")
    assert not adapter.trainable
    backbone_input = keras.Model(model.input, adapter.output)(X)
    pixels = X.astype("float64")
    if name == "resnet50":
        expected = pixels[..., ::-1] - np.array([103.939, 116.779, 123.68])
        seen = backbone_input
    else:
        # The backbone's own Normalization output must be the ImageNet standard score.
        stem = next(
            layer
            for layer in backbone.layers
            if isinstance(layer, keras.layers.Normalization)
        )
        seen = keras.Model(backbone.input, stem.output)(backbone_input)
        expected = (pixels / 255 - np.array(imagenet_mean)) / np.array(imagenet_std)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(seen), expected, atol=1e-3)
