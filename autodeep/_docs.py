"""Parameter and attribute documentation shared by the public estimators' docstrings
(numpydoc sections, assembled in :mod:`autodeep.estimators`)."""

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
    refit : bool or "auto", default="auto"
        True: retrain the chosen configuration (or the ensemble's members) on all rows
        for the epochs the search found. False: keep the models the trials trained on
        their training part, the ones the validation scores, the temperature and the
        conformal scores describe. "auto": keep them for classifiers that weigh their
        classes (``class_weight`` or ``resampling``) searched on one validation split,
        where a refit's decision threshold can land far from the validated one
        (measured in docs/benchmarks.md); refit otherwise.
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
        whether the network earns its keep. It is never the model ``fit`` returns.
        With text or image columns it reads the other columns only.
    column_types : dict or None, default=None
        The kind of some columns by name, among ``"numeric"``, ``"categorical"``,
        ``"datetime"``, ``"text"`` and ``"image"``, e.g.
        ``{"description": "text", "photo": "image", "zip": "categorical"}``; the other
        columns are detected (``column_types_``; the rule is in
        :mod:`autodeep.preprocessing.columns`). Text columns (free text) and image
        columns (paths to image files, or image arrays) each get a branch of the
        network (the text estimators' families, a small CNN on images at most 64
        pixels a side), fused with the MLP on the other columns; missing texts are
        empty and missing images the mean image."""

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
    calibration : "temperature" or None, default="temperature"
        Temperature scaling of ``predict_proba`` (one number, fitted after the search
        on the chosen model's validation outputs, by the class-weighted loss when
        classes are weighted; ``temperature_``). ``predict`` is unchanged.
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
    temperature_ : float or None
        Classifiers: the temperature ``predict_proba`` divides log-probabilities by
        (above 1: the network was overconfident on validation data); None when
        ``calibration=None`` or when the best trial ran in another worker process.
    conformity_scores_ : ndarray or None
        Split-conformal scores of the validation rows, which ``predict_set``
        (classifiers: one minus the calibrated probability of the true class) and
        ``predict_interval`` (regressors: absolute residuals in the target's units)
        turn into sets and intervals; None when the best trial ran in another worker
        process. ``conformalize(X, y)`` replaces them with the scores of held-out
        rows.
    refit_history_ : dict
        Per-epoch training loss of the final model's refit on all rows (the best
        trial's configuration); empty when there was no refit (``refit=False``, or
        no time left for it) and the best trial's model was kept; None in a model
        saved by a version that did not record it.
    timings_ : dict
        Seconds: ``total``, ``search``, ``refit``, ``ensemble`` (the selection),
        ``calibration``, ``reference`` (tabular), and the Keras share of them
        (``keras_build``, ``keras_train``, ``keras_predict``).
    column_types_ : dict
        Tabular estimators: each column's kind (``"numeric"``, ``"categorical"``,
        ``"datetime"``, ``"text"`` or ``"image"``).
    image_sizes_ : dict
        Tabular estimators with image columns: the (height, width) each image
        column's images are read at.
    n_features_in_ : int
        Number of input columns.
    feature_names_in_ : ndarray of str
        Column names, when X was a DataFrame."""

_IMAGE_INPUT_DOC = """
    Images are numpy arrays shaped (n, height, width) or (n, height, width, channels),
    uint8 or float (a 2-D array (n, d) is read as n one-row images of d pixels, with a
    warning), or file paths (PNG, JPEG, ...) as a list, array or Series; paths are
    read in batches while training and predicting, never all at once (see
    :func:`autodeep.preprocessing.image.from_directory` for one folder per class).
    Pixel statistics are computed on the training part only, and the network resizes
    and normalizes its input itself."""

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
