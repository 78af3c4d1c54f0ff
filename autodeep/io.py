"""Save and load fitted estimators as data-only artifacts.

An artifact is a folder of three data files and a manifest:

- ``model.keras``: the network, loaded with ``safe_mode=True`` (no lambdas, no code);
- ``state.skops``: the scikit-learn side (preprocessing, labels, parameters), loaded
  with skops, which only builds objects of the types we allow below;
- ``metadata.json``: best parameters, scores, leaderboard, learning curves;
- ``manifest.json``: library versions, backend, input schema and the SHA-256 of each file.

Loading refuses a file whose checksum does not match the manifest. The checksums catch
corruption and careless edits; what keeps a crafted file from running code is the loading
itself (Keras safe mode and the skops allow-list), since a manifest can be rewritten too.

What ``state.skops`` may hold
-----------------------------
Exact types, never whole packages: a package such as ``numpy`` or ``sklearn`` also
holds functions that evaluate strings or run programs, and one of them inside a
``FunctionTransformer`` would run at ``predict``. ``TRUSTED_TYPES`` names, in full,
every type autodeep writes, and nothing that holds a callable (no
``FunctionTransformer``, no functions, no ufuncs):

- autodeep's preprocessing: ``TabularPreprocessor``, ``ImagePreprocessor``,
  ``TextPreprocessor``, ``NgramEncoder``, ``SequenceEncoder`` and the text helpers
  ``Tokenizer`` and ``StripPunctuation`` (our classes; only their data is stored);
- the scikit-learn parts they are built from: ``ColumnTransformer``, ``Pipeline``,
  ``SimpleImputer``, ``MissingIndicator``, ``StandardScaler``, ``MinMaxScaler``,
  ``RobustScaler``, ``QuantileTransformer``, ``OneHotEncoder``, ``OrdinalEncoder``,
  ``TfidfVectorizer``, ``TfidfTransformer``;
- the imbalanced-learn samplers ``resampling=`` names, when given as objects:
  ``SMOTE``, ``SMOTENC``, ``SMOTEN``, ``RandomOverSampler``, ``RandomUnderSampler``;
- NumPy data: ``ndarray``, ``dtype``, the scalar types ``float32``, ``float64``,
  ``int32``, ``int64``, ``bool`` and ``str_``, and ``RandomState`` (``random_state=``);
- Python data: ``dict``, ``list``, ``tuple``, ``slice``, ``str``, ``int``, ``float``,
  ``bool``, and the paths ``PosixPath`` and ``WindowsPath`` (``storage=``,
  ``directory=``, ``pretrained_weights=``).

``load`` refuses a file that names any other type, before building any object, and
``save`` refuses to write one (a parameter such as ``resampling=ADASYN()``), so every
saved model loads back.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import platform
import zipfile
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PosixPath, WindowsPath
from typing import Any

import numpy as np

FORMAT = "autodeep-model"
FORMAT_VERSION = 1
# Fitted attributes that describe the input (whichever the estimator has).
INPUT_ATTRIBUTES = (
    "n_features_in_",
    "feature_names_in_",
    "classes_",
    "input_kind_",
    "image_size_",
    "channels_",
)
FILES = ("model.keras", "state.skops", "metadata.json")
STATE_KEYS = ("params", "preprocessor", "target_transform")
# The only types state.skops may hold; see the module docstring.
TRUSTED_TYPES = frozenset(
    {
        "autodeep.preprocessing.tabular.TabularPreprocessor",
        "autodeep.preprocessing.image.ImagePreprocessor",
        "autodeep.preprocessing.text.TextPreprocessor",
        "autodeep.preprocessing.text.NgramEncoder",
        "autodeep.preprocessing.text.SequenceEncoder",
        "autodeep.preprocessing._tokens.Tokenizer",
        "autodeep.preprocessing._tokens.StripPunctuation",
        "sklearn.compose._column_transformer.ColumnTransformer",
        "sklearn.pipeline.Pipeline",
        "sklearn.impute._base.SimpleImputer",
        "sklearn.impute._base.MissingIndicator",
        "sklearn.preprocessing._data.StandardScaler",
        "sklearn.preprocessing._data.MinMaxScaler",
        "sklearn.preprocessing._data.RobustScaler",
        "sklearn.preprocessing._data.QuantileTransformer",
        "sklearn.preprocessing._encoders.OneHotEncoder",
        "sklearn.preprocessing._encoders.OrdinalEncoder",
        "sklearn.feature_extraction.text.TfidfVectorizer",
        "sklearn.feature_extraction.text.TfidfTransformer",
        "imblearn.over_sampling._smote.base.SMOTE",
        "imblearn.over_sampling._smote.base.SMOTENC",
        "imblearn.over_sampling._smote.base.SMOTEN",
        "imblearn.over_sampling._random_over_sampler.RandomOverSampler",
        "imblearn.under_sampling._prototype_selection._random_under_sampler."
        "RandomUnderSampler",
        "numpy.ndarray",
        "numpy.dtype",
        "numpy.float32",
        "numpy.float64",
        "numpy.int32",
        "numpy.int64",
        "numpy.bool",
        "numpy.str_",
        "numpy.random.mtrand.RandomState",
        # A path given as storage=, directory= or pretrained_weights= (the module
        # differs between Python versions).
        *(f"{path.__module__}.{path.__name__}" for path in (PosixPath, WindowsPath)),
        "builtins.dict",
        "builtins.list",
        "builtins.tuple",
        "builtins.slice",
        "builtins.str",
        "builtins.int",
        "builtins.float",
        "builtins.bool",
    }
)
METADATA = (
    "best_params_",
    "best_score_",
    "best_epochs_",
    "history_",
    "timings_",
    "n_samples_fit_",
)
PACKAGES = (
    "autodeep",
    "keras",
    "tensorflow",
    "scikit-learn",
    "optuna",
    "numpy",
    "pandas",
)
RESAVE = "Save the model again from the estimator."


def _estimator_classes() -> dict[str, type]:
    from autodeep import estimators

    names = [
        f"{modality}{task}"
        for modality in ("Tabular", "Image", "Text")
        for task in ("Classifier", "Regressor")
    ]
    return {name: getattr(estimators, name) for name in names}


# -- save -------------------------------------------------------------------------------


def save(estimator: Any, path: str | os.PathLike[str]) -> None:
    """Write ``estimator`` (fitted) to the folder ``path``; see the module docstring.

    Raises
    ------
    ValueError
        If the estimator holds objects ``load`` would refuse (a parameter of a type
        outside ``TRUSTED_TYPES``); nothing is written then.

    Examples
    --------
    >>> clf.save("model_dir")  # doctest: +SKIP
    >>> autodeep.load("model_dir").predict(X)  # doctest: +SKIP
    """
    import keras
    import skops.io
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator, "model_")
    state = skops.io.dumps(_state_of(estimator))
    refused = sorted(_named_types(state, "the estimator's state") - TRUSTED_TYPES)
    if refused:
        raise ValueError(
            f"This {type(estimator).__name__} cannot be saved as a data-only "
            f"artifact: its state holds {refused}, which autodeep would refuse to "
            "load. Use parameters of the types listed in autodeep.io.TRUSTED_TYPES "
            "(resampling= as a string, or an imbalanced-learn SMOTE, SMOTENC, "
            "SMOTEN, RandomOverSampler or RandomUnderSampler), or pickle the "
            "estimator (trusted input only)."
        )
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    estimator.model_.save(folder / "model.keras")
    (folder / "state.skops").write_bytes(state)
    _write_json(folder / "metadata.json", _metadata_of(estimator))
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "estimator": type(estimator).__name__,
        "backend": keras.config.backend(),
        "python": platform.python_version(),
        "versions": {name: _version(name) for name in PACKAGES},
        "input_schema": _input_schema(estimator),
        "sha256": {name: _sha256(folder / name) for name in FILES},
    }
    _write_json(folder / "manifest.json", manifest)


def _state_of(estimator: Any) -> dict[str, Any]:
    state = {
        "params": estimator.get_params(deep=False),
        "preprocessor": estimator.preprocessor_,
        "target_transform": estimator.target_transform_,
    }
    for name in INPUT_ATTRIBUTES:
        if hasattr(estimator, name):
            state[name] = getattr(estimator, name)
    return state


def _metadata_of(estimator: Any) -> dict[str, Any]:
    metadata = {name: getattr(estimator, name) for name in METADATA}
    board = estimator.leaderboard_
    metadata["leaderboard_"] = {
        "columns": list(board.columns),
        "data": board.to_numpy(),
    }
    return metadata


def _input_schema(estimator: Any) -> dict[str, Any]:
    """What the model takes as input, for people reading the manifest."""
    if hasattr(estimator, "image_size_"):
        return {
            "kind": "images",
            "given_as": estimator.input_kind_,
            "image_size": list(estimator.image_size_),
            "channels": int(estimator.channels_),
        }
    if not hasattr(estimator.preprocessor_, "column_kinds_"):
        vectorizer = estimator.preprocessor_[-1]
        return {
            "kind": "text",
            "vectorizer": type(vectorizer).__name__,
            "vocabulary_size": int(vectorizer.vocabulary_size_),
        }
    return {
        "kind": "table",
        "n_features_in": int(estimator.n_features_in_),
        "feature_names": [str(c) for c in getattr(estimator, "feature_names_in_", [])],
        "column_kinds": {
            str(k): v for k, v in estimator.preprocessor_.column_kinds_.items()
        },
    }


# -- load -------------------------------------------------------------------------------


def load(path: str | os.PathLike[str]) -> Any:
    """Load an estimator saved with ``save``; it predicts exactly as before saving.

    Raises
    ------
    ValueError
        If the folder is not a complete autodeep artifact, a file was modified
        (checksum mismatch) or cannot be read, the state holds a type outside
        ``TRUSTED_TYPES``, or the files do not belong together (the manifest names
        another estimator, the network's input or output shape does not fit the
        preprocessing or the classes).

    Examples
    --------
    >>> import autodeep
    >>> clf = autodeep.load("model_dir")  # doctest: +SKIP
    """
    import pandas as pd

    folder = Path(path)
    manifest = _read_manifest(folder)
    _check_files(folder, manifest)
    name, cls = _estimator_class(manifest, folder)
    state = _read_state(folder / "state.skops")
    _check_state(state, name, cls)
    metadata = _read_metadata(folder / "metadata.json")
    model = _read_network(folder / "model.keras")
    _check_network(model, state, name, folder / "model.keras")

    estimator = cls(**state["params"])
    estimator.model_ = model
    estimator.preprocessor_ = state["preprocessor"]
    target = state["target_transform"]
    estimator.target_transform_ = tuple(target) if isinstance(target, list) else target
    for attribute in INPUT_ATTRIBUTES:
        if attribute in state:
            setattr(estimator, attribute, state[attribute])
    for attribute in METADATA:
        setattr(estimator, attribute, metadata[attribute])
    board = metadata["leaderboard_"]
    estimator.leaderboard_ = pd.DataFrame(board["data"], columns=board["columns"])
    return estimator


def _read_manifest(folder: Path) -> dict[str, Any]:
    manifest_file = folder / "manifest.json"
    if not manifest_file.is_file():
        raise ValueError(
            f"{folder} is not an autodeep model folder (no manifest.json); save one "
            "with estimator.save(path)."
        )
    manifest = _read_json(manifest_file)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValueError(f"{manifest_file} is not an autodeep manifest.")
    format_version = manifest.get("format_version", 0)
    if not isinstance(format_version, int):
        raise ValueError(f"{manifest_file} has no readable format_version. {RESAVE}")
    if format_version > FORMAT_VERSION:
        raise ValueError(
            f"{folder} was saved by a newer autodeep (format "
            f"{manifest['format_version']}); upgrade autodeep to load it."
        )
    if not isinstance(manifest.get("sha256"), dict):
        raise ValueError(
            f"{manifest_file} has no checksums ('sha256'), so autodeep cannot tell "
            f"whether the files were modified and refuses to load them. {RESAVE}"
        )
    return manifest


def _check_files(folder: Path, manifest: dict[str, Any]) -> None:
    for name in FILES:
        file = folder / name
        if not file.is_file():
            raise ValueError(
                f"{file} is missing: an autodeep model folder holds "
                f"{', '.join(FILES)} and manifest.json. Copy the whole folder, or "
                "save the model again from the estimator."
            )
        if _sha256(file) != manifest["sha256"].get(name):
            raise ValueError(
                f"{file} does not match the checksum in its manifest: the "
                "artifact was modified or corrupted, so autodeep refuses to load it. "
                f"{RESAVE}"
            )


def _estimator_class(manifest: dict[str, Any], folder: Path) -> tuple[str, type]:
    name = manifest.get("estimator")
    classes = _estimator_classes()
    if name not in classes:
        raise ValueError(
            f"Unknown estimator {name!r} in {folder / 'manifest.json'}; autodeep "
            f"saves {', '.join(classes)}."
        )
    return name, classes[name]


def _read_json(file: Path) -> Any:
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(
            f"{file} is not valid JSON ({error}): the artifact is damaged. {RESAVE}"
        ) from error


def _read_metadata(file: Path) -> dict[str, Any]:
    metadata = _read_json(file)
    required = (*METADATA, "leaderboard_")
    if not isinstance(metadata, dict):
        raise ValueError(f"{file} does not hold autodeep metadata. {RESAVE}")
    missing = [key for key in required if key not in metadata]
    if missing:
        raise ValueError(f"{file} lacks {missing}. {RESAVE}")
    board = metadata["leaderboard_"]
    if not isinstance(board, dict) or not {"columns", "data"} <= set(board):
        raise ValueError(f"{file} has no readable leaderboard. {RESAVE}")
    return metadata


# -- the skops allow-list ---------------------------------------------------------------


def _read_state(file: Path) -> dict[str, Any]:
    """The state, built only after every type the file names is found trusted."""
    import skops.io

    data = file.read_bytes()
    names = _named_types(data, file)
    refused = sorted(names - TRUSTED_TYPES)
    if refused:
        raise ValueError(
            f"{file} holds types autodeep does not load: {refused}. autodeep writes "
            "only the types in autodeep.io.TRUSTED_TYPES, so this artifact is not one "
            "autodeep wrote (or it was altered, possibly to run code when loaded or "
            f"used). Do not use it. {RESAVE}"
        )
    try:
        state = skops.io.loads(data, trusted=sorted(names))
    except Exception as error:  # skops reports damage with many exception types
        raise ValueError(f"{file} could not be read ({error}). {RESAVE}") from error
    if not isinstance(state, dict):
        raise ValueError(f"{file} does not hold an autodeep state. {RESAVE}")
    return state


def _named_types(data: bytes, source: str | Path) -> set[str]:
    """Every type (or function) a skops file names, whichever skops trusts by default.

    skops itself trusts some types without being told (all scikit-learn estimators,
    ``FunctionTransformer`` included, and NumPy ufuncs), so its own report of
    untrusted types is not enough: the schema is read here, node by node. Nothing is
    imported or built.
    """
    import skops.io

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            schema = json.loads(archive.read("schema.json"))
        return set(_schema_types(schema)) | set(skops.io.get_untrusted_types(data=data))
    except Exception as error:  # a damaged zip or schema fails in many ways
        raise ValueError(
            f"{source} is not a readable skops file ({error}). {RESAVE}"
        ) from error


def _schema_types(node: Any) -> Iterator[str]:
    """The ``module.name`` of every node of a skops schema (a tree of dicts and lists)."""
    children: list[Any] = []
    if isinstance(node, dict):
        if "__loader__" in node:
            yield f"{node.get('__module__')}.{node.get('__class__')}"
            if node["__loader__"] == "MethodNode":  # a bound method is a callable
                yield f"{node.get('__module__')}.{node.get('__class__')} (a method)"
        children = list(node.values())
    elif isinstance(node, list):
        children = node
    for child in children:
        yield from _schema_types(child)


# -- do the files belong together? ------------------------------------------------------


def _check_state(state: dict[str, Any], name: str, cls: type) -> None:
    from sklearn.base import is_classifier

    mismatch = f"manifest.json names {name}, but state.skops holds"
    missing = [key for key in STATE_KEYS if key not in state]
    if missing:
        raise ValueError(f"state.skops lacks {missing[0]!r}. {RESAVE}")
    params = state["params"]
    if not isinstance(params, dict):
        raise ValueError(f"state.skops holds params={params!r}, not a dict. {RESAVE}")
    unknown = sorted(set(params) - set(cls().get_params()))
    if unknown:
        raise ValueError(
            f"{mismatch} parameters that {name} does not have: {unknown}. {_SWAPPED}"
        )
    if is_classifier(cls()) != ("classes_" in state):
        kind = "a classifier's state (classes_)"
        if "classes_" not in state:
            kind = "a regressor's state (no classes_)"
        raise ValueError(f"{mismatch} {kind}. {_SWAPPED}")
    expected = _preprocessor_type(cls)
    if not isinstance(state["preprocessor"], expected):
        raise ValueError(
            f"{mismatch} a {type(state['preprocessor']).__name__} preprocessor, not "
            f"the {expected.__name__} a {name} uses. {_SWAPPED}"
        )


_SWAPPED = "The manifest was edited or the files come from different models. " + RESAVE


def _preprocessor_type(cls: type) -> type:
    from sklearn.pipeline import Pipeline

    from autodeep._image import _ImageMixin
    from autodeep._text import _TextMixin
    from autodeep.preprocessing import ImagePreprocessor, TabularPreprocessor

    if issubclass(cls, _ImageMixin):
        return ImagePreprocessor
    if issubclass(cls, _TextMixin):
        return Pipeline  # texts, then an NgramEncoder or a SequenceEncoder
    return TabularPreprocessor


def _read_network(file: Path) -> Any:
    import keras

    import autodeep._layers  # noqa: F401  (registers the layers the model file names)

    if not zipfile.is_zipfile(file):
        raise ValueError(
            f"{file} is not a .keras (zip) file: it is truncated or damaged, so no "
            f"network can be read from it. {RESAVE}"
        )
    try:
        return keras.models.load_model(file, safe_mode=True)
    except Exception as error:  # Keras reports a damaged file with many types
        raise ValueError(
            f"{file} could not be read as a Keras model ({error}). {RESAVE}"
        ) from error


def _check_network(model: Any, state: dict[str, Any], name: str, file: Path) -> None:
    """The network must take the preprocessed rows and give one output per class
    (classifiers) or target (regressors)."""
    inputs = [tuple(tensor.shape) for tensor in model.inputs]
    outputs = [tuple(tensor.shape) for tensor in model.outputs]
    expected_input = (None, *_row_shape(state["preprocessor"]))
    if inputs != [expected_input]:
        raise ValueError(
            f"{file}: the network takes inputs of shape {inputs}, but the "
            f"preprocessing in state.skops gives rows of shape {expected_input}. "
            f"{_SWAPPED}"
        )
    n_outputs = _n_outputs(state)
    if outputs != [(None, n_outputs)]:
        what = "classes" if "classes_" in state else "targets"
        raise ValueError(
            f"{file}: the network gives outputs of shape {outputs}, but this {name} "
            f"has {n_outputs} {what} (shape {(None, n_outputs)}). {_SWAPPED}"
        )


def _row_shape(preprocessor: Any) -> tuple[int, ...]:
    """Shape of one preprocessed row (what the network's input layer takes)."""
    from sklearn.pipeline import Pipeline

    from autodeep.preprocessing import ImagePreprocessor, TabularPreprocessor
    from autodeep.preprocessing.text import NgramEncoder, SequenceEncoder

    last = preprocessor
    if isinstance(preprocessor, Pipeline) and preprocessor.steps:
        last = preprocessor.steps[-1][1]
    try:
        if isinstance(last, SequenceEncoder):
            return (int(last.sequence_length_),)
        if isinstance(last, ImagePreprocessor):
            return (*map(int, last.image_size_), int(last.channels_))
        if isinstance(last, (NgramEncoder, TabularPreprocessor)):
            return (int(last.n_features_out_),)
    except (AttributeError, TypeError, ValueError) as error:
        raise ValueError(
            f"The preprocessing in state.skops is not fitted ({error}). {RESAVE}"
        ) from error
    raise ValueError(
        f"The preprocessing in state.skops ends in a {type(last).__name__}, not an "
        f"autodeep preprocessor or text encoder. {_SWAPPED}"
    )


def _n_outputs(state: dict[str, Any]) -> int:
    if "classes_" in state:
        return len(state["classes_"])
    target = state["target_transform"]
    if not isinstance(target, (tuple, list)) or len(target) != 2:
        raise ValueError(
            f"state.skops holds target_transform={target!r}, not a regressor's "
            f"(mean, scale). {_SWAPPED}"
        )
    return int(np.size(target[0]))


# -- small helpers ----------------------------------------------------------------------


def _sha256(file: Path) -> str:
    digest = hashlib.sha256()
    with open(file, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None


def _write_json(file: Path, data: Any) -> None:
    file.write_text(json.dumps(_plain(data), indent=2, sort_keys=True))


def _plain(value: Any) -> Any:
    """JSON-ready copy: NumPy scalars to Python, NaN to None, tuples to lists."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
