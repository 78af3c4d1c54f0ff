"""Column handling for tabular data, built from scikit-learn transformers.

Each column is typed once, at fit time: numeric, datetime or categorical (object,
``category``, string and bool columns). Datetimes become numeric features; numeric
features are imputed (median, with a missing-value indicator) and scaled; categorical
columns with few categories are one-hot encoded and the others become integer codes that
feed a Keras ``Embedding`` (:class:`autodeep._layers.CategoryEmbedding`). The output is one
dense float32 matrix whose trailing ``len(cardinalities_)`` columns are those codes.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (
    MinMaxScaler,
    OneHotEncoder,
    OrdinalEncoder,
    QuantileTransformer,
    RobustScaler,
    StandardScaler,
)
from sklearn.utils.validation import check_is_fitted

from autodeep.preprocessing._schema import (
    check_columns,
    check_unique_columns,
    column_kind,
    value_type,
)

SCALERS = ("standard", "minmax", "robust", "quantile", "robust_clip")
MISSING_CATEGORY = "<missing>"
DATETIME_PARTS = ("elapsed_days", "year", "month", "day", "dayofweek", "hour")
# Bins per numeric feature for piecewise-linear encodings (``bin_edges_``).
BINS = 16


def as_frame(X: Any) -> pd.DataFrame:
    """A DataFrame view of ``X``; arrays get the column names ``"0" .. "n-1"``."""
    if isinstance(X, pd.DataFrame):
        check_unique_columns(X)
        return X
    array = np.asarray(X)
    return pd.DataFrame(array, columns=[str(i) for i in range(array.shape[1])])


def make_scaler(scaler: str | None, n_samples: int) -> Any:
    """The scikit-learn scaler that ``scaler=`` names (``None`` passes values through)."""
    if scaler is None:
        return "passthrough"
    if scaler == "standard":
        return StandardScaler()
    if scaler == "minmax":
        return MinMaxScaler()
    if scaler == "robust":
        return RobustScaler()
    if scaler == "quantile":
        return QuantileTransformer(
            n_quantiles=max(2, min(1000, n_samples)), output_distribution="normal"
        )
    if scaler == "robust_clip":
        return RobustClipScaler()
    raise ValueError(f"scaler must be one of {[*SCALERS, None]}; got {scaler!r}.")


class RobustClipScaler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Center on the median, divide by the interquartile range, then squash outliers
    smoothly: ``z / sqrt(1 + (z / 3) ** 2)`` keeps values near the middle almost as
    they are and maps the tails into ``(-3, 3)``.

    A column whose quartiles coincide (mostly one value) is divided by half its range
    instead, and a constant column by 1.

    Attributes
    ----------
    center_, scale_ : ndarray of shape (n_features,)
    """

    def fit(self, X: Any, y: Any = None) -> RobustClipScaler:
        values = np.asarray(X, dtype=np.float64)
        low, self.center_, high = np.nanpercentile(values, [25, 50, 75], axis=0)
        spread = np.nanmax(values, axis=0) - np.nanmin(values, axis=0)
        scale = np.where(high > low, high - low, spread / 2)
        self.scale_ = np.where(scale > 0, scale, 1.0)
        self.n_features_in_ = values.shape[1]
        return self

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "scale_")
        z = (np.asarray(X, dtype=np.float64) - self.center_) / self.scale_
        return z / np.sqrt(1 + (z / 3) ** 2)


