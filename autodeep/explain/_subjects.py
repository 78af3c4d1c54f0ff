"""What an explanation works on, per modality: rows, their units and how to remove them.

A *unit* is what a person reads an attribution on: an original DataFrame column, a
token of the text, a pixel. A subject turns the estimator's input into the model's
inputs and float representation (see :class:`~autodeep.explain._probe.Probe`), sums
representation-level attributions into units, and builds copies of a row with some
units removed (set to the baseline, or deleted from the text) for occlusion and the
deletion check.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import scipy.sparse

from autodeep._ensemble import members_of
from autodeep._model_parts import COLUMN_EMBEDDING, model_parts
from autodeep._multimodal import is_multimodal
from autodeep.explain._probe import EnsembleProbe, Probe, Representation


class Subject:
    """Base class; see the module docstring. ``kind`` is tabular, image or text."""

    kind: str
    probe: Probe | EnsembleProbe
    inputs: np.ndarray
    z: np.ndarray
    unit_names: list[list[str]]

    def __init__(self, estimator: Any, X: Any) -> None:
        self.estimator = estimator
        self.X = estimator._validate_X(X, reset=False)
        self.model = estimator.model_
        # An ensemble's member networks and weights; a single network is its own.
        self.members, self.weights = members_of(self.model) or ([self.model], [1.0])

    def _probe(
        self, representation_of: Callable[[Any], Representation]
    ) -> Probe | EnsembleProbe:
        """The probe on each member's ``representation_of(member)``."""
        parts = [Probe(member, representation_of(member)) for member in self.members]
        if len(parts) == 1:
            return parts[0]
        classification = hasattr(self.estimator, "classes_")
        return EnsembleProbe(parts, self.weights, classification)

    @property
    def heaviest(self) -> Any:
        """The member network with the largest weight (the network itself if single)."""
        return self.members[int(np.argmax(self.weights))]

    def __len__(self) -> int:
        return len(self.inputs)

    def set_baseline(self, value: Any = None) -> np.ndarray:
        """Fix the reference input; return its representation, one row per row.

        ``None`` is the all-zero representation (for tabular data the mean of each
        standard-scaled column and no category; an all-black image; no text).
        Otherwise ``value`` is one input like ``X`` (a one-row DataFrame, an image,
        a text) or, for images, a pixel value such as 0.
        """
        if value is None:
            self.reference = np.zeros(self.z.shape[1:], np.float32)
        else:
            self.reference = self._represent_reference(value)[0]
        self.baseline_name = "zeros" if value is None else "given"
        return np.broadcast_to(self.reference, self.z.shape).astype(np.float32)

    def _represent_reference(self, value: Any) -> np.ndarray:
        inputs = self._encode(self.estimator._validate_X(value, reset=False))
        if len(inputs) != 1:
            raise ValueError(
                f"baseline must be one input like a row of X; got {len(inputs)} rows."
            )
        return self.probe.represent(inputs)

    def _encode(self, X: Any) -> np.ndarray:
        raise NotImplementedError

    def to_units(self, attributions: np.ndarray) -> list[np.ndarray]:
        """Representation-level attributions summed into each row's units."""
        raise NotImplementedError

    def removed(self, row: int, masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Model inputs and representations of row ``row`` with ``masks`` units removed.

        ``masks`` is boolean, shape (variants, n_units of the row); True is removed.
        """
        raise NotImplementedError

    def occlusion_masks(self, row: int) -> np.ndarray:
        """The unit groups occlusion removes one at a time (single units by default)."""
        return np.eye(len(self.unit_names[row]), dtype=bool)


class TabularSubject(Subject):
    """Rows of a DataFrame or array; units are the user's original columns."""

    kind = "tabular"

    def __init__(self, estimator: Any, X: Any) -> None:
        super().__init__(estimator, X)
        preprocessor = estimator.preprocessor_
        sources = preprocessor.source_columns()
        self.probe = self._probe(_embedding_or_input)
        embedded = self.probe.representation == "embedding"
        self.inputs = self._encode(self.X)
        self.z = self.probe.represent(self.inputs)
        if embedded:
            # Each member's representation (dense columns, then its embeddings),
            # side by side.
            sources = _table_sources(preprocessor, embedded=True) * len(self.members)
        self.columns = list(preprocessor.column_kinds_)
        position = {column: i for i, column in enumerate(self.columns)}
        self.groups = np.zeros((len(sources), len(self.columns)), dtype=np.float32)
        self.groups[np.arange(len(sources)), [position[s] for s in sources]] = 1.0
        names = [str(column) for column in self.columns]
        self.unit_names = [names] * len(self.inputs)

    def _encode(self, X: Any) -> np.ndarray:
        return self.estimator.preprocessor_.transform(X)

    def to_units(self, attributions: np.ndarray) -> list[np.ndarray]:
        return list(attributions @ self.groups)

    def removed(self, row: int, masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        z = np.repeat(self.z[row : row + 1], len(masks), axis=0)
        entries = (masks.astype(np.float32) @ self.groups.T) > 0
        z[entries] = self.reference[np.nonzero(entries)[1]]
        return np.repeat(self.inputs[row : row + 1], len(masks), axis=0), z


class ImageSubject(Subject):
    """Images; units are pixels (attributions summed over channels)."""

    kind = "image"

    def __init__(self, estimator: Any, X: Any) -> None:
        super().__init__(estimator, X)
        self.probe = self._probe(lambda member: "input")
        self.inputs = self._encode(self.X)
        self.z = self.inputs
        height, width = self.inputs.shape[1:3]
        self.unit_names = [[]] * len(self.inputs)  # a pixel grid has no names
        self.image_shape = (height, width)

    def _encode(self, X: Any) -> np.ndarray:
        from autodeep import _data

        images = self.estimator.preprocessor_.transform(X)
        return _data.take(images, np.arange(len(images))).astype(np.float32)

    def _represent_reference(self, value: Any) -> np.ndarray:
        if np.isscalar(value):
            return np.full((1, *self.z.shape[1:]), value, np.float32)
        return super()._represent_reference(value)

    @property
    def has_feature_map(self) -> bool:
        """Whether the model is convolutional (Grad-CAM reads its last feature map)."""
        return model_parts(self.heaviest).feature_map is not None

    def feature_map_probe(self) -> Probe:
        """A probe on the last feature map; for an ensemble, the feature map of its
        heaviest member (members' feature maps do not align, so their Grad-CAM maps
        are not averaged)."""
        return Probe(self.heaviest, "feature_map")

    def to_units(self, attributions: np.ndarray) -> list[np.ndarray]:
        if attributions.ndim == 4:
            attributions = attributions.sum(axis=-1)
        return [a.reshape(-1) for a in attributions]

    def removed(self, row: int, masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        images = np.repeat(self.z[row : row + 1], len(masks), axis=0)
        pixels = masks.reshape(len(masks), *self.image_shape)
        images[pixels] = self.reference[np.nonzero(pixels)[1:]]
        return images, images

    def occlusion_masks(self, row: int) -> np.ndarray:
        """Square patches about an eighth of the image side, tiling the image."""
        height, width = self.image_shape
        side = max(1, round(min(height, width) / 8))
        masks = []
        for top in range(0, height, side):
            for left in range(0, width, side):
                mask = np.zeros(self.image_shape, dtype=bool)
                mask[top : top + side, left : left + side] = True
                masks.append(mask.reshape(-1))
        return np.array(masks)


class TextSubject(Subject):
    """Texts; units are the tokens of each text (words for character n-grams)."""

    kind = "text"

    def __init__(self, estimator: Any, X: Any) -> None:
        super().__init__(estimator, X)
        self.encoder = estimator.preprocessor_[-1]
        self.texts = estimator.preprocessor_[0].transform(self.X)
        self.probe = self._probe(_embedding_or_input)
        self.spread: list[Any] | None = None
        self.inputs = self._encode(self.texts)
        self.z = self.probe.represent(self.inputs)
        if self.probe.representation == "input":  # TF-IDF: share n-grams out
            pairs = [_ngram_tokens(self.encoder.vectorizer_, t) for t in self.texts]
            self.unit_names = [tokens for tokens, _ in pairs]
            self.spread = [matrix for _, matrix in pairs]
        else:
            length = self.encoder.sequence_length_
            self.unit_names = [self.encoder.tokens(t)[:length] for t in self.texts]

    def _encode(self, X: Any) -> np.ndarray:
        from autodeep import _data

        encoded = self.estimator.preprocessor_[-1].transform(X)
        return np.asarray(_data.take(encoded, np.arange(len(encoded))))

    def set_baseline(self, value: Any = None) -> np.ndarray:
        """As :meth:`Subject.set_baseline`; a string ``value`` is a reference text.

        A Transformer's default baseline keeps the position embeddings and zeroes the
        token embeddings: "no tokens" at every position. From an all-zero vector,
        layer normalization is so steep that integrated gradients would need many
        more steps to add up.
        """
        parts = self.probe.parts
        if value is None and any(_position_table(p) is not None for p in parts):
            length = self.z.shape[1]
            self.reference = np.concatenate(
                [_position_reference(p, length) for p in parts], axis=-1
            )
            self.baseline_name = "position embeddings only"
            baseline = np.broadcast_to(self.reference, self.z.shape).astype(np.float32)
        else:
            baseline = super().set_baseline(value)
        return self._keep_padding(baseline)

    def _keep_padding(self, baseline: np.ndarray) -> np.ndarray:
        """Padding positions keep each row's own representation in the baseline.

        Padding is no unit, so nothing may be attributed to it. Masked families ignore
        it anyway; ``conv1d`` does not mask, and from a zero baseline integrated
        gradients would give the padding a share of f(z) - f(baseline) that
        :meth:`to_units` then drops, so the token attributions would not add up.
        """
        if self.spread is not None:  # TF-IDF n-grams have no positions
            return baseline
        for row, tokens in enumerate(self.unit_names):
            baseline[row, len(tokens) :] = self.z[row, len(tokens) :]
        return baseline

    def _represent_reference(self, value: Any) -> np.ndarray:
        if not isinstance(value, str):
            raise ValueError(f"A text model's baseline is one text; got {value!r}.")
        return self.probe.represent(self._encode(np.asarray([value], dtype=object)))

    def to_units(self, attributions: np.ndarray) -> list[np.ndarray]:
        if self.spread is not None:
            return [m @ a for m, a in zip(self.spread, attributions, strict=True)]
        per_position = attributions.sum(axis=-1)
        return [p[: len(t)] for p, t in zip(per_position, self.unit_names, strict=True)]

    def removed(self, row: int, masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        tokens = self.unit_names[row]
        texts = np.array(
            [
                " ".join(t for t, gone in zip(tokens, mask, strict=True) if not gone)
                for mask in masks
            ],
            dtype=object,
        )
        inputs = self._encode(texts)
        return inputs, self.probe.represent(inputs)


class MultimodalSubject(TabularSubject):
    """Rows of a frame with text or image columns; units are the user's columns.

    Attributions are taken on the network's whole-row representation (the
    ``column_embedding`` layer: tabular features, token embeddings, TF-IDF rows,
    pixels) and summed per column. :meth:`to_units` also keeps the detail within text
    and image columns (``details``): each text's tokens and their attributions (an
    n-gram's shared out among the tokens it covers, as for text models), and each
    image's pixel map (summed over channels).
    """

    def __init__(self, estimator: Any, X: Any) -> None:
        Subject.__init__(self, estimator, X)
        pipeline = estimator.preprocessor_
        self.stage, self.encoders = pipeline[0], pipeline[-1]
        self.probe = self._probe(lambda member: "embedding")
        rows = self.stage.transform(self.X)
        self.texts = rows.texts
        everything = np.arange(len(rows))
        self.images = {c: images.take(everything) for c, images in rows.images.items()}
        self.inputs = self._encode(self.X)
        self.z = self.probe.represent(self.inputs)
        self.columns = list(self.stage.column_types_)
        sources: list[Any] = []
        # Per member, the text and image parts' places in the representation.
        self.slices: list[tuple[dict[str, Any], int, int]] = []
        for member in self.members:
            layer = member.get_layer(COLUMN_EMBEDDING)
            for spec, width in zip(self.encoders.layout_, layer.widths(), strict=True):
                start = len(sources)
                if spec["kind"] == "table":
                    sources += _table_sources(self.stage.tabular_, embedded=True)
                else:
                    sources += [spec["column"]] * width
                    self.slices.append((spec, start, start + width))
        position = {str(column): i for i, column in enumerate(self.columns)}
        self.groups = np.zeros((len(sources), len(self.columns)), dtype=np.float32)
        self.groups[np.arange(len(sources)), [position[str(s)] for s in sources]] = 1.0
        names = [str(column) for column in self.columns]
        self.unit_names = [names] * len(self.inputs)
        self.details: dict[str, dict[str, Any]] | None = None

    def set_baseline(self, value: Any = None) -> np.ndarray:
        """As :meth:`Subject.set_baseline`; by default an image column's part is the
        mean image of fit (what a missing image reads as, and what normalizes to
        zero) rather than a black one, so that an image's attribution measures it
        against an average picture, not against darkness."""
        baseline = super().set_baseline(value)
        if value is not None:
            return baseline
        for spec, start, stop in self.slices:
            if spec["kind"] == "pixels":
                height, width = spec["image_size"]
                mean = np.asarray(spec["mean"], np.float32)
                self.reference[start:stop] = np.tile(mean, height * width)
        if any(spec["kind"] == "pixels" for spec, *_ in self.slices):
            self.baseline_name = "zeros, and the mean image for image columns"
        return np.broadcast_to(self.reference, self.z.shape).astype(np.float32)

    def _encode(self, X: Any) -> np.ndarray:
        from autodeep import _data

        rows = self.estimator.preprocessor_.transform(X)
        return _data.take(rows, np.arange(len(rows))).astype(np.float32)

    def to_units(self, attributions: np.ndarray) -> list[np.ndarray]:
        self.details = self._details(attributions)
        return super().to_units(attributions)

    def _details(self, attributions: np.ndarray) -> dict[str, dict[str, Any]]:
        """Per text column, tokens and their attributions; per image column, pixel
        maps; members' shares summed."""
        details: dict[str, dict[str, Any]] = {}
        n = len(attributions)
        for spec, start, stop in self.slices:
            column = str(spec["column"])
            values = attributions[:, start:stop]
            if spec["kind"] == "pixels":
                height, width = spec["image_size"]
                maps = values.reshape(n, height, width, -1).sum(axis=-1)
                entry = details.setdefault(
                    column,
                    {
                        "kind": "image",
                        "maps": 0,
                        "images": list(self.images[spec["column"]]),
                    },
                )
                entry["maps"] = entry["maps"] + maps
                continue
            encoder = self.encoders.encoders_[spec["column"]]
            texts = self.texts[spec["column"]]
            if spec["kind"] == "tokens":
                length = spec["length"]
                tokens = [encoder.tokens(t)[:length] for t in texts]
                per_position = values.reshape(n, length, -1).sum(axis=-1)
                shares = [
                    p[: len(t)] for p, t in zip(per_position, tokens, strict=True)
                ]
            else:
                pairs = [_ngram_tokens(encoder.vectorizer_, t) for t in texts]
                tokens = [t for t, _ in pairs]
                shares = [m @ v for (_, m), v in zip(pairs, values, strict=True)]
            entry = details.setdefault(
                column, {"kind": "text", "tokens": tokens, "values": None}
            )
            if entry["values"] is None:
                entry["values"] = shares
            else:
                entry["values"] = [
                    a + b for a, b in zip(entry["values"], shares, strict=True)
                ]
        for entry in details.values():
            if entry["kind"] == "image":
                entry["maps"] = list(np.asarray(entry["maps"], dtype=np.float32))
            else:
                entry["values"] = [np.asarray(v, np.float32) for v in entry["values"]]
        return details


def _table_sources(preprocessor: Any, embedded: bool) -> list[Any]:
    """The user column behind each entry of a tabular representation: the
    preprocessed columns, with each category code widened to its embedding."""
    sources = preprocessor.source_columns()
    if not embedded or not preprocessor.cardinalities_:
        return sources
    from autodeep._layers import embedding_size

    n_codes = len(preprocessor.cardinalities_)
    dense, codes = sources[: len(sources) - n_codes], sources[len(sources) - n_codes :]
    widths = [embedding_size(c) for c in preprocessor.cardinalities_]
    return dense + [c for c, w in zip(codes, widths, strict=True) for _ in range(w)]


def _embedding_or_input(model: Any) -> Representation:
    """What a network's explanations differentiate: its embedding of category codes
    or token ids where it has one, else its (float) input."""
    return "input" if model_parts(model).embedding is None else "embedding"


def _position_table(probe: Probe) -> Any:
    """The position embeddings a member adds to its tokens (None: it adds none)."""
    from autodeep._layers import PositionEmbedding

    embedding = probe.model_parts.embedding
    if isinstance(embedding, PositionEmbedding):
        return embedding.position_embeddings
    return None


def _position_reference(probe: Probe, length: int) -> np.ndarray:
    """A member's default baseline: its position embeddings, or zeros without any."""
    table = _position_table(probe)
    if table is None:
        return np.zeros((length, int(probe.width or 0)), np.float32)
    positions = keras.ops.convert_to_numpy(table)
    return positions[:length].astype(np.float32)


def _ngram_tokens(
    vectorizer: Any, text: str
) -> tuple[list[str], scipy.sparse.csr_matrix]:
    """The tokens of ``text`` and a (tokens, features) matrix sharing each n-gram out.

    An n-gram's attribution goes in equal parts to each of its occurrences and, within
    one occurrence, to each token it covers, so token attributions keep the total.
    """
    vocabulary = vectorizer.vocabulary_
    text = vectorizer.build_preprocessor()(text)
    if vectorizer.analyzer == "word":
        tokens = vectorizer.build_tokenizer()(text)
        low, high = vectorizer.ngram_range
        occurrences = [
            (vocabulary[gram], range(start, start + n))
            for n in range(low, high + 1)
            for start in range(len(tokens) - n + 1)
            if (gram := " ".join(tokens[start : start + n])) in vocabulary
        ]
    else:  # char_wb: a word's character n-grams belong to that word
        tokens = text.split()
        analyze = vectorizer.build_analyzer()
        occurrences = [
            (vocabulary[gram], range(index, index + 1))
            for index, word in enumerate(tokens)
            for gram in analyze(word)
            if gram in vocabulary
        ]
    counts: dict[int, int] = {}
    for feature, _ in occurrences:
        counts[feature] = counts.get(feature, 0) + 1
    spread = scipy.sparse.lil_matrix((len(tokens), len(vocabulary)), dtype=np.float32)
    for feature, covered in occurrences:
        for token in covered:
            spread[token, feature] += 1.0 / (len(covered) * counts[feature])
    return tokens, spread.tocsr()


def subject_class(estimator: Any) -> type[Subject]:
    """The subject class for an estimator's modality."""
    from autodeep._image import _ImageMixin
    from autodeep._text import _TextMixin

    if is_multimodal(getattr(estimator, "column_types_", {})):
        return MultimodalSubject
    if isinstance(estimator, _ImageMixin):
        return ImageSubject
    if isinstance(estimator, _TextMixin):
        return TextSubject
    return TabularSubject


def make_subject(estimator: Any, X: Any) -> Subject:
    """The subject for a fitted estimator's modality (its rows ``X``)."""
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator, "model_")
    return subject_class(estimator)(estimator, X)
