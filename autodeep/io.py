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
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
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
# Types in state.skops may only come from these packages.
TRUSTED_PREFIXES = ("autodeep.", "sklearn.", "imblearn.", "numpy.", "builtins.slice")
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


def _estimator_classes() -> dict[str, type]:
    from autodeep import estimators

    names = [
        f"{modality}{task}"
        for modality in ("Tabular", "Image", "Text")
        for task in ("Classifier", "Regressor")
    ]
    return {name: getattr(estimators, name) for name in names}


def save(estimator: Any, path: str | os.PathLike[str]) -> None:
    """Write ``estimator`` (fitted) to the folder ``path``; see the module docstring.

    Examples
    --------
    >>> clf.save("model_dir")  # doctest: +SKIP
    >>> autodeep.load("model_dir").predict(X)  # doctest: +SKIP
    """
    import keras
    import skops.io
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator, "model_")
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    estimator.model_.save(folder / "model.keras")
    state = {
        "params": estimator.get_params(deep=False),
        "preprocessor": estimator.preprocessor_,
        "target_transform": estimator.target_transform_,
    }
    for name in INPUT_ATTRIBUTES:
        if hasattr(estimator, name):
            state[name] = getattr(estimator, name)
    skops.io.dump(state, folder / "state.skops")
    metadata = {name: getattr(estimator, name) for name in METADATA}
    board = estimator.leaderboard_
    metadata["leaderboard_"] = {
        "columns": list(board.columns),
        "data": board.to_numpy(),
    }
    _write_json(folder / "metadata.json", metadata)
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


def load(path: str | os.PathLike[str]) -> Any:
    """Load an estimator saved with ``save``; it predicts exactly as before saving.

    Raises
    ------
    ValueError
        If the folder is not an autodeep artifact, a file was modified (checksum
        mismatch), or the state holds object types autodeep does not trust.

    Examples
    --------
    >>> import autodeep
    >>> clf = autodeep.load("model_dir")  # doctest: +SKIP
    """
    import keras
    import pandas as pd
    import skops.io

    import autodeep._layers  # noqa: F401  (registers the layers the model file names)

    folder = Path(path)
    manifest = _read_manifest(folder)
    for name in FILES:
        if _sha256(folder / name) != manifest["sha256"].get(name):
            raise ValueError(
                f"{folder / name} does not match the checksum in its manifest: the "
                "artifact was modified or corrupted, so autodeep refuses to load it. "
                "Save the model again from the estimator."
            )
    classes = _estimator_classes()
    if manifest.get("estimator") not in classes:
        raise ValueError(
            f"Unknown estimator {manifest.get('estimator')!r} in {folder}."
        )
    state_file = folder / "state.skops"
    untrusted = skops.io.get_untrusted_types(file=state_file)
    refused = [t for t in untrusted if not t.startswith(TRUSTED_PREFIXES)]
    if refused:
        raise ValueError(
            f"{state_file} holds object types autodeep does not load: {refused}."
        )
    state = skops.io.load(state_file, trusted=untrusted)
    metadata = json.loads((folder / "metadata.json").read_text())

    estimator = classes[manifest["estimator"]](**state["params"])
    estimator.model_ = keras.models.load_model(folder / "model.keras", safe_mode=True)
    estimator.preprocessor_ = state["preprocessor"]
    target = state["target_transform"]
    estimator.target_transform_ = tuple(target) if isinstance(target, list) else target
    for name in INPUT_ATTRIBUTES:
        if name in state:
            setattr(estimator, name, state[name])
    for name in METADATA:
        setattr(estimator, name, metadata[name])
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
    manifest: dict[str, Any] = json.loads(manifest_file.read_text())
    if manifest.get("format") != FORMAT:
        raise ValueError(f"{manifest_file} is not an autodeep manifest.")
    if manifest.get("format_version", 0) > FORMAT_VERSION:
        raise ValueError(
            f"{folder} was saved by a newer autodeep (format "
            f"{manifest['format_version']}); upgrade autodeep to load it."
        )
    return manifest


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
