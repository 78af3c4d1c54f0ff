"""The public estimators: thin classes that pick preprocessing, search space and head."""

from __future__ import annotations

from typing import Any, ClassVar

from sklearn.base import ClassifierMixin, RegressorMixin

from autodeep._base import AutoDeepEstimator
from autodeep._docs import (
    _COMMON_DOC,
    _FITTED_DOC,
    _IMAGE_DOC,
    _IMAGE_INPUT_DOC,
    _IMBALANCE_DOC,
    _TABULAR_DOC,
    _TEXT_DOC,
    _TEXT_INPUT_DOC,
)
from autodeep._image import _ImageMixin
from autodeep._params import Constraints
from autodeep._registry import ESTIMATORS
from autodeep._tabular import _TabularMixin
from autodeep._targets import ClassifierTargetMixin, RegressorTargetMixin
from autodeep._text import _TextMixin


class TabularClassifier(
    ClassifierMixin, ClassifierTargetMixin, _TabularMixin, AutoDeepEstimator
):
    __doc__ = f"""Deep-learning classifier for tables, tuned by Optuna.

    Accepts DataFrames with numeric, categorical (object, ``category``, bool),
    datetime, free-text and image-path columns, with missing values anywhere, or
    numeric arrays.

    Parameters
    ----------{_COMMON_DOC}{_TABULAR_DOC}{_IMBALANCE_DOC}
    resampling : {{"smote", "random_over", "random_under"}}, sampler or None, default=None
        Resampling of the training part only (SMOTENC when there are categorical
        columns); any imbalanced-learn sampler object also works.

    Attributes
    ----------
    classes_ : ndarray
        Class labels, in their original type.{_FITTED_DOC}

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from autodeep import TabularClassifier
    >>> X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    >>> clf = TabularClassifier(max_trials=2, random_state=0, verbose=0).fit(X, y)
    >>> clf.predict(X.iloc[:3]).shape
    (3,)
    """

    _parameter_constraints: ClassVar[Constraints] = {
        **AutoDeepEstimator._parameter_constraints,
        **_TabularMixin._modality_constraints,
        **_TabularMixin._classifier_constraints,
    }

    def __init__(
        self,
        max_trials: int | None = 10,
        time_budget: float | None = None,
        max_epochs: int = 100,
        search_space: dict[str, Any] | None = None,
        pruner: str | None = "hyperband",
        scoring: Any = None,
        ensemble_size: int | None = 20,
        calibration: str | None = "temperature",
        scaler: str | None = "standard",
        max_onehot_categories: int = 10,
        reference_model: bool = True,
        column_types: dict[str, str] | None = None,
        class_weight: str | dict[Any, float] | None = None,
        resampling: Any = None,
        validation_fraction: float = 0.2,
        cv: int | str | None = "auto",
        n_iter_no_change: int = 10,
        refit: bool | str = "auto",
        tuner: str = "optuna",
        storage: Any = None,
        study_name: str | None = None,
        n_jobs: int | None = 1,
        directory: str | None = None,
        random_state: Any = None,
        verbose: int = 1,
    ) -> None:
        self.max_trials = max_trials
        self.time_budget = time_budget
        self.max_epochs = max_epochs
        self.search_space = search_space
        self.pruner = pruner
        self.scoring = scoring
        self.ensemble_size = ensemble_size
        self.calibration = calibration
        self.scaler = scaler
        self.max_onehot_categories = max_onehot_categories
        self.reference_model = reference_model
        self.column_types = column_types
        self.class_weight = class_weight
        self.resampling = resampling
        self.validation_fraction = validation_fraction
        self.cv = cv
        self.n_iter_no_change = n_iter_no_change
        self.refit = refit
        self.tuner = tuner
        self.storage = storage
        self.study_name = study_name
        self.n_jobs = n_jobs
        self.directory = directory
        self.random_state = random_state
        self.verbose = verbose


