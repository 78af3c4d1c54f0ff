"""What every autodeep estimator shares: parameter checks, the fit driver call, target
handling, prediction, persistence hooks and pickling."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from autodeep._backend import import_keras
from autodeep._folds import folds_for
from autodeep.search import PRUNERS

SEED_MAX = 2**31 - 1


class AutoDeepEstimator(BaseEstimator):
    """Base class: subclasses define ``__init__`` and the modality hooks.

    Hooks: ``_validate_X(X, reset)`` returns the checked input and sets
    ``n_features_in_`` (and ``feature_names_in_``); ``_plan(task)`` returns the engine
    :class:`~autodeep._engine.Plan`; ``_task(y)`` returns the task and the encoded target.
    """

    # Whether cv="auto" cross-validates small data (see autodeep._folds).
    _small_data_folds = False

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    # -- fit ---------------------------------------------------------------------------

    def fit(self, X: Any, y: Any) -> AutoDeepEstimator:
        """Search architectures and hyperparameters, then refit the best on all of X.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Target values (class labels of any type for classifiers).

        Returns
        -------
        self
            The fitted estimator.
        """
        import_keras()  # first: the engine's modules import it
        from autodeep import _engine
        from autodeep._worker import Launcher

        plan, X, y_fit, settings = self._fit_inputs(X, y)
        with _verbosity(self.verbose), Launcher(self, X, y) as launch:
            result = _engine.fit(plan, X, y_fit, replace(settings, launch=launch))
        self.model_ = result.model
        self.preprocessor_ = result.preprocessor
        self.target_transform_ = result.target
        self.best_params_ = result.best_params
        self.best_score_ = result.best_score
        self.best_epochs_ = result.best_epochs
        self.leaderboard_ = result.leaderboard
        self.history_ = result.history
        self.refit_history_ = result.refit_history
        self.timings_ = result.timings
        self.n_samples_fit_ = len(y_fit)
        return self

    def _fit_inputs(self, X: Any, y: Any) -> tuple[Any, Any, np.ndarray, Any]:
        """Checked input, encoded target, engine plan and settings (fit and workers)."""
        import_keras()  # first (worker processes start here)
        settings = self._settings()
        X = self._validate_X(X, reset=True)
        y = self._validate_y(X, y)
        task, y_fit = self._task(y)
        plan = self._plan(task)
        settings = replace(
            settings,
            folds=folds_for(self.cv, len(y_fit), self._small_data_folds),
            study_attrs=(
                {} if settings.storage is None else _study_attrs(self, X, y, plan)
            ),
        )
        return plan, X, y_fit, settings

    def _settings(self) -> Any:
        from autodeep._scoring import make_scorer
        from autodeep.search import TUNERS
        from autodeep.search._types import Settings

        _check_int("max_trials", self.max_trials, allow_none=True)
        _check_int("max_epochs", self.max_epochs)
        _check_int("n_iter_no_change", self.n_iter_no_change)
        _check_int("ensemble_size", self.ensemble_size, allow_none=True)
        if self.time_budget is not None and not (
            isinstance(self.time_budget, (int, float)) and self.time_budget > 0
        ):
            raise ValueError(
                f"time_budget must be a positive number of seconds or None; got "
                f"{self.time_budget!r}."
            )
        if self.max_trials is None and self.time_budget is None:
            raise ValueError(
                "Set max_trials, time_budget or both: the search needs a limit."
            )
        if self.cv not in (None, "auto"):
            _check_int("cv", self.cv)
        if not 0 < self.validation_fraction < 1:
            raise ValueError(
                f"validation_fraction must be between 0 and 1; got {self.validation_fraction!r}."
            )
        if self.pruner not in PRUNERS:
            raise ValueError(
                f"pruner must be one of {list(PRUNERS)}; got {self.pruner!r}."
            )
        if self.verbose not in (0, 1, 2):
            raise ValueError(f"verbose must be 0, 1 or 2; got {self.verbose!r}.")
        if self.tuner not in TUNERS:
            raise ValueError(
                f"tuner must be one of {list(TUNERS)}; got {self.tuner!r}."
            )
        make_scorer(self.scoring)  # a bad scoring fails here, early
        if self.storage is not None and callable(self.scoring):
            raise ValueError(
                "A persistent study (storage=) records scoring by name, so that every "
                "worker and every resumed fit ranks trials alike; pass a scorer name "
                "such as 'balanced_accuracy' rather than a callable."
            )
        n_jobs = _n_jobs(self.n_jobs)
        if n_jobs > 1 and self.tuner != "optuna":
            raise ValueError(
                f"n_jobs={self.n_jobs!r} needs tuner='optuna': KerasTuner searches run "
                "in one process here. Use tuner='optuna' for parallel search."
            )
        if self.storage is not None and self.tuner != "optuna":
            raise ValueError(
                "storage= keeps an Optuna study; with a KerasTuner tuner, use "
                "directory= to keep its project files."
            )
        if self.storage is not None or n_jobs > 1:
            from autodeep.search._storage import make_storage

            make_storage(self.storage, n_jobs)  # a bad storage fails here, early
        seed = int(check_random_state(self.random_state).randint(SEED_MAX))
        return Settings(
            max_trials=self.max_trials,
            time_budget=self.time_budget,
            max_epochs=self.max_epochs,
            n_iter_no_change=self.n_iter_no_change,
            validation_fraction=self.validation_fraction,
            pruner=self.pruner,
            refit=bool(self.refit),
            seed=seed,
            deterministic=self.random_state is not None,
            verbose=self.verbose,
            tuner=self.tuner,
            scoring=self.scoring,
            ensemble_size=self.ensemble_size or 1,
            storage=self.storage,
            study_name=self.study_name,
            n_jobs=n_jobs,
            directory=self.directory,
        )

    def _validate_y(self, X: Any, y: Any) -> np.ndarray:
        if y is None:
            raise ValueError(
                f"This {type(self).__name__} estimator requires y to be passed, but the "
                "target y is None."
            )
        if getattr(self, "_multi_output", False) and np.asarray(y).ndim == 2:
            y = np.asarray(y)  # several targets, one column each
        else:
            y = column_or_1d(y, warn=True)
        if len(y) != len(X):
            raise ValueError(
                f"X and y have different lengths: X has {len(X)} rows, y has {len(y)}. "
                "Pass one target value per row of X."
            )
        missing = np.flatnonzero(pd.isna(y).reshape(len(y), -1).any(axis=1))
        if len(missing):
            raise ValueError(
                f"y has {len(missing)} missing value(s) (NaN or None), first at row(s) "
                f"{missing[:5].tolist()}. Drop those rows or fill in their target."
            )
        if len(y) < 2:
            raise ValueError(
                f"Found {len(y)} sample(s); autodeep needs at least 2 samples (got 1 "
                "sample) to hold out a validation part."
            )
        return y

    # -- predict -----------------------------------------------------------------------

    def _outputs(self, X: Any) -> np.ndarray:
        from autodeep._training import predict_array

        check_is_fitted(self, "model_")
        X = self._validate_X(X, reset=False)
        return predict_array(self.model_, self.preprocessor_.transform(X))

    # -- explanations ------------------------------------------------------------------

    def explain(
        self, X: Any, method: str = "auto", target: Any = None, **settings: Any
    ) -> Any:
        """Attribute each row's prediction to its columns, tokens or pixels.

        Parameters
        ----------
        X : rows like those passed to ``fit``
            What to explain (keep it to tens or hundreds of rows: each row costs a
            few dozen passes through the network).
        method : str, default="auto"
            ``"saliency"``, ``"gradient_x_input"``, ``"smoothgrad"``,
            ``"integrated_gradients"``, ``"gradcam"`` (convolutional image models) or
            ``"occlusion"``; ``"auto"`` is Grad-CAM for image models and integrated
            gradients otherwise.
        target : label, labels, int or None, default=None
            The class to explain (default: the predicted one) or, for regressors, the
            output index (default 0).
        **settings
            The method's settings; see :func:`autodeep.explain.explain`.

        Returns
        -------
        autodeep.explain.Explanation
            Attributions with ``to_frame()``, ``plot()`` and ``global_importance()``.
        """
        from autodeep.explain import explain

        return explain(self, X, method=method, target=target, **settings)

    def report(
        self,
        X: Any,
        y: Any,
        path: str | os.PathLike[str] = "report.html",
        *,
        sample_size: int = 200,
        check_size: int = 50,
        random_state: int = 0,
    ) -> str:
        """Write a self-contained HTML report on labelled data for non-specialists.

        The report holds a plain-language summary (headline metric with a bootstrap
        95% interval, a simple baseline, data size, search budget), per-class results
        or residual plots, the search leaderboard, what drives the predictions,
        automatically chosen examples with their explanations, the two trust checks
        with a verdict, caveats, and a technical appendix. Images are embedded; the
        file makes no network request.

        Parameters
        ----------
        X, y : labelled data, ideally not used for training
        path : str or path-like, default="report.html"
        sample_size : int, default=200
            Rows explained for the "what drives" section and the examples.
        check_size : int, default=50
            Rows the trust checks run on (each is explained several times).
        random_state : int, default=0
            Seed for the row sample, the bootstrap and the randomized model.

        Returns
        -------
        str
            The path written.
        """
        from autodeep.explain._report import write_report

        return write_report(
            self,
            X,
            y,
            path,
            sample_size=sample_size,
            check_size=check_size,
            random_state=random_state,
        )

    # -- pickling ----------------------------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        if "model_" in state:
            state["model_"] = _model_to_bytes(state["model_"])
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        if isinstance(state.get("model_"), bytes):
            import_keras()
            state = {**state, "model_": _model_from_bytes(state["model_"])}
        super().__setstate__(state)

    # -- persistence -------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> None:
        """Save the fitted estimator as a data-only folder; reload with :func:`autodeep.load`.

        Parameters
        ----------
        path : str or path-like
            Folder to create (or overwrite): a Keras ``.keras`` file, the scikit-learn
            side through skops, and a JSON manifest with versions and SHA-256 checksums.
        """
        from autodeep.io import save

        save(self, path)


class ClassifierTargetMixin:
    """Label handling for classifiers: any label type in, the same type out."""

    def _task(self, y: np.ndarray) -> tuple[Any, np.ndarray]:
        from autodeep._tasks import Classification

        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        if len(encoder.classes_) < 2:
            raise ValueError(
                f"y has 1 class ({encoder.classes_[0]!r}); a classifier needs at least 2 "
                "classes. Check that the target column is the right one."
            )
        self.classes_ = encoder.classes_
        return Classification(len(self.classes_), self.classes_), encoder.transform(y)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, columns in the order of ``classes_``."""
        proba = self._outputs(X).astype(np.float64)  # type: ignore[attr-defined]
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X: Any) -> np.ndarray:
        """Predicted class labels, of the same type as the training labels."""
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]


