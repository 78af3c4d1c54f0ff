"""ONNX export (issue 16): the whole tabular predictor in one graph, raw columns in.

onnxruntime's outputs must match ``predict`` and ``predict_proba`` within 1e-5 on
held-out rows, missing values and unseen categories included, and in a fresh process
that imports neither TensorFlow nor Keras.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import autodeep
from autodeep import (
    ImageClassifier,
    ImageRegressor,
    TabularClassifier,
    TabularRegressor,
)
from autodeep.export import onnx_inputs as feeds
from tests._backends import network_outputs
from tests.conftest import FAST

ort = pytest.importorskip("onnxruntime")

# Every layer and column path the converter covers, fixed so one trial builds it.
EVERY_LAYER = {
    "numeric_embedding": "periodic",
    "batch_norm": True,
    "activation": "gelu",
    "dropout": 0.1,
}


def run(path, X: pd.DataFrame) -> dict[str, np.ndarray]:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [output.name for output in session.get_outputs()]
    return dict(
        zip(names, session.run(None, feeds(X, autodeep.onnx_info(path))), strict=True)
    )


def mixed_frame(n: int, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """Numbers with gaps, a column that is always missing, few and many categories,
    booleans, and string labels that depend on them."""
    rng = np.random.default_rng(seed)
    age = rng.normal(40, 12, n)
    income = rng.lognormal(10, 1, n)
    city = rng.choice(["north", "south", "east", "west"], n)
    shop = rng.choice([f"shop {i}" for i in range(30)], n)
    member = rng.random(n) < 0.4
    score = 0.05 * (age - 40) + (city == "north") - member + (np.log(income) - 10)
    labels = np.where(score + rng.normal(0, 0.5, n) > 0, "yes", "no")
    X = pd.DataFrame(
        {
            "age": age,
            "income": income,
            "empty": np.nan,
            "city": city,
            "shop": shop,
            "member": member,
        }
    )
    X.loc[rng.random(n) < 0.1, "age"] = np.nan
    X.loc[rng.random(n) < 0.1, "city"] = None
    return X, pd.Series(labels, name="bought")


@pytest.fixture(scope="module")
def mixed():
    X, y = mixed_frame(600)
    X_test, _ = mixed_frame(200, seed=1)
    X_test.loc[:4, "shop"] = "a shop never seen"  # unseen categories, both encodings
    X_test.loc[5:9, "city"] = "atlantis"
    X_test.loc[10:14, "income"] = np.nan  # missing where training had none
    return X, y, X_test


@pytest.fixture(scope="module")
def classifier(mixed):
    X, y, _ = mixed
    params = {**FAST, "max_epochs": 10, "search_space": EVERY_LAYER}
    return TabularClassifier(**params, scaler="robust_clip").fit(X, y)


def test_classifier_matches_predict_and_predict_proba(classifier, mixed, tmp_path):
    _, _, X_test = mixed
    path = classifier.export(tmp_path / "model.onnx")
    outputs = run(path, X_test)
    np.testing.assert_allclose(
        outputs["probabilities"], classifier.predict_proba(X_test), rtol=0, atol=1e-5
    )
    np.testing.assert_array_equal(outputs["label"], classifier.predict(X_test))


def test_metadata_names_the_schema_classes_and_version(classifier, tmp_path):
    path = classifier.export(tmp_path / "model.onnx")
    info = autodeep.onnx_info(path)
    assert info["autodeep_version"] == autodeep.__version__
    assert info["estimator"] == "TabularClassifier"
    assert info["classes"] == ["no", "yes"]
    assert [(e["name"], e["kind"], e["type"]) for e in info["inputs"]] == [
        ("age", "numeric", "double"),
        ("income", "numeric", "double"),
        ("empty", "numeric", "double"),
        ("city", "categorical", "string"),
        ("shop", "categorical", "string"),
        ("member", "categorical", "string"),
    ]
    assert info["validation"]["score"] == pytest.approx(classifier.best_score_)
    X = mixed_frame(5)[0]
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['age'\]"):
        feeds(X.drop(columns="age"), info)


def test_regressor_predicts_in_the_target_units(diabetes, tmp_path):
    X_train, X_test, y_train, _ = diabetes
    model = TabularRegressor(**FAST, search_space={"activation": "selu"}).fit(
        X_train, y_train
    )
    outputs = run(model.export(tmp_path / "model.onnx"), X_test)
    assert outputs["prediction"].shape == (len(X_test),)
    np.testing.assert_allclose(outputs["prediction"], model.predict(X_test), rtol=1e-5)


def test_a_model_on_piecewise_encodings_matches(mixed, tmp_path):
    X, y, X_test = mixed
    X_test = X_test.copy()
    X_test.loc[15:19, "age"] = [-50.0, 500.0, 0.0, 1e6, -1e6]  # beyond the outer bins
    model = TabularClassifier(
        **{**FAST, "max_epochs": 3}, search_space={"numeric_embedding": "piecewise"}
    ).fit(X, y)
    outputs = run(model.export(tmp_path / "piecewise.onnx"), X_test)
    np.testing.assert_allclose(
        outputs["probabilities"], model.predict_proba(X_test), rtol=0, atol=1e-5
    )


@pytest.mark.slow
def test_an_ensemble_exports_as_one_graph(mixed, tmp_path):
    from autodeep._ensemble import combine

    X, y, X_test = mixed
    first = TabularClassifier(**{**FAST, "max_epochs": 5}).fit(X, y)
    second = TabularClassifier(**{**FAST, "max_epochs": 5, "random_state": 1}).fit(X, y)
    first.model_ = combine([first.model_, second.model_], [0.25, 0.75])
    outputs = run(first.export(tmp_path / "ensemble.onnx"), X_test)
    np.testing.assert_allclose(
        outputs["probabilities"], first.predict_proba(X_test), rtol=0, atol=1e-5
    )


CHILD = """
import json, sys
import numpy as np
import onnxruntime as ort
feeds = dict(np.load(sys.argv[2], allow_pickle=True))
session = ort.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])
label, proba = session.run(["label", "probabilities"], feeds)
assert not {"tensorflow", "keras", "autodeep"} & set(sys.modules), sorted(sys.modules)
np.save(sys.argv[3], proba)
print(json.dumps(label.tolist()))
"""


def test_a_fresh_process_without_tensorflow_predicts_the_same(
    classifier, mixed, tmp_path
):
    _, _, X_test = mixed
    path = classifier.export(tmp_path / "model.onnx")
    np.savez(tmp_path / "feeds.npz", **feeds(X_test, autodeep.onnx_info(path)))
    labels, proba = in_fresh_process(CHILD, path, tmp_path / "feeds.npz", timeout=120)
    assert labels == list(classifier.predict(X_test))
    np.testing.assert_allclose(
        proba, classifier.predict_proba(X_test), rtol=0, atol=1e-5
    )


def in_fresh_process(child, path, inputs, timeout):
    """What the script ``child`` prints (JSON) and the array it saves, run in a new
    Python process with the ONNX file, its inputs' file and the array's path."""
    out = Path(inputs).with_name("out.npy")
    result = subprocess.run(
        [sys.executable, "-c", child, str(path), str(inputs), str(out)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout), np.load(out)


def test_the_quantile_scaler_matches_scikit_learn():
    """Repeated quantiles (a column of four values), values beyond the fit range and
    at its ends, and the normal quantile function deep into the tails."""
    from onnx import TensorProto
    from scipy import stats
    from sklearn.preprocessing import QuantileTransformer

    from autodeep.export._graph import Graph
    from autodeep.export._quantile import normal_quantile, quantile_scale

    rng = np.random.default_rng(0)
    X = np.column_stack(
        [rng.normal(size=500), rng.integers(0, 4, 500), rng.lognormal(size=500)]
    ).astype(np.float64)
    scaler = QuantileTransformer(n_quantiles=400, output_distribution="normal").fit(X)
    X_new = np.vstack([X[:100], [[-10, -1, 0], [10, 9, 1e6], [X[0, 0], 2, X[5, 2]]]])
    p = np.concatenate([np.linspace(1e-7, 1 - 1e-7, 10001), np.logspace(-7, -1, 200)])
    graph = Graph()
    x = graph.add_input("x", TensorProto.DOUBLE, ["n", 3])
    graph.rename(quantile_scale(graph, scaler, x), "scaled")
    probability = graph.add_input("p", TensorProto.DOUBLE, ["m"])
    graph.rename(normal_quantile(graph, probability), "z")
    graph.add_output("scaled", TensorProto.DOUBLE, ["n", 3])
    graph.add_output("z", TensorProto.DOUBLE, ["m"])
    session = ort.InferenceSession(
        graph.model("quantile", {}).SerializeToString(),
        providers=["CPUExecutionProvider"],
    )
    scaled, z = session.run(None, {"x": X_new, "p": p})
    np.testing.assert_allclose(scaled, scaler.transform(X_new), rtol=0, atol=1e-12)
    np.testing.assert_allclose(z, stats.norm.ppf(p), rtol=1e-13, atol=1e-13)


@pytest.mark.slow
def test_a_model_with_the_quantile_scaler_matches(mixed, tmp_path):
    X, y, X_test = mixed
    model = TabularClassifier(**{**FAST, "max_epochs": 3}, scaler="quantile")
    model.fit(X, y)
    outputs = run(model.export(tmp_path / "quantile.onnx"), X_test)
    np.testing.assert_allclose(
        outputs["probabilities"], model.predict_proba(X_test), rtol=0, atol=1e-5
    )
    np.testing.assert_array_equal(outputs["label"], model.predict(X_test))
    with pytest.raises(ValueError, match="format must be 'onnx'"):
        model.export(tmp_path / "model.pb", format="savedmodel")


@pytest.mark.slow
@pytest.mark.parametrize(
    "space",
    [
        # Residual blocks (a branch joined by Add), batch norm, average pooling.
        {"block": "residual", "stages": 2, "filters": 8, "pooling": "average"},
        # Depthwise + pointwise convolutions, max pooling of the last map, dense head.
        {
            "block": "separable",
            "stages": 2,
            "filters": 8,
            "head": "global_max",
            "dense_units": 16,
            "batch_norm": False,
        },
    ],
    ids=["residual", "separable"],
)
def test_image_classifier_matches_on_held_out_digits(digit_images, space, tmp_path):
    X_train, X_test, y_train, _ = digit_images
    model = ImageClassifier(**{**FAST, "max_epochs": 3}, search_space=space)
    model.fit(X_train[:500], y_train[:500])
    path = model.export(tmp_path / "digits.onnx")
    info = autodeep.onnx_info(path)
    assert info["inputs"] == [
        {
            "name": "image",
            "kind": "image",
            "type": "float",
            "shape": [8, 8, 1],
            "pixels": "uint8",
        }
    ]
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    label, proba = session.run(None, {"image": X_test.astype(np.float32)})
    np.testing.assert_allclose(proba, model.predict_proba(X_test), rtol=0, atol=1e-5)
    np.testing.assert_array_equal(label, model.predict(X_test))


@pytest.mark.slow
def test_image_regressor_matches(digit_images, tmp_path):
    X_train, X_test, y_train, _ = digit_images
    space = {"stages": 1, "filters": 8}
    model = ImageRegressor(**{**FAST, "max_epochs": 3}, search_space=space)
    model.fit(X_train[:300], y_train[:300].astype(float))
    session = ort.InferenceSession(
        str(model.export(tmp_path / "regressor.onnx")),
        providers=["CPUExecutionProvider"],
    )
    (prediction,) = session.run(None, {"image": X_test.astype(np.float32)})
    np.testing.assert_allclose(prediction, model.predict(X_test), rtol=1e-5, atol=1e-5)


def test_a_layer_without_a_converter_is_named():
    import keras

    from autodeep.export._graph import Graph
    from autodeep.export._network import convert

    inputs = keras.Input(shape=(8, 8, 3))
    larger = keras.layers.UpSampling2D(name="upsample")(inputs)
    model = keras.Model(inputs, keras.layers.GlobalAveragePooling2D()(larger))
    with pytest.raises(NotImplementedError, match="'upsample' \\(UpSampling2D\\)"):
        convert(Graph(), model, "image")


@pytest.mark.slow
def test_an_image_model_that_resizes_inside_matches(digit_images, tmp_path):
    # 72x72 images get a `resolution` dimension: 64 puts a Resizing layer (bilinear,
    # antialiased) in front of the convolutions.
    X_train, X_test, y_train, _ = digit_images
    big_train, big_test = (
        np.kron(x, np.ones((1, 9, 9, 1), "uint8"))
        for x in (X_train[:300], X_test[:100])
    )
    space = {"stages": 1, "filters": 8, "resolution": 64}
    model = ImageClassifier(**{**FAST, "max_epochs": 2}, search_space=space)
    model.fit(big_train, y_train[:300])
    assert any(layer.name == "resize" for layer in model.model_.layers)
    session = ort.InferenceSession(
        str(model.export(tmp_path / "resized.onnx")),
        providers=["CPUExecutionProvider"],
    )
    label, proba = session.run(None, {"image": big_test.astype(np.float32)})
    np.testing.assert_allclose(proba, model.predict_proba(big_test), rtol=0, atol=1e-5)
    np.testing.assert_array_equal(label, model.predict(big_test))


def test_datetime_parts_match_the_preprocessor():
    from onnx import TensorProto

    from autodeep.export._feeds import seconds_since_epoch
    from autodeep.export._graph import Graph
    from autodeep.export._tabular import _datetime_parts
    from autodeep.preprocessing.tabular import _datetime_features

    rng = np.random.default_rng(0)
    # 1850-2150: leap years, century years (1900, 2100 not leap, 2000 leap), pre-1970.
    stamps = pd.to_datetime(rng.integers(-3.8e9, 5.7e9, 2000), unit="s")
    stamps = pd.Series(stamps).where(rng.random(2000) > 0.05)  # some missing
    edges = pd.Series(
        [
            pd.Timestamp(2000, 2, 29, 23, 59, 59),
            pd.Timestamp(1900, 3, 1),
            pd.Timestamp(1969, 12, 31, 23),
            pd.Timestamp(2100, 2, 28, 12, 30),
        ]
    )
    stamps = pd.concat([stamps, edges], ignore_index=True)
    graph = Graph()
    graph.add_input("when", TensorProto.DOUBLE, ["batch", 1])
    parts = _datetime_parts(graph, "when", "when")
    for name, value in parts.items():
        graph.rename(value, name + "_out")
        graph.add_output(name + "_out", TensorProto.DOUBLE, ["batch", 1])
    session = ort.InferenceSession(
        graph.model("dates", {}).SerializeToString(), providers=["CPUExecutionProvider"]
    )
    seconds = seconds_since_epoch(stamps).reshape(-1, 1)
    got = dict(zip(parts, session.run(None, {"when": seconds}), strict=True))
    expected = _datetime_features("when", stamps)
    for name, values in expected.items():
        np.testing.assert_allclose(got[name][:, 0], values, rtol=1e-12, err_msg=name)


def test_a_model_with_a_datetime_column_matches(tmp_path):
    rng = np.random.default_rng(0)
    when = pd.Series(pd.to_datetime(rng.integers(1.0e9, 1.7e9, 400), unit="s"))
    X = pd.DataFrame(
        {"when": when.where(rng.random(400) > 0.1), "x": rng.normal(size=400)}
    )
    y = X["x"] + (when.dt.month > 6) + 0.1 * when.dt.hour
    model = TabularRegressor(**FAST).fit(X.iloc[:300], y.iloc[:300])
    outputs = run(model.export(tmp_path / "dates.onnx"), X.iloc[300:])
    np.testing.assert_allclose(
        outputs["prediction"], model.predict(X.iloc[300:]), rtol=1e-5, atol=1e-6
    )


def test_json_records_become_the_graph_inputs():
    from autodeep.export._serve import BadRequest, records_to_inputs

    info = {
        "inputs": [
            {"name": "when", "kind": "datetime", "type": "double"},
            {"name": "x", "kind": "numeric", "type": "double"},
            {"name": "city", "kind": "categorical", "type": "string"},
        ]
    }
    records = [
        {"when": "1970-01-02T01:00:00Z", "x": 2, "city": "north"},
        {"when": None, "x": None, "city": None},
    ]
    inputs = records_to_inputs(records, info)
    np.testing.assert_array_equal(inputs["when"][:, 0], [90000.0, np.nan])
    np.testing.assert_array_equal(inputs["x"][:, 0], [2.0, np.nan])
    assert inputs["city"][:, 0].tolist() == ["north", "<missing>"]
    for bad, message in [
        ({"when": "soon", "x": 1, "city": "a"}, "'soon' is not a date"),
        ({"when": None, "x": True, "city": "a"}, "True is not a number"),
        ({"when": None, "x": 1, "city": ["a"]}, "a category must be one value"),
    ]:
        with pytest.raises(BadRequest, match=message):
            records_to_inputs([bad], info)


def test_a_missing_onnx_package_names_the_install_command(classifier, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx now fails
    with pytest.raises(ImportError, match=r'pip install "autodeep\[onnx\]"'):
        classifier.export("never.onnx")


@pytest.mark.parametrize(
    ("backbone", "constructor", "channels"),
    [
        ("mobilenet_v3_small", "MobileNetV3Small", 1),
        ("mobilenet_v3_large", "MobileNetV3Large", 3),
        ("efficientnet_b0", "EfficientNetB0", 3),
        pytest.param("resnet50", "ResNet50", 1, marks=pytest.mark.slow),
    ],
)
def test_each_pretrained_backbone_matches_keras(
    backbone, constructor, channels, tmp_path
):
    backbone_network_matches(backbone, constructor, channels, tmp_path)


def backbone_network_matches(backbone, constructor, channels, folder):
    """The CNN space's network around a backbone (random weights standing in for a
    weights file; grayscale repeated to three channels) gives Keras' outputs within
    1e-5 on 0-255 pixels, on the backend in use."""
    import keras

    from autodeep.search_spaces.image import CNN_DEFAULTS, build_cnn

    weights = Path(folder) / f"{backbone}.weights.h5"
    getattr(keras.applications, constructor)(
        include_top=False, weights=None, input_shape=(32, 32, 3)
    ).save_weights(weights)
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 255, size=(6, 32, 32, channels)).astype(np.float32)
    model = build_cnn(
        {**CNN_DEFAULTS, "backbone": backbone, "fine_tune": False},
        (32, 32),
        channels,
        X.mean(axis=(0, 1, 2)),
        X.std(axis=(0, 1, 2)),
        3,
        "softmax",
        pretrained_weights=weights,
    )
    out = network_outputs(model, X)
    expected = keras.ops.convert_to_numpy(model(X, training=False))
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-5)


@pytest.mark.slow
def test_an_image_classifier_on_a_pretrained_backbone_matches(digit_images, tmp_path):
    import keras

    X_train, X_test, y_train, _ = digit_images
    weights = tmp_path / "mobilenet.weights.h5"
    keras.applications.MobileNetV3Small(
        include_top=False, weights=None, input_shape=(32, 32, 3)
    ).save_weights(weights)

    def upsample(images):  # 8x8 digits as 32x32 grayscale images
        return np.kron(images, np.ones((1, 4, 4, 1), dtype=images.dtype))

    model = ImageClassifier(
        **{**FAST, "max_epochs": 1},
        pretrained_weights=weights,
        search_space={"backbone": "mobilenet_v3_small", "fine_tune": False},
    ).fit(upsample(X_train[:200]), y_train[:200])
    assert model.best_params_["backbone"] == "mobilenet_v3_small"
    session = ort.InferenceSession(
        str(model.export(tmp_path / "backbone.onnx")),
        providers=["CPUExecutionProvider"],
    )
    images = upsample(X_test[:60])
    label, proba = session.run(None, {"image": images.astype(np.float32)})
    np.testing.assert_allclose(proba, model.predict_proba(images), rtol=0, atol=1e-5)
    np.testing.assert_array_equal(label, model.predict(images))
