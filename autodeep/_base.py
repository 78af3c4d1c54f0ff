"""What every autodeep estimator shares: the parameter checks and the fit driver call,
the target's common checks, prediction, explanations, persistence hooks and pickling.

Targets by task are in :mod:`autodeep._targets`, what each parameter may be in
:mod:`autodeep._params`, input checks by modality in the modality mixins.
"""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

import numpy as np
import pandas as pd
from joblib import effective_n_jobs
from sklearn.base import BaseEstimator, is_classifier
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, column_or_1d

from autodeep._backend import import_keras
from autodeep._folds import folds_for
from autodeep._params import (
    COMMON_CONSTRAINTS,
    Constraints,
    check_combinations,
    refuse_values,
)
from autodeep.search._types import SEED_MAX

if TYPE_CHECKING:
    from autodeep.search._types import Settings

logger = logging.getLogger("autodeep")


class FitInputs(NamedTuple):
    """What ``fit`` (and a worker process) hands the engine, and the fitted
    attributes that the input checks found (set once the fit succeeds)."""

    plan: Any
    X: Any
    y: np.ndarray
    settings: Any
    fitted: dict[str, Any]


class AutoDeepEstimator(BaseEstimator):
    """Base class: subclasses define ``__init__`` and the modality hooks.

    Hooks: ``_validate_X(X, reset)`` returns the checked input and sets
    ``n_features_in_`` (and ``feature_names_in_``); ``_inspect(X)`` returns what fit
    learns of the input before training, as fitted attributes by name;
    ``_task(y)`` returns the task and the encoded target; ``_plan(task, inspected)``
    returns the engine :class:`~autodeep._plan.Plan`; ``_check_modality_params()``
    checks what the parameter constraints cannot (that a file exists).
    """

    # What each shared parameter may be; estimators merge in their modality's.
    _parameter_constraints: ClassVar[Constraints] = COMMON_CONSTRAINTS
    # Values refused for a reason worth saying: {parameter: {value: reason}}.
    _parameter_refusals: ClassVar[dict[str, dict[str, str]]] = {}
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
        from autodeep._progress import verbosity
        from autodeep._worker import Launcher

        plan, X, y_fit, settings, fitted = self._fit_inputs(X, y)
        with verbosity(self.verbose), Launcher(self, X, y) as launch:
            for line in self._describe_inputs(fitted, X):
                logger.info(line)
            result = _engine.fit(plan, X, y_fit, replace(settings, launch=launch))
        for name, value in fitted.items():
            setattr(self, name, value)
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
        if is_classifier(self):
            self.temperature_ = result.temperature
        self.conformity_scores_ = result.conformity
        self.n_samples_fit_ = len(y_fit)
        return self

    def _fit_inputs(self, X: Any, y: Any) -> FitInputs:
        """Engine plan, checked input, encoded target, settings and the fitted
        attributes the checks found (fit and workers)."""
        from autodeep._plan import class_labels
        from autodeep._study_attrs import study_attrs

        import_keras()  # first (worker processes start here)
        settings = self._settings()  # parameters first: no data is read if they fail
        X = self._validate_X(X, reset=True)
        inspected = self._inspect(X)
        y = self._validate_y(X, y)
        task, y_fit = self._task(y)
        plan = self._plan(task, inspected)
        folds = folds_for(self.cv, len(y_fit), self._small_data_folds)
        settings = replace(
            settings,
            folds=folds,
            refit=self._refits(folds),
            study_attrs=(
                {} if settings.storage is None else study_attrs(self, X, y, plan)
            ),
        )
        fitted = dict(inspected)
        classes = class_labels(task)
        if classes is not None:
            fitted["classes_"] = classes
        return FitInputs(plan, X, y_fit, settings, fitted)

    def _refits(self, folds: int) -> bool:
        """``refit`` resolved: "auto" keeps the trials' models for a classifier that
        weighs its classes, searched on one validation split (see the docstring)."""
        if self.refit != "auto":
            return bool(self.refit)
        weighted = (
            getattr(self, "class_weight", None) is not None
            or getattr(self, "resampling", None) is not None
        )
        return not (weighted and folds == 1)

    def _describe_inputs(self, inspected: dict[str, Any], X: Any) -> list[str]:
        """Lines for the log (``verbose >= 1``) on what fit found in the input."""
        return []

    def _inspect(self, X: Any) -> dict[str, Any]:
        """What fit learns of the checked input before training, as fitted attributes
        by name (the image mixin's size and channels); nothing by default."""
        return {}

    def _check_params(self) -> None:
        """Every parameter check, before any data is read: reasoned refusals, the
        declared constraints, the modality's own checks, then combinations."""
        refuse_values(self, self._parameter_refusals)
        self._validate_params()
        self._check_modality_params()
        check_combinations(self)

    def _check_modality_params(self) -> None:
        """What the modality checks beyond its constraints (none by default)."""

    def _settings(self) -> Settings:
        from autodeep.search._types import Settings

        self._check_params()
        seed = int(check_random_state(self.random_state).randint(SEED_MAX))
        return Settings(
            max_trials=self.max_trials,
            time_budget=self.time_budget,
            max_epochs=self.max_epochs,
            n_iter_no_change=self.n_iter_no_change,
            validation_fraction=self.validation_fraction,
            pruner=self.pruner,
            refit=self.refit is not False,  # "auto" resolved in _fit_inputs
            seed=seed,
            deterministic=self.random_state is not None,
            verbose=self.verbose,
            tuner=self.tuner,
            scoring=self.scoring,
            ensemble_size=self.ensemble_size or 1,
            # Classifiers only: regressors have no calibration parameter.
            calibration=getattr(self, "calibration", None),
            storage=self.storage,
            study_name=self.study_name,
            n_jobs=effective_n_jobs(self.n_jobs),
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
        sensitive_features: Any = None,
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
        sensitive_features : str, list of str, array-like or None, default=None
            Adds a "Results by group" section (see :func:`autodeep.fairness_frame`):
            column name(s) of ``X``, or values (one per row) of a column kept aside.

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
            sensitive_features=sensitive_features,
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

    def export(self, path: str | os.PathLike[str], format: str = "onnx") -> str:
        """Write the fitted predictor, preprocessing included, as one ONNX file.

        The graph takes the raw columns (one input per column: numbers as doubles,
        categories as strings) or the images (float32 pixels at the training size)
        and returns ``label`` and ``probabilities`` (classifiers) or ``prediction``
        (regressors), as ``predict`` and ``predict_proba`` do; onnxruntime runs it
        without autodeep or Keras. Text models take token ids or TF-IDF rows: the
        tokenizer's vocabulary is in the file's metadata, and
        ``autodeep.export.onnx_inputs(texts, autodeep.onnx_info(path))`` makes them
        without TensorFlow. See ``docs/deploy.md``.

        Parameters
        ----------
        path : str or path-like
            The ``.onnx`` file to write.
        format : {"onnx"}, default="onnx"

        Returns
        -------
        str
            The path written.
        """
        if format != "onnx":
            raise ValueError(f"format must be 'onnx'; got {format!r}.")
        from autodeep.export import export

        return export(self, path)


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