class TabularPreprocessor(TransformerMixin, BaseEstimator):
    """Turn a DataFrame or array into the float32 matrix an autodeep MLP reads.

    Parameters
    ----------
    scaler : {"standard", "minmax", "robust", "quantile", "robust_clip"} or None, \
default="standard"
        How numeric (and datetime-derived) features are scaled after imputation;
        ``"robust_clip"`` is :class:`RobustClipScaler`.
    max_onehot_categories : int, default=10
        Categorical columns with at most this many categories (missing counts as one)
        are one-hot encoded; columns with more become embedding codes.
    column_kinds : dict or None, default=None
        Column name to ``"numeric"``, ``"categorical"`` or ``"datetime"``, for the
        columns whose kind is not the one their dtype gives (numeric zip codes read as
        categories, dates kept as text). Those columns are not compared with their fit
        dtype at transform.

    Attributes
    ----------
    column_kinds_ : dict
        Original column name to ``"numeric"``, ``"datetime"`` or ``"categorical"``.
    column_types_ : dict
        Original column name to ``(values, dtype)``: what the values were
        (``"numbers"``, ``"text"``, ``"booleans"``, ...) and the dtype, as strings.
        ``transform`` warns, naming the column and the fix, when a column holds
        another kind of values than at fit (such as integer codes for text labels,
        which would all be unseen categories).
    cardinalities_ : list of int
        Number of known categories of each embedding-code column, in output order.
    n_features_out_ : int
        Width of the output matrix.
    categorical_columns_ : list of int
        Output columns that come from categorical columns (one-hot and codes).
    n_continuous_ : int
        The output's first ``n_continuous_`` columns are the scaled numeric (and
        datetime-derived) values; missing-value indicators, one-hot columns and
        codes follow them.
    bin_edges_ : list of list of float
        For each of those columns, the edges of up to 16 bins of its scaled training
        values (quantiles), for networks that encode numbers piecewise-linearly.

    Examples
    --------
    >>> import pandas as pd
    >>> from autodeep.preprocessing import TabularPreprocessor
    >>> X = pd.DataFrame({"age": [30, None, 50], "city": ["a", "b", None]})
    >>> TabularPreprocessor().fit_transform(X).shape
    (3, 5)
    """

    def __init__(
        self,
        scaler: str | None = "standard",
        max_onehot_categories: int = 10,
        column_kinds: dict[Any, str] | None = None,
    ):
        self.scaler = scaler
        self.max_onehot_categories = max_onehot_categories
        self.column_kinds = column_kinds

    def fit(self, X: Any, y: Any = None) -> TabularPreprocessor:
        frame = as_frame(X)
        given = self.column_kinds or {}
        self.column_kinds_ = {
            col: given.get(col) or column_kind(frame[col]) for col in frame.columns
        }
        self.column_types_ = {
            col: (value_type(frame[col]), str(frame[col].dtype))
            for col in frame.columns
        }
        normalized = self._normalize(frame)
        categorical = [c for c, k in self.column_kinds_.items() if k == "categorical"]
        names = [str(c) for c in categorical]
        few = [
            c for c in names if normalized[c].nunique() <= self.max_onehot_categories
        ]
        many = [c for c in names if c not in few]
        numeric = [c for c in normalized.columns if c not in names]
        steps = [
            ("impute", SimpleImputer(strategy="median", add_indicator=True)),
            ("scale", make_scaler(self.scaler, len(frame))),
        ]
        self.column_transformer_ = ColumnTransformer(
            [
                ("numeric", Pipeline(steps), numeric),
                ("onehot", _onehot(), few),
                ("codes", _ordinal(), many),
            ],
            sparse_threshold=0.0,
        )
        self.column_transformer_.fit(normalized)
        codes = self.column_transformer_.named_transformers_["codes"]
        self.cardinalities_ = [len(c) for c in getattr(codes, "categories_", [])]
        self.n_features_out_ = int(self.transform(frame.iloc[:1]).shape[1])
        onehot = self.column_transformer_.named_transformers_["onehot"]
        n_onehot = sum(len(c) for c in getattr(onehot, "categories_", []))
        first = self.n_features_out_ - n_onehot - len(self.cardinalities_)
        self.categorical_columns_ = list(range(first, self.n_features_out_))
        imputer = self.column_transformer_.named_transformers_["numeric"]
        self.n_continuous_ = (
            int((~np.isnan(imputer.named_steps["impute"].statistics_)).sum())
            if numeric
            else 0
        )
        # The scaled numbers alone (the numeric pipeline, as transform's float32), not
        # a second transform of the whole frame.
        scaled = imputer.transform(normalized[numeric]) if numeric else np.empty((0, 0))
        continuous = np.asarray(scaled, dtype=np.float32)[:, : self.n_continuous_]
        self.bin_edges_ = [quantile_edges(column) for column in continuous.T]
        return self

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "column_transformer_")
        frame = as_frame(X)
        given = self.column_kinds or {}
        check_columns(
            frame,
            {c: k for c, k in self.column_kinds_.items() if c not in given},
            getattr(self, "column_types_", None),  # absent in older saved models
            self._categories,
        )
        normalized = self._normalize(frame)
        return np.asarray(
            self.column_transformer_.transform(normalized), dtype=np.float32
        )

    def source_columns(self) -> list[Any]:
        """The original column behind each output column, in output order.

        Datetime parts, missing-value indicators and one-hot columns all map back to
        the column they came from, so explanations can be summed per user column.
        """
        check_is_fitted(self, "column_transformer_")
        origin = {}
        for column, kind in self.column_kinds_.items():
            parts = DATETIME_PARTS if kind == "datetime" else (None,)
            for part in parts:
                origin[str(column) if part is None else f"{column}__{part}"] = column
        sources: list[Any] = []
        transformers = self.column_transformer_.named_transformers_
        for name, _, names in self.column_transformer_.transformers_:
            if name == "numeric" and names:
                imputer = transformers[name].named_steps["impute"]
                kept = ~np.isnan(imputer.statistics_)  # all-missing columns are dropped
                sources += [origin[n] for n, k in zip(names, kept, strict=True) if k]
                indicator = imputer.indicator_
                if indicator is not None:
                    sources += [origin[names[i]] for i in indicator.features_]
            elif name == "onehot" and names:
                categories = transformers[name].categories_
                for column, values in zip(names, categories, strict=True):
                    sources += [origin[column]] * len(values)
            elif name == "codes":
                sources += [origin[column] for column in names]
        return sources

    def _categories(self) -> dict[str, list[str]]:
        """The fit categories of each categorical column, as text."""
        known: dict[str, list[str]] = {}
        for name, encoder, names in self.column_transformer_.transformers_:
            if name in ("onehot", "codes") and len(names):
                for column, values in zip(names, encoder.categories_, strict=True):
                    known[column] = [str(value) for value in values]
        return known

    def _normalize(self, frame: pd.DataFrame) -> pd.DataFrame:
        """One plain column per numeric feature, strings (no NaN) per categorical."""
        columns: dict[str, Any] = {}
        for col, kind in self.column_kinds_.items():
            series = frame[col]
            if kind == "numeric":
                columns[str(col)] = series.to_numpy(dtype="float64", na_value=np.nan)
            elif kind == "datetime":
                columns.update(_datetime_features(str(col), series))
            else:
                columns[str(col)] = category_text(series)
        return pd.DataFrame(columns, index=frame.index)


