"""Text input: checks for strings, and the engine plan (families from n-grams to
Transformers, with vectorization fit on each trial's training texts)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
from sklearn.utils.validation import check_is_fitted

from autodeep._params import (
    CLASSIFIER_CONSTRAINTS,
    ROW_RESAMPLER_NAMES,
    Constraints,
    resampling_constraints,
)
from autodeep.search_spaces.text import VECTORIZER_KEYS

SMOTE_ON_TEXT = (
    "resampling='smote' is not available for text: SMOTE interpolates between "
    "numeric feature vectors, and texts are not vectors until a trial's vectorizer "
    "makes them so. Use resampling='random_over' (or 'random_under') or "
    "class_weight='balanced'."
)
# The parameters a trial's vectorization depends on (the rest only shape the network).
ENCODING_KEYS = (*VECTORIZER_KEYS, "augment", "augment_strength")


class _TextMixin:
    """Input checks and the engine plan for text."""

    augmentation: bool
    search_space: dict[str, Any] | None
    _modality_constraints: ClassVar[Constraints] = {"augmentation": ["boolean"]}
    _classifier_constraints: ClassVar[Constraints] = {
        **CLASSIFIER_CONSTRAINTS,
        **resampling_constraints(ROW_RESAMPLER_NAMES),
    }
    _parameter_refusals: ClassVar[dict[str, dict[str, str]]] = {
        "resampling": {"smote": SMOTE_ON_TEXT}
    }

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()  # type: ignore[misc]
        # Texts, not a 2-D array: scikit-learn's check suite skips such estimators (as it
        # does its own text vectorizers); tests/test_text.py covers the contract.
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.input_tags.allow_nan = False
        return tags

    def _validate_X(self, X: Any, reset: bool) -> Any:
        from autodeep.preprocessing.text import check_texts

        # At fit, texts without a word (empty, missing or only whitespace) fail here,
        # before the search, rather than in every trial's vectorizer.
        texts = check_texts(X, require_text=reset)
        if not reset:
            check_is_fitted(self, "preprocessor_")
        return texts

    def _plan(self, task: Any, inspected: Mapping[str, Any]) -> Any:
        from autodeep._plan import Plan, class_labels
        from autodeep.preprocessing.imbalance import (
            use_class_weight,
            use_row_resampling,
        )
        from autodeep.preprocessing.text import TextPreprocessor
        from autodeep.search_spaces import apply_overrides
        from autodeep.search_spaces.text import TEXT_DEFAULTS, text_space

        plan = Plan(
            task=task,
            space=apply_overrides(
                text_space(bool(self.augmentation)), self.search_space
            ),
            default_params=TEXT_DEFAULTS,
            make_preprocessor=TextPreprocessor,
            build_model=_build_text_model,
            encode=_encode_texts,
            encoding_keys=ENCODING_KEYS,
        )
        use_row_resampling(plan, getattr(self, "resampling", None))
        use_class_weight(plan, getattr(self, "class_weight", None), class_labels(task))
        return plan


def make_encoder(params: Mapping[str, Any]) -> Any:
    """The vectorizer a configuration asks for (not fitted)."""
    from autodeep.preprocessing.text import NgramEncoder, SequenceEncoder

    if params["family"] == "ngrams":
        return NgramEncoder(
            max_tokens=int(params["max_tokens"]),
            ngram_max=int(params["ngram_max"]),
            analyzer=params["analyzer"],
            standardize=params["standardize"],
        )
    return SequenceEncoder(
        max_tokens=int(params["max_tokens"]),
        sequence_length=int(params["sequence_length"]),
        standardize=params["standardize"],
    )


def _encode_texts(params: Mapping[str, Any], stage: Any, X_val: Any, seed: int) -> Any:
    """Fit the trial's vectorizer on the training texts only, then vectorize.

    With ``augment``, the training part also gets a copy of each text with tokens
    randomly deleted and swapped; the validation part is never augmented.
    """
    from sklearn.pipeline import Pipeline

    from autodeep._plan import Encoded
    from autodeep.preprocessing.text import augment_texts

    encoder = make_encoder(params).fit(stage.X)
    texts, y = stage.X, stage.y
    if params.get("augment"):
        strength = float(params["augment_strength"])
        extra = augment_texts(
            texts, np.random.default_rng(seed), deletion=strength, swap=strength
        )
        texts, y = np.concatenate([texts, extra]), np.concatenate([y, y])
    preprocessor = Pipeline([("texts", stage.preprocessor), ("vectorizer", encoder)])
    return Encoded(
        preprocessor=preprocessor,
        X=encoder.transform(texts),
        y=y,
        X_val=None if X_val is None else encoder.transform(X_val),
    )


def _build_text_model(params: Mapping[str, Any], preprocessor: Any, task: Any) -> Any:
    from autodeep.search_spaces.text import build_text_model

    encoder = preprocessor[-1]
    length = (
        encoder.n_features_out_
        if params["family"] == "ngrams"
        else encoder.sequence_length_
    )
    return build_text_model(
        params,
        encoder.vocabulary_size_,
        length,
        task.n_outputs,
        task.output_activation,
    )
