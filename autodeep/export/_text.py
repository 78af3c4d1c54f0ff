"""Text estimators in ONNX: the network in the graph, the tokenizer in its metadata.

autodeep's tokens (Unicode-aware, :mod:`autodeep.preprocessing._tokens`) need regular
expressions that onnxruntime's operators do not offer, so the graph starts where the
text encoder ends: token ids (``token_ids``, int64, one row of ``sequence_length`` ids
per text) for the embedding, convolution, recurrent and transformer families, TF-IDF
rows (``tfidf``, float32) for the n-gram family. The encoder's settings and
vocabulary travel inside the ONNX file (``autodeep.onnx_info(path)["text"]``), and
:func:`text_inputs` rebuilds the graph's input from texts with them, in plain Python
and scikit-learn: no TensorFlow, Keras or fitted estimator is loaded.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autodeep.export._graph import Graph
from autodeep.preprocessing._text_checks import check_texts
from autodeep.preprocessing.text import (
    OOV_ID,
    PAD_ID,
    NgramEncoder,
    SequenceEncoder,
)

# The record a text model takes: one text (the user's raw input).
RAW_INPUT = [{"name": "text", "kind": "text", "type": "string"}]


def convert(graph: Graph, preprocessor: Any) -> tuple[str, dict[str, Any]]:
    """The graph input the fitted text ``preprocessor`` feeds the network, and the
    record of its encoder that :func:`text_inputs` reads."""
    from onnx import TensorProto

    encoder = preprocessor[-1]
    if isinstance(encoder, SequenceEncoder):
        length = int(encoder.sequence_length_)
        name = graph.add_input("token_ids", TensorProto.INT64, ["batch", length])
        by_id = sorted(encoder.vocabulary_.items(), key=lambda item: item[1])
        return name, {
            "encoder": "token_ids",
            "graph_input": name,
            "standardize": encoder.standardize,
            "sequence_length": length,
            "padding_id": PAD_ID,
            "unknown_id": OOV_ID,
            "vocabulary": [token for token, _ in by_id],
        }
    if isinstance(encoder, NgramEncoder):
        vectorizer = encoder.vectorizer_
        width = int(encoder.n_features_out_)
        name = graph.add_input("tfidf", TensorProto.FLOAT, ["batch", width])
        return name, {
            "encoder": "tfidf",
            "graph_input": name,
            "standardize": encoder.standardize,
            "analyzer": encoder.analyzer,
            "ngram_range": list(vectorizer.ngram_range),
            "ngram_max": int(encoder.ngram_max),
            "norm": vectorizer.norm,
            "sublinear_tf": bool(vectorizer.sublinear_tf),
            "vocabulary": [str(g) for g in vectorizer.get_feature_names_out()],
            "idf": [float(v) for v in vectorizer.idf_],
        }
    raise NotImplementedError(
        f"ONNX export has no converter for the text encoder {type(encoder).__name__}."
    )


def text_inputs(texts: Any, info: dict[str, Any]) -> dict[str, np.ndarray]:
    """The graph input for ``texts`` (a list, array, Series or one-column
    DataFrame of strings; missing values count as empty texts, as in ``predict``),
    from the encoder recorded in ``info`` (what :func:`autodeep.onnx_info` returns).

    Examples
    --------
    >>> info = autodeep.onnx_info("reviews.onnx")  # doctest: +SKIP
    >>> session.run(None, text_inputs(["a fine film"], info))  # doctest: +SKIP
    """
    spec = info["text"]
    encoder = _encoder(spec)
    rows = encoder.transform(check_texts(texts))
    if spec["encoder"] == "token_ids":
        return {spec["graph_input"]: rows.astype(np.int64)}
    return {spec["graph_input"]: rows.toarray().astype(np.float32)}


# The encoders rebuilt from recent records, so that a server or a loop scoring one
# text at a time does not rebuild a vocabulary of thousands of entries per call.
_ENCODERS: dict[int, tuple[dict[str, Any], Any]] = {}


def _encoder(spec: dict[str, Any]) -> Any:
    """The fitted text encoder (or TF-IDF vectorizer) that ``spec`` records."""
    cached = _ENCODERS.get(id(spec))
    if cached is not None and cached[0] is spec:
        return cached[1]
    if spec["encoder"] == "token_ids":
        encoder: Any = SequenceEncoder(
            max_tokens=len(spec["vocabulary"]) + 2,
            sequence_length=int(spec["sequence_length"]),
            standardize=spec["standardize"],
        )
        encoder.vocabulary_ = {
            token: index for index, token in enumerate(spec["vocabulary"], 2)
        }
        encoder.vocabulary_size_ = len(spec["vocabulary"]) + 2
        encoder.sequence_length_ = int(spec["sequence_length"])
    elif spec["encoder"] == "tfidf":
        encoder = NgramEncoder(
            max_tokens=len(spec["vocabulary"]),
            ngram_max=int(spec["ngram_max"]),
            analyzer=spec["analyzer"],
            standardize=spec["standardize"],
        )._make_vectorizer()
        encoder.set_params(vocabulary=spec["vocabulary"], max_features=None)
        encoder.idf_ = np.asarray(spec["idf"], dtype=np.float32)
    else:
        raise ValueError(
            f"Unknown text encoder {spec['encoder']!r} in the ONNX metadata."
        )
    if len(_ENCODERS) >= 8:
        _ENCODERS.pop(next(iter(_ENCODERS)))
    # The record is kept with its encoder, so its id is not reused while cached.
    _ENCODERS[id(spec)] = (spec, encoder)
    return encoder