class TabularRegressor(
    RegressorMixin, RegressorTargetMixin, _TabularMixin, AutoDeepEstimator
):
    __doc__ = f"""Deep-learning regressor for tables, tuned by Optuna.

    The target is standardized for training and predictions are mapped back to its
    units.

    Parameters
    ----------{_COMMON_DOC}{_TABULAR_DOC}

    Attributes
    ----------{_FITTED_DOC}

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from autodeep import TabularRegressor
    >>> X, y = load_diabetes(return_X_y=True, as_frame=True)
    >>> reg = TabularRegressor(max_trials=2, random_state=0, verbose=0).fit(X, y)
    >>> reg.predict(X.iloc[:3]).shape
    (3,)
    """

    _parameter_constraints: ClassVar[Constraints] = {
        **AutoDeepEstimator._parameter_constraints,
        **_TabularMixin._modality_constraints,
    }

    def __init__(
        self,
        max_trials: int | None = 10,
        time_budget: float | None = None,
        max_epochs: int = 100,
        search_space: dict[str, Any] | None = None,
        pruner: str | None = "hyperband",
        scoring: Any = None,
        ensemble_size: int | None = 20,
        scaler: str | None = "standard",
        max_onehot_categories: int = 10,
        reference_model: bool = True,
        column_types: dict[str, str] | None = None,
        validation_fraction: float = 0.2,
        cv: int | str | None = "auto",
        n_iter_no_change: int = 10,
        refit: bool | str = "auto",
        tuner: str = "optuna",
        storage: Any = None,
        study_name: str | None = None,
        n_jobs: int | None = 1,
        directory: str | None = None,
        random_state: Any = None,
        verbose: int = 1,
    ) -> None:
        self.max_trials = max_trials
        self.time_budget = time_budget
        self.max_epochs = max_epochs
        self.search_space = search_space
        self.pruner = pruner
        self.scoring = scoring
        self.ensemble_size = ensemble_size
        self.scaler = scaler
        self.max_onehot_categories = max_onehot_categories
        self.reference_model = reference_model
        self.column_types = column_types
        self.validation_fraction = validation_fraction
        self.cv = cv
        self.n_iter_no_change = n_iter_no_change
        self.refit = refit
        self.tuner = tuner
        self.storage = storage
        self.study_name = study_name
        self.n_jobs = n_jobs
        self.directory = directory
        self.random_state = random_state
        self.verbose = verbose


class ImageClassifier(
    ClassifierMixin, ClassifierTargetMixin, _ImageMixin, AutoDeepEstimator
):
    __doc__ = f"""Convolutional-network classifier for images, tuned by Optuna.
{_IMAGE_INPUT_DOC}

    Parameters
    ----------{_COMMON_DOC}{_IMAGE_DOC}{_IMBALANCE_DOC}
    resampling : {{"random_over", "random_under"}}, sampler or None, default=None
        Resampling of the training part's images by repeating or dropping them. SMOTE is
        refused: interpolating raw pixels does not make real images.

    Attributes
    ----------
    classes_ : ndarray
        Class labels, in their original type.
    image_size_ : (int, int)
        Height and width the network takes.
    channels_ : int
        1 (grayscale) or 3 (colour).{_FITTED_DOC}

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from autodeep import ImageClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = ImageClassifier(max_trials=1, max_epochs=2, random_state=0, verbose=0)
    >>> clf.fit(X.reshape(-1, 8, 8), y).predict(X[:3].reshape(-1, 8, 8)).shape
    (3,)
    """

    _parameter_constraints: ClassVar[Constraints] = {
        **AutoDeepEstimator._parameter_constraints,
        **_ImageMixin._modality_constraints,
        **_ImageMixin._classifier_constraints,
    }

    def __init__(
        self,
        max_trials: int | None = 10,
        time_budget: float | None = None,
        max_epochs: int = 50,
        search_space: dict[str, Any] | None = None,
        pruner: str | None = "hyperband",
        scoring: Any = None,
        ensemble_size: int | None = 20,
        calibration: str | None = "temperature",
        augmentation: bool | dict[str, Any] = False,
        pretrained_weights: str | None = None,
        backbone: str = "mobilenet_v3_small",
        mixed_precision: bool | str = "auto",
        jit_compile: bool | str = "auto",
        class_weight: str | dict[Any, float] | None = None,
        resampling: Any = None,
        validation_fraction: float = 0.2,
        cv: int | str | None = "auto",
        n_iter_no_change: int = 10,
        refit: bool | str = "auto",
        tuner: str = "optuna",
        storage: Any = None,
        study_name: str | None = None,
        n_jobs: int | None = 1,
        directory: str | None = None,
        random_state: Any = None,
        verbose: int = 1,
    ) -> None:
        self.max_trials = max_trials
        self.time_budget = time_budget
        self.max_epochs = max_epochs
        self.search_space = search_space
        self.pruner = pruner
        self.scoring = scoring
        self.ensemble_size = ensemble_size
        self.calibration = calibration
        self.augmentation = augmentation
        self.pretrained_weights = pretrained_weights
        self.backbone = backbone
        self.mixed_precision = mixed_precision
        self.jit_compile = jit_compile
        self.class_weight = class_weight
        self.resampling = resampling
        self.validation_fraction = validation_fraction
        self.cv = cv
        self.n_iter_no_change = n_iter_no_change
        self.refit = refit
        self.tuner = tuner
        self.storage = storage
        self.study_name = study_name
        self.n_jobs = n_jobs
        self.directory = directory
        self.random_state = random_state
        self.verbose = verbose