class RegressorTargetMixin:
    """Target handling for regressors: scaled for training, mapped back on predict."""

    def _task(self, y: np.ndarray) -> tuple[Any, np.ndarray]:
        from autodeep._tasks import Regression

        try:
            y = np.asarray(y, dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"A regressor needs a numeric target; y could not be read as numbers "
                f"({error}). Use a classifier for categorical targets."
            ) from error
        bad = np.flatnonzero(~np.isfinite(y).reshape(len(y), -1).all(axis=1))
        if len(bad):
            raise ValueError(
                f"y has {len(bad)} infinite value(s), first at row(s) {bad[:5].tolist()}. "
                "Drop those rows or replace the values."
            )
        return Regression(n_outputs=1 if y.ndim == 1 else y.shape[1]), y

    def predict(self, X: Any) -> np.ndarray:
        """Predicted targets, in the units of the training target."""
        from autodeep._tasks import Regression

        outputs = self._outputs(X)  # type: ignore[attr-defined]
        return Regression().decode(self.target_transform_, outputs)  # type: ignore[attr-defined]


def _n_jobs(n_jobs: Any) -> int:
    """``n_jobs`` as a process count: None is 1, -1 is one per CPU core."""
    if n_jobs is None:
        return 1
    if (
        isinstance(n_jobs, bool)
        or not isinstance(n_jobs, (int, np.integer))
        or n_jobs == 0
    ):
        raise ValueError(f"n_jobs must be a non-zero integer or None; got {n_jobs!r}.")
    if n_jobs < 0:
        return max(1, (os.cpu_count() or 1) + 1 + int(n_jobs))
    return int(n_jobs)