def quantile_edges(values: np.ndarray, bins: int = BINS) -> list[float]:
    """Edges of up to ``bins`` bins holding about as many of ``values`` each (fewer
    when values repeat; ``[v, v + 1]`` for a constant column)."""
    edges = np.unique(
        np.quantile(values.astype(np.float64), np.linspace(0, 1, bins + 1))
    )
    if len(edges) < 2:
        edges = np.array([edges[0], edges[0] + 1.0])
    return [float(e) for e in edges]


def category_text(series: pd.Series) -> np.ndarray:
    """A categorical column's values as the text its categories are kept in:
    ``str(value)``, and ``"<missing>"`` where the value is missing."""
    text = series.astype(object).map(str).to_numpy(dtype=object)
    text[series.isna().to_numpy()] = MISSING_CATEGORY
    return text


def utc_times(series: pd.Series) -> pd.Series:
    """A datetime column (or text read as dates) as UTC times; NaT where a value is
    missing or unreadable, and naive times count as UTC."""
    with warnings.catch_warnings():
        # Text that is not dates is already named by check_columns at transform.
        warnings.filterwarnings("ignore", "Could not infer format", UserWarning)
        return pd.to_datetime(series, errors="coerce", utc=True)


def _onehot() -> OneHotEncoder:
    return OneHotEncoder(handle_unknown="ignore", sparse_output=False, dtype=np.float32)


def _ordinal() -> OrdinalEncoder:
    return OrdinalEncoder(
        handle_unknown="use_encoded_value", unknown_value=-1, dtype=np.float32
    )


def _datetime_features(name: str, series: pd.Series) -> dict[str, np.ndarray]:
    values = utc_times(series).dt.tz_localize(None)
    epoch = pd.Timestamp("1970-01-01")
    parts = {
        "elapsed_days": (values - epoch) / pd.Timedelta(days=1),
        "year": values.dt.year,
        "month": values.dt.month,
        "day": values.dt.day,
        "dayofweek": values.dt.day_of_week,
        "hour": values.dt.hour,
    }
    return {
        f"{name}__{part}": pd.Series(parts[part]).to_numpy(
            dtype="float64", na_value=np.nan
        )
        for part in DATETIME_PARTS
    }
