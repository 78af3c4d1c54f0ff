"""The public estimators: thin classes that pick preprocessing, search space and head."""

from __future__ import annotations

from typing import Any, ClassVar

from sklearn.base import ClassifierMixin, RegressorMixin

from autodeep._base import AutoDeepEstimator
from autodeep._image import _ImageMixin
from autodeep._params import Constraints
from autodeep._registry import ESTIMATORS
from autodeep._tabular import _TabularMixin
from autodeep._targets import ClassifierTargetMixin, RegressorTargetMixin
from autodeep._text import _TextMixin

_COMMON_DOC = """
    max_trials : int or None, default=10
        Number of configurations to try. None: as many as ``time_budget`` allows.
    time_budget : float or None, default=None
        Seconds for the whole ``fit``, refit included. At least one trial runs to the
        end of its first epoch, so a very small budget takes that long (about 2 s on
        a small table); the refit is skipped when no time is left for it.
    max_epochs : int, default=100
        Most epochs one trial trains for (early stopping usually ends it sooner).
    pruner : {"hyperband", "median"} or None, default="hyperband"
        How Optuna stops unpromising trials early from their per-epoch validation
        objective.
    scoring : str, callable or None, default=None
        What ranks epochs (early stopping) and trials, as in ``GridSearchCV``: a
        scikit-learn scorer name (``"balanced_accuracy"``, ``"roc_auc"``,
        ``"neg_mean_absolute_error"``, ...) or a callable ``scorer(estimator, X, y)``,
        evaluated on the validation part in the labels and units of ``y``. None: the
        validation loss, weighted as the training loss weighs the classes (so with
        ``class_weight="balanced"`` or resampling it is a balanced loss). ``score()``
        keeps scikit-learn's default (accuracy, R²).
    ensemble_size : int or None, default=20
        Picks of the greedy ensemble selection (with replacement) over the best trials'
        validation predictions: the model is the weighted average of the members
        picked, when that does better on validation than the best trial alone. 1 or
        None: no ensemble, the best trial only.
    validation_fraction : float, default=0.2
        Share of the training data held out to score trials (with ``cv=None``).
    cv : int, "auto" or None, default="auto"
        Cross-validation folds for the search: each trial trains once per fold and is
        scored, and the ensemble chosen, on every row's out-of-fold prediction; the
        final model is still refit on all rows. None or 1: one validation split of
        ``validation_fraction``. "auto": for tabular estimators, 5 folds when there
        are fewer than 300 training rows (where one split's validation part, under 60
        rows, ranks trials mostly by chance), else one split (measured in
        docs/benchmarks.md); for images and text, one split (not measured there).
    n_iter_no_change : int, default=10
        Early-stopping patience, in epochs without validation improvement.
    refit : bool, default=True
        Retrain the best configuration on all data; False keeps the best trial's model.
    tuner : {"optuna", "hyperband", "bayesian", "random"}, default="optuna"
        Search engine: Optuna (TPE with pruning), or one of KerasTuner's tuners. The
        same search space (and ``search_space`` overrides) drives each.
    storage : str, path or None, default=None
        Where the Optuna study lives. None: in memory. A file path: an Optuna journal
        file (or SQLite, for names ending in .db). A database URL
        (``postgresql://user@host/db``): a study that workers on other machines can
        join with ``autodeep worker``. A kept study resumes when ``fit`` runs again.
    study_name : str or None, default=None
        Name of the study in ``storage`` (default "autodeep").
    n_jobs : int or None, default=1
        Worker processes sharing the study (-1: one per CPU core; None: 1 unless in a
        ``joblib.parallel_config`` context); ``max_trials`` counts trials over all of
        them. Needs ``tuner="optuna"`` when above 1.
    directory : str or None, default=None
        Folder for KerasTuner's project files; None uses a temporary folder removed
        after ``fit``.
    random_state : int, RandomState or None, default=None
        Seeds the split, the sampler and the networks; an int makes ``fit`` repeatable
        (with ``n_jobs=1``).
    verbose : {0, 1, 2}, default=1
        0 silent; 1 a progress bar for the search and one log line per trial; 2 also
        per-epoch Keras logs."""

_TABULAR_DOC = """
    search_space : dict or None, default=None
        Overrides of the default MLP space: a value fixes a dimension, a ``(low, high)``
        tuple sets a range, a list a set of choices, e.g.
        ``{"optimizer": "adam", "depth": (1, 3)}``. See :func:`autodeep.search_spaces.mlp_space`.
    scaler : {"standard", "minmax", "robust", "quantile", "robust_clip"} or None, \
default="standard"
        Scaling of numeric features (after median imputation).
    max_onehot_categories : int, default=10
        Categorical columns with more categories are embedded instead of one-hot encoded.
    reference_model : bool, default=True
        Also fit scikit-learn's ``HistGradientBoosting*`` on the search's training part
        and score it on the same validation part with the same metric: a row with
        state ``"reference"`` in ``leaderboard_`` (and a sentence in the report) shows
        whether the network earns its keep. It is never the model ``fit`` returns."""