# Parameters that set the budget or where the search runs, not what it searches: a
# resumed search may change them.
RUNTIME_PARAMS = (
    "reference_model",
    "max_trials",
    "time_budget",
    "n_jobs",
    "verbose",
    "storage",
    "study_name",
    "directory",
    "refit",
    # A resumed search keeps the seed it started with (see _engine.fit).
    "random_state",
)


def _study_attrs(estimator: Any, X: Any, y: np.ndarray, plan: Any) -> dict[str, Any]:
    """What a persistent study records so that every worker runs the same search.

    ``params`` rebuild the estimator on another machine (``autodeep worker``);
    ``search`` is what defines the search, which a resumed fit must match.
    """
    import hashlib
    import json

    from autodeep.search_spaces._space import overrides_to_plain

    digest = hashlib.sha256()
    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(X)
    digest.update(json.dumps([str(c) for c in frame.columns]).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    digest.update(
        pd.util.hash_pandas_object(pd.Series(y), index=False).to_numpy().tobytes()
    )
    params, search = {}, {}
    for name, value in estimator.get_params().items():
        if name == "search_space":
            value = overrides_to_plain(value)
        try:
            plain = json.loads(json.dumps(value))
        except (TypeError, ValueError):
            plain = None
        else:
            params[name] = plain
        if name not in RUNTIME_PARAMS:
            search[name] = repr(value) if name not in params else plain
    search["space"] = {name: repr(dim) for name, dim in plan.space.items()}
    search["task"] = (
        f"{type(plan.task).__name__.lower()}, {plan.task.n_outputs} outputs"
    )
    return {
        "estimator": type(estimator).__name__,
        "params": params,
        "search": search,
        "data": {"rows": len(frame), "sha256": digest.hexdigest()},
        # Where `autodeep worker` finds the data (set by `autodeep fit --storage`).
        "source": getattr(estimator, "_data_source", None),
    }


def _check_int(name: str, value: Any, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}.")


@contextmanager
def _verbosity(verbose: int) -> Iterator[None]:
    """Route autodeep's log lines to stderr while fitting with ``verbose >= 1``."""
    import optuna

    logger = logging.getLogger("autodeep")
    old_level, old_optuna = logger.level, optuna.logging.get_verbosity()
    handler = None
    if verbose >= 1 and not logger.handlers and not logging.getLogger().handlers:
        from autodeep._progress import TqdmHandler

        handler = TqdmHandler()
        handler.setFormatter(logging.Formatter("[autodeep] %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO if verbose >= 1 else logging.ERROR)
    # Optuna's own per-trial lines repeat ours; failures are in leaderboard_.
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(old_level)
        optuna.logging.set_verbosity(old_optuna)
        if handler is not None:
            logger.removeHandler(handler)


def _model_to_bytes(model: Any) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        model.save(path)
        with open(path, "rb") as file:
            return file.read()


def _model_from_bytes(data: bytes) -> Any:
    import keras

    import autodeep._layers  # noqa: F401  (registers autodeep's layers)

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        with open(path, "wb") as file:
            file.write(data)
        return keras.models.load_model(path, safe_mode=True)
