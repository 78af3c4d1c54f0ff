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

What ``state.skops`` may hold is listed, type by type, in :mod:`autodeep._trusted`;
whether the files belong together is checked by :mod:`autodeep._artifact_checks`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import is_classifier

from autodeep._artifact_checks import check_network, check_state, read_network
from autodeep._backend import import_keras
from autodeep._registry import ESTIMATORS
from autodeep._trusted import RESAVE, TRUSTED_TYPES, named_types, read_state

__all__ = ["TRUSTED_TYPES", "load", "save"]

FORMAT = "autodeep-model"
# 2: a regressor's target transform is a StandardScaler (format 1: a (mean, scale)
# pair, still read).
FORMAT_VERSION = 2
# Fitted attributes that describe the input (whichever the estimator has).
INPUT_ATTRIBUTES = (
    "n_features_in_",
    "feature_names_in_",
    "classes_",
    "input_kind_",
    "image_size_",
    "channels_",
    "column_types_",
    "image_sizes_",
)
FILES = ("model.keras", "state.skops", "metadata.json")
METADATA = (
    "best_params_",
    "best_score_",
    "best_epochs_",
    "history_",
    "timings_",
    "n_samples_fit_",
)
# Metadata added after format 1 was first written: None when an older save lacks it.
OPTIONAL_METADATA = ("refit_history_", "conformity_scores_")
# Classifiers' metadata added after format 1 was first written (None when lacking).
CLASSIFIER_METADATA = ("temperature_",)
PACKAGES = (
    "autodeep",
    "keras",
    "tensorflow",
    "scikit-learn",
    "optuna",
    "numpy",
    "pandas",
)


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
    refused = sorted(named_types(state, "the estimator's state") - TRUSTED_TYPES)
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
    for name in OPTIONAL_METADATA:
        metadata[name] = getattr(estimator, name, None)
    for name in CLASSIFIER_METADATA if is_classifier(estimator) else ():
        metadata[name] = getattr(estimator, name)
    board = estimator.leaderboard_
    metadata["leaderboard_"] = {
        "columns": list(board.columns),
        "data": board.to_numpy(),
        "dtypes": {str(c): str(t) for c, t in board.dtypes.items()},
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
    types = getattr(estimator, "column_types_", None)
    if types is not None and not hasattr(estimator.preprocessor_, "column_kinds_"):
        return {
            "kind": "table",
            "n_features_in": int(estimator.n_features_in_),
            "feature_names": [
                str(c) for c in getattr(estimator, "feature_names_in_", [])
            ],
            "column_kinds": {str(k): v for k, v in types.items()},
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
    from autodeep._tasks import target_scaler

    folder = Path(path)
    manifest = _read_manifest(folder)
    _check_files(folder, manifest)
    import_keras()
    name, cls = _estimator_class(manifest, folder)
    state = read_state(folder / "state.skops")
    check_state(state, name, cls)
    metadata = _read_metadata(folder / "metadata.json")
    model = read_network(folder / "model.keras")
    check_network(model, state, name, folder / "model.keras")

    estimator = cls(**state["params"])
    estimator.model_ = model
    estimator.preprocessor_ = state["preprocessor"]
    estimator.target_transform_ = target_scaler(state["target_transform"])
    for attribute in INPUT_ATTRIBUTES:
        if attribute in state:
            setattr(estimator, attribute, state[attribute])
    for attribute in METADATA:
        setattr(estimator, attribute, metadata[attribute])
    for attribute in OPTIONAL_METADATA:
        setattr(estimator, attribute, metadata.get(attribute))
    for attribute in CLASSIFIER_METADATA if is_classifier(estimator) else ():
        setattr(estimator, attribute, metadata.get(attribute))
    if estimator.conformity_scores_ is not None:  # JSON gave a list
        estimator.conformity_scores_ = np.asarray(
            estimator.conformity_scores_, dtype=np.float64
        )
    board = metadata["leaderboard_"]
    estimator.leaderboard_ = _board(board)
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
    if name not in ESTIMATORS:
        raise ValueError(
            f"Unknown estimator {name!r} in {folder / 'manifest.json'}; autodeep "
            f"saves {', '.join(ESTIMATORS)}."
        )
    return name, ESTIMATORS[name]


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


# Leaderboard column types restored at load (JSON keeps only numbers and strings).
BOARD_DTYPES = ("Int64", "int64", "float64", "bool")


def _board(board: dict[str, Any]) -> pd.DataFrame:
    """``leaderboard_`` from its metadata, integer columns (with <NA>) restored."""
    table = pd.DataFrame(board["data"], columns=board["columns"])
    dtypes = board.get("dtypes")
    if isinstance(dtypes, dict):
        for name, dtype in dtypes.items():
            if name in table and dtype in BOARD_DTYPES:
                with contextlib.suppress(TypeError, ValueError):  # else keep JSON's
                    table[name] = table[name].astype(dtype)
    return table


def _plain(value: Any) -> Any:
    """JSON-ready copy: NumPy scalars to Python, NaN to None, tuples to lists."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if value is pd.NA or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return value