_IMAGE_DOC = """
    search_space : dict or None, default=None
        Overrides of the default CNN space (see :func:`autodeep.search_spaces.cnn_space`),
        e.g. ``{"block": "residual", "stages": (2, 3)}``.
    augmentation : bool or dict, default=False
        True: whether and how strongly to augment (random flip, rotation, zoom,
        translation, contrast) is searched. A dict fixes the settings, e.g.
        ``{"flip": "horizontal", "rotation": 0.1}``. Augmentation layers are part of the
        network and act in training only, never at predict time.
    pretrained_weights : str or None, default=None
        Path of a local ``keras.applications`` weights file for ``backbone``; transfer
        learning from it is then part of the search. Nothing is ever downloaded; without
        a file, backbones are left out of the space.
    backbone : str, default="mobilenet_v3_small"
        The architecture ``pretrained_weights`` belongs to.
    mixed_precision : "auto", True or False, default="auto"
        float16 computation (float32 weights); "auto" turns it on when a GPU is present.
    jit_compile : "auto", True or False, default="auto"
        XLA compilation of the training step; "auto": on when a GPU is present."""

_IMBALANCE_DOC = """
    class_weight : "balanced", dict or None, default=None
        Weights of the classes in the training loss (dict keys are class labels)."""

_FITTED_DOC = """
    model_ : keras.Model
        The trained network.
    best_params_ : dict
        The chosen configuration.
    best_score_ : float
        Validation score of the best trial: ``scoring``'s value, or accuracy (R²).
    best_epochs_ : int
        Epochs the refit trained for (the best trial's best epoch).
    leaderboard_ : pandas.DataFrame
        One row per trial: state, validation score (``val_<scoring>``, or accuracy or
        R²) and loss (weighted as in training), whether it beats a constant
        prediction, epochs, seconds, reason, parameters; best first by the search's
        objective.
    history_ : dict
        Per-epoch training and validation curves of the best trial.
    refit_history_ : dict
        Per-epoch training loss of the final model's refit on all rows (the best
        trial's configuration); empty when there was no refit (``refit=False``, or
        no time left for it) and the best trial's model was kept; None in a model
        saved by a version that did not record it.
    timings_ : dict
        Seconds: ``total``, ``search``, ``refit``, and the Keras share of them
        (``keras_build``, ``keras_train``, ``keras_predict``).
    n_features_in_ : int
        Number of input columns.
    feature_names_in_ : ndarray of str
        Column names, when X was a DataFrame."""


class TabularClassifier(
    ClassifierMixin, ClassifierTargetMixin, _TabularMixin, AutoDeepEstimator
):
    __doc__ = f"""Deep-learning classifier for tables, tuned by Optuna.

    Accepts DataFrames with numeric, categorical (object, ``category``, bool) and
    datetime columns, with missing values anywhere, or numeric arrays.

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
        scaler: str | None = "standard",
        max_onehot_categories: int = 10,
        reference_model: bool = True,
        class_weight: str | dict[Any, float] | None = None,
        resampling: Any = None,
        validation_fraction: float = 0.2,
        cv: int | str | None = "auto",
        n_iter_no_change: int = 10,
        refit: bool = True,
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
        validation_fraction: float = 0.2,
        cv: int | str | None = "auto",
        n_iter_no_change: int = 10,
        refit: bool = True,
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


_IMAGE_INPUT_DOC = """
    Images are numpy arrays shaped (n, height, width) or (n, height, width, channels),
    uint8 or float (a 2-D array (n, d) is read as n one-row images of d pixels, with a
    warning), or file paths (PNG, JPEG, ...) as a list, array or Series; paths are
    read in batches while training and predicting, never all at once (see
    :func:`autodeep.preprocessing.image.from_directory` for one folder per class).
    Pixel statistics are computed on the training part only, and the network resizes
    and normalizes its input itself."""


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
        refit: bool = True,
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
        refit: bool = True,
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


_TEXT_INPUT_DOC = """
    Texts are a list, numpy array or pandas Series of strings, or a one-column
    DataFrame; missing values and empty strings are allowed. Each trial fits its own
    vectorizer (vocabulary, n-grams, sequence length, standardization) on the training
    part only; the fitted vectorizer is saved with the model. Text is never lower-cased
    or stripped of non-ASCII characters unless the search chose that standardization."""

_TEXT_DOC = """
    search_space : dict or None, default=None
        Overrides of the default text space (see
        :func:`autodeep.search_spaces.text_space`), e.g. ``{"family": ["rnn",
        "transformer"], "sequence_length": 256}``.
    augmentation : bool, default=False
        True: random token deletion and swaps on the training part (a second, altered
        copy of each training text) become part of the search."""


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
        augmentation: bool = False,
        class_weight: str | dict[Any, float] | None = None,
        resampling: Any = None,
        validation_fraction: float = 0.2,
        cv: int | str | None = "auto",
        n_iter_no_change: int = 5,
        refit: bool = True,
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
        refit: bool = True,
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
