"""ONNX export of text estimators (issue 16): the network in the graph, the tokenizer
in the file's metadata, and a loader that rebuilds the graph's input from texts
without TensorFlow or Keras.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import autodeep
from autodeep import TextClassifier, TextRegressor
from autodeep.cli import main
from autodeep.export import onnx_inputs
from autodeep.preprocessing.text import NgramEncoder, SequenceEncoder, TextPreprocessor
from tests._backends import network_outputs
from tests.conftest import FAST, sentiment_texts
from tests.test_export import in_fresh_process

ort = pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")

# Texts the vocabulary never saw, in several scripts, with emoji, punctuation, an
# empty text, a missing one and one longer than any sequence.
UNUSUAL = [
    "",
    None,
    "GREAT film!!! 🙂👍🏽",
    "Straße, café crème; naïve",
    "東京で映画を見た",
    "Привет, мир — это скучно",
    "great " * 300,
]

FAMILIES = [
    {"family": "embedding", "pooling": "max"},
    {"family": "embedding", "pooling": "average"},
    {"family": "conv1d", "conv_layers": 2, "filters": 4, "kernel_size": 4},
    {"family": "rnn", "cell": "lstm", "rnn_units": 4, "bidirectional": True},
    {"family": "rnn", "cell": "gru", "rnn_units": 5, "bidirectional": False},
    {"family": "transformer", "heads": 2, "transformer_layers": 2, "ff_units": 8},
]


@pytest.mark.parametrize(
    "params", FAMILIES, ids=lambda p: "-".join(map(str, p.values()))
)
def test_each_sequence_network_matches_keras(params):
    sequence_network_matches(params)


def sequence_network_matches(params):
    """The ONNX nodes of a text network of ``params`` give Keras' outputs within
    1e-6, with random weights (not a trained network's small ones) and rows of every
    length from all padding to none, on the backend in use."""
    import keras

    from autodeep.search_spaces.text import TEXT_DEFAULTS, build_text_model

    length, rng = 12, np.random.default_rng(0)
    settings = {**TEXT_DEFAULTS, "embedding_dim": 8, "dense_units": 4, **params}
    model = build_text_model(settings, 50, length, 3, "softmax")
    for weight in model.weights:
        weight.assign(rng.normal(0, 0.5, size=weight.shape).astype("float32"))
    ids = rng.integers(1, 50, size=(40, length))
    for row, size in enumerate([0, 1, length, *rng.integers(0, length, 37)]):
        ids[row, size:] = 0
    out = network_outputs(model, ids.astype(np.int64))
    expected = keras.ops.convert_to_numpy(model(ids.astype("int32"), training=False))
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-6)


@pytest.mark.parametrize(
    "encoder",
    [
        SequenceEncoder(sequence_length=16, standardize="none"),
        SequenceEncoder(sequence_length=16, standardize="lower_punctuation"),
        NgramEncoder(ngram_max=2, analyzer="word", standardize="lower"),
        NgramEncoder(ngram_max=2, analyzer="char_wb", standardize="lower_punctuation"),
    ],
    ids=["ids", "ids-punctuation", "word-ngrams", "char-ngrams"],
)
def test_the_stored_tokenizer_gives_the_encoder_s_numbers(encoder):
    """The loader, reading only the JSON record, gives what the fitted encoder gives,
    unseen words, other scripts and empty texts included."""
    from sklearn.pipeline import Pipeline

    from autodeep.export import _text
    from autodeep.export._graph import Graph

    texts, _, _ = sentiment_texts(60, seed=0)
    texts = [*texts, "Café, 東京! 🙂"]
    preprocessor = Pipeline([("texts", TextPreprocessor()), ("vectorizer", encoder)])
    preprocessor.fit(texts)
    _, record = _text.convert(Graph(), preprocessor)
    info = json.loads(json.dumps({"text": record}))  # as stored in the file
    (got,) = onnx_inputs(UNUSUAL + texts[:5], info).values()
    expected = preprocessor.transform(UNUSUAL + texts[:5])
    if not isinstance(expected, np.ndarray):  # TF-IDF rows, as the network gets them
        expected = expected.take(np.arange(len(expected)))
    np.testing.assert_array_equal(got, expected)


def test_text_records_are_checked_and_tokenized():
    from sklearn.pipeline import Pipeline

    from autodeep.export import _text
    from autodeep.export._graph import Graph
    from autodeep.export._serve import BadRequest, records_to_inputs

    preprocessor = Pipeline(
        [
            ("texts", TextPreprocessor()),
            ("vectorizer", SequenceEncoder(sequence_length=8)),
        ]
    ).fit(["the film", "a film"])
    _, record = _text.convert(Graph(), preprocessor)
    info = {"inputs": _text.RAW_INPUT, "text": record}
    inputs = records_to_inputs([{"text": "the film"}, {"text": None}], info)
    np.testing.assert_array_equal(
        inputs["token_ids"], [[3, 2, 0, 0, 0, 0, 0, 0], [0] * 8]
    )
    with pytest.raises(BadRequest, match="3 is not a text"):
        records_to_inputs([{"text": 3}], info)
    with pytest.raises(BadRequest, match=r"lacks \['text'\]"):
        records_to_inputs([{"review": "fine"}], info)


CHILD = """
import json, sys
import numpy as np
import onnxruntime as ort
from autodeep import onnx_info
from autodeep.export import onnx_inputs
texts = json.load(open(sys.argv[2]))
session = ort.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])
outputs = session.run(None, onnx_inputs(texts, onnx_info(sys.argv[1])))
assert not {"tensorflow", "keras", "jax", "torch"} & set(sys.modules)
np.save(sys.argv[3], outputs[-1])
print(json.dumps(outputs[0].tolist()))
"""


def _in_fresh_process(path, texts, tmp_path):
    """Labels (or predictions) and the last output, from a process that imports
    autodeep's loader and onnxruntime but no TensorFlow or Keras."""
    (tmp_path / "texts.json").write_text(json.dumps(texts))
    return in_fresh_process(CHILD, path, tmp_path / "texts.json", timeout=180)