class ImageRegressor(
    RegressorMixin, RegressorTargetMixin, _ImageMixin, AutoDeepEstimator
):
    __doc__ = f"""Convolutional-network regressor for images, tuned by Optuna.
{_IMAGE_INPUT_DOC}

    ``y`` may hold one target or several (a 2-D array, one column per target); each is
    standardized for training and predictions are mapped back to its units.

    Parameters
    ----------{_COMMON_DOC}{_IMAGE_DOC}

    Attributes
    ----------
    image_size_ : (int, int)
        Height and width the network takes.
    channels_ : int
        1 (grayscale) or 3 (colour).{_FITTED_DOC}

    Examples
    --------
    >>> import numpy as np
    >>> from autodeep import ImageRegressor
    >>> X = np.random.default_rng(0).integers(0, 255, (64, 8, 8), dtype=np.uint8)
    >>> y = X.mean(axis=(1, 2))
    >>> reg = ImageRegressor(max_trials=1, max_epochs=2, random_state=0, verbose=0)
    >>> reg.fit(X, y).predict(X[:3]).shape
    (3,)
    """

    _multi_output = True

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        # scikit-learn's score check fits 10 unrelated columns as a 1 x 10 "image";
        # a convolution with a global-pooling head cannot tell columns apart, so its
        # R² there is poor. On real images (benchmarks/image.py) it is not.
        tags.regressor_tags.poor_score = True
        return tags

    _parameter_constraints: ClassVar[Constraints] = {
        **AutoDeepEstimator._parameter_constraints,
        **_ImageMixin._modality_constraints,
    }

    def __init__(
        self,
        max_trials: int | None = 10,
        time_budget: float | None = None,
        max_epochs: int = 50,
        search_space: dict[str, Any] | None = None,
        pruner: str | None = "hyperband",
        scoring: Any = None,
        ensemble_size: int | None = 20,
        augmentation: bool | dict[str, Any] = False,
        pretrained_weights: str | None = None,
        backbone: str = "mobilenet_v3_small",
        mixed_precision: bool | str = "auto",
        jit_compile: bool | str = "auto",
        validation_fraction: float = 0.2,
        cv: int | str | None = "auto",
        n_iter_no_change: int = 10,
        refit: bool | str = "auto",
        tuner: str = "optuna",
        storage: Any = None,
        study_name: str | None = None,
        n_jobs: int | None = 1,
        directory: str | None = None,
        random_state: Any = None,
        verbose: int = 1,
    ) -> None:
        self.max_trials = max_trials
        self.time_budget = time_budget
        self.max_epochs = max_epochs
        self.search_space = search_space
        self.pruner = pruner
        self.scoring = scoring
        self.ensemble_size = ensemble_size
        self.augmentation = augmentation
        self.pretrained_weights = pretrained_weights
        self.backbone = backbone
        self.mixed_precision = mixed_precision
        self.jit_compile = jit_compile
        self.validation_fraction = validation_fraction
        self.cv = cv
        self.n_iter_no_change = n_iter_no_change
        self.refit = refit
        self.tuner = tuner
        self.storage = storage
        self.study_name = study_name
        self.n_jobs = n_jobs
        self.directory = directory
        self.random_state = random_state
        self.verbose = verbose


