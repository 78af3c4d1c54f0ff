"""The public estimators: thin classes that pick preprocessing, search space and head."""

from __future__ import annotations

from typing import Any

from sklearn.base import ClassifierMixin, RegressorMixin

from autodeep._base import (
    AutoDeepEstimator,
    ClassifierTargetMixin,
    RegressorTargetMixin,
)
from autodeep._tabular import _TabularMixin

_COMMON_DOC = """
    max_trials : int or None, default=10
        Number of configurations to try. None: as many as ``time_budget`` allows.
    time_budget : float or None, default=None
        Seconds for the whole ``fit``, refit included.
    max_epochs : int, default=100
        Most epochs one trial trains for (early stopping usually ends it sooner).
    search_space : dict or None, default=None
        Overrides of the default MLP space: a value fixes a dimension, a ``(low, high)``
        tuple sets a range, a list a set of choices, e.g.
        ``{"optimizer": "adam", "depth": (1, 3)}``. See :func:`autodeep.search_spaces.mlp_space`.
    pruner : {"hyperband", "median"} or None, default="hyperband"
        How Optuna stops unpromising trials early from their per-epoch validation loss.
    scaler : {"standard", "minmax", "robust", "quantile"} or None, default="standard"
        Scaling of numeric features (after median imputation).
    max_onehot_categories : int, default=10
        Categorical columns with more categories are embedded instead of one-hot encoded.
    validation_fraction : float, default=0.2
        Share of the training data held out to score trials.
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
        Worker processes sharing the study (-1: one per CPU core); ``max_trials``
        counts trials over all of them. Needs ``tuner="optuna"``.
    directory : str or None, default=None
        Folder for KerasTuner's project files; None uses a temporary folder removed
        after ``fit``.
    random_state : int, RandomState or None, default=None
        Seeds the split, the sampler and the networks; an int makes ``fit`` repeatable
        (with ``n_jobs=1``).
    verbose : {0, 1, 2}, default=1
        0 silent; 1 a progress bar for the search and one log line per trial; 2 also
        per-epoch Keras logs."""

_FITTED_DOC = """
    model_ : keras.Model
        The trained network.
    best_params_ : dict
        The chosen configuration.
    best_score_ : float
        Validation score (accuracy or R²) of the best trial.
    best_epochs_ : int
        Epochs the refit trained for (the best trial's best epoch).
    leaderboard_ : pandas.DataFrame
        One row per trial: state, validation score and loss, epochs, seconds, reason,
        parameters; best first.
    history_ : dict
        Per-epoch training and validation curves of the best trial.
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
    ----------{_COMMON_DOC}
    class_weight : "balanced", dict or None, default=None
        Weights of the classes in the training loss (dict keys are class labels).
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

    def __init__(
        self,
        max_trials: int | None = 10,
        time_budget: float | None = None,
        max_epochs: int = 100,
        search_space: dict[str, Any] | None = None,
        pruner: str | None = "hyperband",
        scaler: str | None = "standard",
        max_onehot_categories: int = 10,
        class_weight: str | dict[Any, float] | None = None,
        resampling: Any = None,
        validation_fraction: float = 0.2,
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
        self.scaler = scaler
        self.max_onehot_categories = max_onehot_categories
        self.class_weight = class_weight
        self.resampling = resampling
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.refit = refit
        self.tuner = tuner
        self.storage = storage
        self.study_name = study_name
        self.n_jobs = n_jobs
        self.directory = directory
        self.random_state = random_state
        self.verbose = verbose

    def _settings(self) -> Any:
        from autodeep.preprocessing.imbalance import check_resampling

        check_resampling(self.resampling)
        return super()._settings()


class TabularRegressor(
    RegressorMixin, RegressorTargetMixin, _TabularMixin, AutoDeepEstimator
):
    __doc__ = f"""Deep-learning regressor for tables, tuned by Optuna.

    The target is standardized for training and predictions are mapped back to its
    units.

    Parameters
    ----------{_COMMON_DOC}

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

    def __init__(
        self,
        max_trials: int | None = 10,
        time_budget: float | None = None,
        max_epochs: int = 100,
        search_space: dict[str, Any] | None = None,
        pruner: str | None = "hyperband",
        scaler: str | None = "standard",
        max_onehot_categories: int = 10,
        validation_fraction: float = 0.2,
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
        self.scaler = scaler
        self.max_onehot_categories = max_onehot_categories
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.refit = refit
        self.tuner = tuner
        self.storage = storage
        self.study_name = study_name
        self.n_jobs = n_jobs
        self.directory = directory
        self.random_state = random_state
        self.verbose = verbose