@pytest.mark.slow
@pytest.mark.parametrize(
    "space",
    [
        {"family": "ngrams", "analyzer": "char_wb", "standardize": "lower_punctuation"},
        {"family": "rnn", "cell": "gru", "rnn_units": 8, "bidirectional": True},
        {"family": "transformer", "embedding_dim": 16, "heads": 2},
    ],
    ids=["char-ngrams", "gru", "transformer"],
)
def test_a_text_classifier_matches_in_a_fresh_process(space, tmp_path):
    texts, labels, _ = sentiment_texts(300, seed=0)
    test_texts = sentiment_texts(60, seed=1)[0] + [t or "" for t in UNUSUAL]
    model = TextClassifier(**{**FAST, "max_epochs": 4}, search_space=space)
    model.fit(texts, labels)
    path = model.export(tmp_path / "text.onnx")
    info = autodeep.onnx_info(path)
    assert info["inputs"] == [{"name": "text", "kind": "text", "type": "string"}]
    assert info["text"]["graph_input"] in ("token_ids", "tfidf")
    labels_out, proba = _in_fresh_process(path, test_texts, tmp_path)
    assert labels_out == list(model.predict(test_texts))
    np.testing.assert_allclose(
        proba, model.predict_proba(test_texts), rtol=0, atol=1e-5
    )


@pytest.mark.slow
def test_a_text_regressor_predicts_in_the_target_units(tmp_path, capsys):
    texts, labels, _ = sentiment_texts(200, seed=0)
    target = np.array([3.0 if label == "positive" else -1.0 for label in labels])
    model = TextRegressor(
        **{**FAST, "max_epochs": 3}, search_space={"family": "conv1d"}
    ).fit(texts, target)
    model.save(tmp_path / "model")
    path = tmp_path / "text.onnx"  # as a user would: the command line
    assert main(["export", str(tmp_path / "model"), "-o", str(path)]) == 0
    printed = capsys.readouterr().out
    assert "inputs text (string)" in printed and "The graph reads token_ids" in printed
    (prediction,) = ort.InferenceSession(
        str(path), providers=["CPUExecutionProvider"]
    ).run(None, onnx_inputs(texts[:50], autodeep.onnx_info(path)))
    np.testing.assert_allclose(prediction, model.predict(texts[:50]), atol=1e-4)