class TextClassifier(
    ClassifierMixin, ClassifierTargetMixin, _TextMixin, AutoDeepEstimator
):
    __doc__ = f"""Deep-learning classifier for text, tuned by Optuna.
{_TEXT_INPUT_DOC}

    The search covers bag-of-n-grams (TF-IDF) into an MLP, token embeddings with
    average or max pooling, 1-D convolutions, bidirectional LSTM / GRU and a small
    Transformer encoder.

    Parameters
    ----------{_COMMON_DOC}{_TEXT_DOC}{_IMBALANCE_DOC}
    resampling : {{"random_over", "random_under"}}, sampler or None, default=None
        Resampling of the training part's texts by repeating or dropping them.

    Attributes
    ----------
    classes_ : ndarray
        Class labels, in their original type.{_FITTED_DOC}

    Examples
    --------
    >>> from autodeep import TextClassifier
    >>> texts = ["good film", "great acting", "bad plot", "awful film"] * 10
    >>> labels = ["pos", "pos", "neg", "neg"] * 10
    >>> clf = TextClassifier(max_trials=1, max_epochs=3, random_state=0, verbose=0)
    >>> clf.fit(texts, labels).predict(["good acting"]).shape
    (1,)
    """

    _parameter_constraints: ClassVar[Constraints] = {
        **AutoDeepEstimator._parameter_constraints,
        **_TextMixin._modality_constraints,
        **_TextMixin._classifier_constraints,
    }

    def __init__(
        self,
        max_trials: int | None = 10,
        time_budget: float | None = None,
        max_epochs: int = 30,
        search_space: dict[str, Any] | None = None,
        pruner: str | None = "hyperband",
        scoring: Any = None,
        ensemble_size: int | None = 20,
        calibration: str | None = "temperature",
        augmentation: bool = False,
        class_weight: str | dict[Any, float] | None = None,
        resampling: Any = None,
        validation_fraction: float = 0.2,
        cv: int | str | None = "auto",
        n_iter_no_change: int = 5,
        refit: bool | str = "auto",
        tuner: str = "optuna",
        storage: Any = None,
        study_name: str | None = None,
        n_jobs: int | None = 1,
        directory: str | None = None,
        random_state: Any = None,
        verbose: int = 1,
    ) -> None:
        self.max_trials = max_trials
        self.time_budget = time_budget
        self.max_epochs = max_epochs
        self.search_space = search_space
        self.pruner = pruner
        self.scoring = scoring
        self.ensemble_size = ensemble_size
        self.calibration = calibration
        self.augmentation = augmentation
        self.class_weight = class_weight
        self.resampling = resampling
        self.validation_fraction = validation_fraction
        self.cv = cv
        self.n_iter_no_change = n_iter_no_change
        self.refit = refit
        self.tuner = tuner
        self.storage = storage
        self.study_name = study_name
        self.n_jobs = n_jobs
        self.directory = directory
        self.random_state = random_state
        self.verbose = verbose


class TextRegressor(
    RegressorMixin, RegressorTargetMixin, _TextMixin, AutoDeepEstimator
):
    __doc__ = f"""Deep-learning regressor for text, tuned by Optuna.
{_TEXT_INPUT_DOC}

    The target is standardized for training and predictions are mapped back to its
    units.

    Parameters
    ----------{_COMMON_DOC}{_TEXT_DOC}

    Attributes
    ----------{_FITTED_DOC}

    Examples
    --------
    >>> from autodeep import TextRegressor
    >>> texts = ["one star", "two stars", "three stars", "four stars"] * 10
    >>> stars = [1.0, 2.0, 3.0, 4.0] * 10
    >>> reg = TextRegressor(max_trials=1, max_epochs=3, random_state=0, verbose=0)
    >>> reg.fit(texts, stars).predict(["two stars"]).shape
    (1,)
    """

    _parameter_constraints: ClassVar[Constraints] = {
        **AutoDeepEstimator._parameter_constraints,
        **_TextMixin._modality_constraints,
    }

    def __init__(
        self,
        max_trials: int | None = 10,
        time_budget: float | None = None,
        max_epochs: int = 30,
        search_space: dict[str, Any] | None = None,
        pruner: str | None = "hyperband",
        scoring: Any = None,
        ensemble_size: int | None = 20,
        augmentation: bool = False,
        validation_fraction: float = 0.2,
        cv: int | str | None = "auto",
        n_iter_no_change: int = 5,
        refit: bool | str = "auto",
        tuner: str = "optuna",
        storage: Any = None,
        study_name: str | None = None,
        n_jobs: int | None = 1,
        directory: str | None = None,
        random_state: Any = None,
        verbose: int = 1,
    ) -> None:
        self.max_trials = max_trials
        self.time_budget = time_budget
        self.max_epochs = max_epochs
        self.search_space = search_space
        self.pruner = pruner
        self.scoring = scoring
        self.ensemble_size = ensemble_size
        self.augmentation = augmentation
        self.validation_fraction = validation_fraction
        self.cv = cv
        self.n_iter_no_change = n_iter_no_change
        self.refit = refit
        self.tuner = tuner
        self.storage = storage
        self.study_name = study_name
        self.n_jobs = n_jobs
        self.directory = directory
        self.random_state = random_state
        self.verbose = verbose


# The only classes a saved artifact or a shared study may name: a fixed mapping, so that
# text read from a file or a database never picks what code runs.
ESTIMATORS.update(
    (cls.__name__, cls)
    for cls in (
        TabularClassifier,
        TabularRegressor,
        ImageClassifier,
        ImageRegressor,
        TextClassifier,
        TextRegressor,
    )
)
