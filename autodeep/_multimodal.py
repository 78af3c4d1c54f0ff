"""Frames with text or image columns: the engine plan of one network over every column.

The stage preprocessing (:class:`~autodeep.preprocessing.columns.MixedPreprocessor`)
is fit once per stage; each trial then fits its text vectorizers on the stage's
training rows (:class:`~autodeep.preprocessing.columns.ColumnEncoders`), so nothing
of the validation rows reaches a vocabulary.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

SMOTE_ON_COLUMNS = (
    "resampling={!r} is not available for a frame with text or image columns: SMOTE "
    "makes new rows by interpolating between numeric vectors, and texts and images "
    "are not vectors. Use resampling='random_over' (or 'random_under') or "
    "class_weight='balanced'."
)


def is_multimodal(column_types: Mapping[Any, str]) -> bool:
    """Whether a frame has text or image columns."""
    return any(kind in ("text", "image") for kind in column_types.values())


def multimodal_plan(estimator: Any, task: Any, inspected: Mapping[str, Any]) -> Any:
    """The engine plan for a frame with text or image columns."""
    from autodeep._plan import Plan, class_labels
    from autodeep._tasks import Classification
    from autodeep.preprocessing.columns import MixedPreprocessor
    from autodeep.preprocessing.imbalance import use_class_weight, use_row_resampling
    from autodeep.search_spaces import apply_overrides
    from autodeep.search_spaces.multimodal import (
        TEXT_ENCODING_KEYS,
        multimodal_defaults,
        multimodal_space,
    )

    types = inspected["column_types_"]
    text = "text" in types.values()
    sizes = inspected.get("image_sizes_", {})
    image_size = min(sizes.values(), key=min) if sizes else None

    def make_preprocessor() -> MixedPreprocessor:
        return MixedPreprocessor(
            dict(types), estimator.scaler, estimator.max_onehot_categories
        )

    resampling = getattr(estimator, "resampling", None)
    if (
        resampling is not None
        and "smote"
        in str(
            resampling if isinstance(resampling, str) else type(resampling).__name__
        ).lower()
    ):
        raise ValueError(SMOTE_ON_COLUMNS.format(resampling))
    has_table = any(kind not in ("text", "image") for kind in types.values())
    plan = Plan(
        task=task,
        space=apply_overrides(
            multimodal_space(
                text, image_size, classification=isinstance(task, Classification)
            ),
            estimator.search_space,
        ),
        default_params=multimodal_defaults(text, image_size is not None),
        make_preprocessor=make_preprocessor,
        build_model=_build_model,
        encode=_encode_columns,
        # Without text columns no parameter changes the encoding: a key no trial has.
        encoding_keys=TEXT_ENCODING_KEYS if text else ("text_family",),
        reference=(
            _table_reference if estimator.reference_model and has_table else None
        ),
    )
    use_row_resampling(plan, resampling)
    use_class_weight(plan, getattr(estimator, "class_weight", None), class_labels(task))
    return plan


def inspect_frame(frame: Any, column_types: Mapping[Any, str], estimator: Any):
    """Check every text and image column before training (fitting the stage
    preprocessing once on all rows); the image size of each image column."""
    from autodeep.preprocessing.columns import MixedPreprocessor

    checked = MixedPreprocessor(
        dict(column_types), estimator.scaler, estimator.max_onehot_categories
    ).fit(frame)
    return {c: tuple(p.image_size_) for c, p in checked.images_.items()}


def _encode_columns(
    params: Mapping[str, Any], stage: Any, X_val: Any, seed: int
) -> Any:
    """Fit the trial's text vectorizers on the stage's training rows, then encode."""
    from sklearn.pipeline import Pipeline

    from autodeep._plan import Encoded
    from autodeep._text import make_encoder
    from autodeep.preprocessing.columns import ColumnEncoders
    from autodeep.search_spaces.multimodal import unprefixed

    text = unprefixed(params, "text_")
    encoder = make_encoder(text) if stage.X.texts else None
    encoders = ColumnEncoders(encoder).fit(stage.X).set_layout(stage.preprocessor)
    preprocessor = Pipeline([("columns", stage.preprocessor), ("encoders", encoders)])
    return Encoded(
        preprocessor=preprocessor,
        X=encoders.transform(stage.X),
        y=stage.y,
        X_val=None if X_val is None else encoders.transform(X_val),
    )


def _build_model(params: Mapping[str, Any], preprocessor: Any, task: Any) -> Any:
    from autodeep.search_spaces.multimodal import build_multimodal

    return build_multimodal(
        params, preprocessor[-1].layout_, task.n_outputs, task.output_activation
    )


class TableReference:
    """The gradient-boosting reference on a frame's tabular columns alone (it reads
    no text or image), fit and scored on the same rows as the trials."""

    note = "on the tabular columns only"

    def __init__(self, estimator: Any) -> None:
        self.estimator = estimator

    @property
    def classes_(self) -> np.ndarray:
        return self.estimator.classes_

    def fit(self, X: Any, y: np.ndarray, **kwargs: Any) -> TableReference:
        self.estimator.fit(X.table, y, **kwargs)
        return self

    def predict(self, X: Any) -> np.ndarray:
        return self.estimator.predict(X.table)

    def predict_proba(self, X: Any) -> np.ndarray:
        return self.estimator.predict_proba(X.table)


def _table_reference(task: Any, seed: int) -> TableReference:
    from autodeep._reference import make_reference

    return TableReference(make_reference(task, seed))
