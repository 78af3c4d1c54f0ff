"""Tabular input: checks for DataFrames and arrays, and the engine plan (MLP space)."""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Integral
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import validate_data

from autodeep._params import (
    CLASSIFIER_CONSTRAINTS,
    RESAMPLER_NAMES,
    SCALER_NAMES,
    Constraints,
    resampling_constraints,
)


class _TabularMixin:
    """Input checks and the engine plan for tabular data (DataFrames and arrays)."""

    scaler: str | None
    max_onehot_categories: int
    search_space: dict[str, Any] | None
    reference_model: bool
    column_types: dict[Any, str] | None
    _modality_constraints: ClassVar[Constraints] = {
        "column_types": [dict, None],
        "scaler": [StrOptions(set(SCALER_NAMES)), None],
        # 0: every categorical column is embedded.
        "max_onehot_categories": [Interval(Integral, 0, None, closed="left")],
        "reference_model": ["boolean"],
    }
    _classifier_constraints: ClassVar[Constraints] = {
        **CLASSIFIER_CONSTRAINTS,
        **resampling_constraints(RESAMPLER_NAMES),
    }
    # cv="auto" cross-validates small tables (measured; see autodeep._folds).
    _small_data_folds = True

    def _validate_X(self, X: Any, reset: bool) -> Any:
        from autodeep.preprocessing._schema import check_unique_columns

        if isinstance(X, pd.DataFrame):
            check_unique_columns(X)  # scikit-learn's name checks fail on repeats
            try:
                validate_data(self, X=X, reset=reset, skip_check_array=True)
            except ValueError as error:
                if "feature names should match" not in str(error):
                    raise
                raise ValueError(
                    f"{error}Pass the columns seen at fit, in the same order: "
                    "X = X[model.feature_names_in_] (add any missing column back, "
                    "with NaN where its values are unknown)."
                ) from error
            _check_frame(X, type(self).__name__)
            return X
        try:
            return validate_data(
                self, X=X, reset=reset, dtype="numeric", ensure_all_finite="allow-nan"
            )
        except ValueError as error:
            if "could not convert" in str(error):
                raise ValueError(
                    f"{error}. Arrays must be numeric; pass a pandas DataFrame to use "
                    "categorical (text) columns."
                ) from error
            raise

    def _inspect(self, X: Any) -> dict[str, Any]:
        """Each column's kind (``column_types_``); text and image columns are checked
        now, before any training, and image columns' sizes read (``image_sizes_``)."""
        from autodeep._multimodal import inspect_frame, is_multimodal
        from autodeep.preprocessing.columns import detect_column_types
        from autodeep.preprocessing.tabular import as_frame

        frame = as_frame(X)
        types = detect_column_types(frame, self.column_types)
        inspected: dict[str, Any] = {"column_types_": types}
        if is_multimodal(types):
            sizes = inspect_frame(frame, types, self)
            if sizes:
                inspected["image_sizes_"] = sizes
        return inspected

    def _describe_inputs(self, inspected: Mapping[str, Any], X: Any) -> list[str]:
        from autodeep._multimodal import is_multimodal
        from autodeep.preprocessing.columns import describe_column_types
        from autodeep.preprocessing.tabular import as_frame

        types = inspected["column_types_"]
        if not (is_multimodal(types) or self.column_types):
            return []  # a plain table: nothing a user would not expect
        return [describe_column_types(types, as_frame(X), self.column_types)]

    def _plan(self, task: Any, inspected: Mapping[str, Any]) -> Any:
        from autodeep._multimodal import is_multimodal, multimodal_plan
        from autodeep._plan import Plan, class_labels
        from autodeep._reference import make_reference
        from autodeep._tasks import Classification
        from autodeep.preprocessing.imbalance import make_resampler, use_class_weight
        from autodeep.preprocessing.tabular import TabularPreprocessor
        from autodeep.search_spaces import apply_overrides, mlp_space
        from autodeep.search_spaces.tabular import MLP_DEFAULTS

        types = inspected["column_types_"]
        if is_multimodal(types):
            return multimodal_plan(self, task, inspected)
        # Kinds the user set (numeric zip codes as categories, say).
        frame_kinds = dict(self.column_types or {})

        def make_preprocessor() -> TabularPreprocessor:
            return TabularPreprocessor(
                self.scaler, self.max_onehot_categories, frame_kinds or None
            )

        plan = Plan(
            task=task,
            space=apply_overrides(
                mlp_space(classification=isinstance(task, Classification)),
                self.search_space,
            ),
            default_params=MLP_DEFAULTS,
            make_preprocessor=make_preprocessor,
            build_model=_build_tabular_model,
            reference=make_reference if self.reference_model else None,
        )
        resampling = getattr(self, "resampling", None)
        if resampling is not None:
            plan.make_resampler = lambda pre, seed: make_resampler(
                resampling, pre.categorical_columns_, pre.n_features_out_, seed
            )
        use_class_weight(plan, getattr(self, "class_weight", None), class_labels(task))
        return plan


def _build_tabular_model(
    params: Mapping[str, Any], preprocessor: Any, task: Any
) -> Any:
    from autodeep.search_spaces.tabular import build_mlp

    return build_mlp(
        params,
        preprocessor.n_features_out_,
        preprocessor.cardinalities_,
        task.n_outputs,
        task.output_activation,
        n_continuous=preprocessor.n_continuous_,
        bin_edges=getattr(preprocessor, "bin_edges_", None),
    )


def _check_frame(X: pd.DataFrame, name: str) -> None:
    if X.shape[0] == 0:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={X.shape}) while a minimum of 1 is "
            f"required by {name}."
        )
    if X.shape[1] == 0:
        raise ValueError(
            f"Found array with 0 feature(s) (shape={X.shape}) while a minimum of 1 is "
            f"required by {name}."
        )
    numeric = X.select_dtypes("number")
    infinite = [
        c for c in numeric.columns if np.isinf(numeric[c].to_numpy(float)).any()
    ]
    if infinite:
        raise ValueError(
            f"Column(s) {infinite} contain infinity. Replace it with NaN (autodeep imputes "
            "missing values) or with a finite value."
        )
