"""load never runs code from a file, and says plainly what is wrong with a bad one.

Each attack is a real saved model whose files were rewritten and whose manifest
checksums were recomputed, as an attacker (or a careless edit) would do.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import skops.io
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

import autodeep
from autodeep import TabularClassifier, _trusted, io
from tests.conftest import FAST
from tests.test_estimators import mixed_frame

NOT_OURS = "not one autodeep wrote"
pytestmark = [
    pytest.mark.filterwarnings("ignore:No trial did better:UserWarning"),
    # With refit=False the saved network is a trial's; Keras skips its optimizer state.
    pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer"),
]


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    X, y = mixed_frame(120, seed=0)
    clf = TabularClassifier(**{**FAST, "max_epochs": 1, "refit": False}).fit(X, y)
    folder = tmp_path_factory.mktemp("security") / "clf"
    clf.save(folder)
    return clf, folder, X


@pytest.fixture
def artifact(saved, tmp_path) -> Path:
    """A fresh copy of the saved classifier, free to rewrite."""
    _, folder, _ = saved
    copy = tmp_path / "artifact"
    shutil.copytree(folder, copy)
    return copy


def write_marker(X: Any, marker: str = "autodeep-payload-ran") -> Any:
    """A plain Python function an attacker might store in the state."""
    Path(marker).write_text("ran")
    return X


def code_running_pipeline(marker: Path) -> Pipeline:
    """A transformer that executes a string at ``transform``, from numpy functions only.

    ``numpy.testing.measure`` compiles and executes its first argument; the first two
    steps turn any input into that string.
    """
    code = f"open({str(marker)!r}, 'w').write('ran')"
    return Pipeline(
        [
            ("fill", FunctionTransformer(np.full_like, kw_args={"fill_value": code})),
            ("pick", FunctionTransformer(np.take, kw_args={"indices": 0})),
            ("run", FunctionTransformer(np.testing.measure)),
        ]
    )


def read_state(folder: Path) -> dict[str, Any]:
    file = folder / "state.skops"
    return skops.io.load(file, trusted=skops.io.get_untrusted_types(file=file))


def write_state(folder: Path, state: dict[str, Any]) -> None:
    skops.io.dump(state, folder / "state.skops")
    refresh_checksums(folder)


def refresh_checksums(folder: Path) -> None:
    """Recompute the manifest's checksums, as anyone editing the files can."""
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["sha256"] = {
        name: hashlib.sha256((folder / name).read_bytes()).hexdigest()
        for name in manifest["sha256"]
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))


def edit_manifest(folder: Path, **changes: Any) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest.update(changes)
    (folder / "manifest.json").write_text(json.dumps(manifest))


# -- code in the state is refused -------------------------------------------------------


def test_the_payload_is_live(saved, artifact, tmp_path):
    """Trusting whatever the file names (as a package allow-list does) runs the code."""
    _, _, X = saved
    marker = tmp_path / "ran"
    write_state(
        artifact,
        {**read_state(artifact), "preprocessor": code_running_pipeline(marker)},
    )
    read_state(artifact)["preprocessor"].transform(X.head(3))
    assert marker.read_text() == "ran"


def _pipeline(marker: Path) -> dict[str, Any]:
    return {"preprocessor": code_running_pipeline(marker)}


def _identity_transformer(marker: Path) -> dict[str, Any]:
    return {"preprocessor": FunctionTransformer()}  # skops trusts this by default


def _function_transformer(marker: Path) -> dict[str, Any]:
    kw_args = {"marker": str(marker)}
    return {"preprocessor": FunctionTransformer(write_marker, kw_args=kw_args)}


def _numpy_function(marker: Path) -> dict[str, Any]:
    return {"target_transform": np.testing.measure}


def _python_function(marker: Path) -> dict[str, Any]:
    return {"payload": write_marker}


FUNCTION_TRANSFORMER = "sklearn.preprocessing._function_transformer.FunctionTransformer"
WRITE_MARKER = f"{write_marker.__module__}.write_marker"


@pytest.mark.parametrize(
    ("inject", "refused"),
    [
        (
            _pipeline,
            [
                FUNCTION_TRANSFORMER,
                "numpy.testing._private.utils.measure",
                "numpy.take",
                "numpy.full_like",
            ],
        ),
        (_identity_transformer, [FUNCTION_TRANSFORMER]),
        (_function_transformer, [FUNCTION_TRANSFORMER, WRITE_MARKER]),
        (_numpy_function, ["numpy.testing._private.utils.measure"]),
        (_python_function, [WRITE_MARKER]),
    ],
    ids=[
        "pipeline-of-numpy-functions",
        "identity-function-transformer",
        "function-transformer",
        "numpy-function",
        "python-function",
    ],
)
def test_code_in_the_state_is_refused(saved, artifact, tmp_path, inject, refused):
    _, _, X = saved
    marker = tmp_path / "ran"
    write_state(artifact, {**read_state(artifact), **inject(marker)})
    with pytest.raises(ValueError, match=re.escape(refused[0])) as caught:
        autodeep.load(artifact).predict(X.head(3))
    message = str(caught.value)
    assert NOT_OURS in message
    for name in refused:
        assert name in message
    assert not marker.exists()


def test_trusted_types_are_exact_data_types():
    assert 30 <= len(io.TRUSTED_TYPES) <= 50
    for name in io.TRUSTED_TYPES:
        module, _, attribute = name.rpartition(".")
        assert isinstance(getattr(importlib.import_module(module), attribute), type)
        documented = _trusted.__doc__
        assert attribute in documented, f"{attribute} is not in the module docstring"
    assert not any("FunctionTransformer" in name for name in io.TRUSTED_TYPES)


# The autodeep types that models saved by earlier versions name.
SAVED_BY_EARLIER_VERSIONS = (
    "autodeep.preprocessing.tabular.TabularPreprocessor",
    "autodeep.preprocessing.tabular.RobustClipScaler",
    "autodeep.preprocessing.image.ImagePreprocessor",
    "autodeep.preprocessing.text.TextPreprocessor",
    "autodeep.preprocessing.text.NgramEncoder",
    "autodeep.preprocessing.text.SequenceEncoder",
    "autodeep.preprocessing._tokens.Tokenizer",
    "autodeep.preprocessing._tokens.StripPunctuation",
)


def test_models_of_earlier_versions_and_of_this_one_name_trusted_types():
    assert set(SAVED_BY_EARLIER_VERSIONS) <= io.TRUSTED_TYPES
    ours = [name for name in io.TRUSTED_TYPES if name.startswith("autodeep.")]
    for name in ours:
        module, _, attribute = name.rpartition(".")
        cls = getattr(importlib.import_module(module), attribute)
        # skops names a class by where it is defined, not where it is imported from.
        defined = f"{cls.__module__}.{cls.__qualname__}"
        assert defined in io.TRUSTED_TYPES, f"{name} is defined as {defined}"


def test_save_refuses_what_load_would_refuse(saved, tmp_path, monkeypatch):
    from imblearn.over_sampling import ADASYN

    clf, _, _ = saved
    monkeypatch.setattr(clf, "resampling", ADASYN())
    with pytest.raises(ValueError, match=r"cannot be saved.*ADASYN"):
        clf.save(tmp_path / "adasyn")
    assert not (tmp_path / "adasyn" / "manifest.json").exists()


def test_a_path_parameter_round_trips(saved, tmp_path, monkeypatch):
    clf, _, _ = saved
    monkeypatch.setattr(clf, "directory", tmp_path / "tuner")
    clf.save(tmp_path / "model")
    assert autodeep.load(tmp_path / "model").directory == tmp_path / "tuner"


# -- bad files give clear errors --------------------------------------------------------


def _no_checksums(folder: Path, clf: Any) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["sha256"]
    (folder / "manifest.json").write_text(json.dumps(manifest))


def _manifest_not_json(folder: Path, clf: Any) -> None:
    (folder / "manifest.json").write_text('{"format": "autodeep-model",')


def _metadata_not_json(folder: Path, clf: Any) -> None:
    (folder / "metadata.json").write_text("{nope")
    refresh_checksums(folder)


def _missing_file(folder: Path, clf: Any) -> None:
    (folder / "state.skops").unlink()


def _truncated_keras(folder: Path, clf: Any) -> None:
    data = (folder / "model.keras").read_bytes()
    (folder / "model.keras").write_bytes(data[: len(data) // 2])
    refresh_checksums(folder)


def _keras_zip_without_network(folder: Path, clf: Any) -> None:
    import zipfile

    with zipfile.ZipFile(folder / "model.keras", "w") as archive:
        archive.writestr("config.json", "{}")
    refresh_checksums(folder)


def _swapped_task(folder: Path, clf: Any) -> None:
    edit_manifest(folder, estimator="TabularRegressor")


def _swapped_modality(folder: Path, clf: Any) -> None:
    edit_manifest(folder, estimator="ImageClassifier")


def _state_without_preprocessor(folder: Path, clf: Any) -> None:
    state = read_state(folder)
    del state["preprocessor"]
    write_state(folder, state)


def _state_without_classes(folder: Path, clf: Any) -> None:
    state = read_state(folder)
    del state["classes_"]
    write_state(folder, state)


def _other_network(width_change: int, output_change: int) -> Callable[..., None]:
    def replace(folder: Path, clf: Any) -> None:
        import keras

        width = clf.preprocessor_.n_features_out_ + width_change
        network = keras.Sequential(
            [
                keras.Input((width,)),
                keras.layers.Dense(len(clf.classes_) + output_change, "softmax"),
            ]
        )
        network.save(folder / "model.keras")
        refresh_checksums(folder)

    return replace


BAD_FILES: dict[str, tuple[Callable[..., None], str]] = {
    "no-checksums": (_no_checksums, "has no checksums"),
    "manifest-not-json": (_manifest_not_json, "manifest.json is not valid JSON"),
    "metadata-not-json": (_metadata_not_json, "metadata.json is not valid JSON"),
    "missing-file": (_missing_file, "state.skops is missing"),
    "truncated-keras": (_truncated_keras, "is not a .keras (zip) file"),
    "keras-zip-without-network": (
        _keras_zip_without_network,
        "could not be read as a Keras model",
    ),
    "classifier-labelled-regressor": (_swapped_task, "names TabularRegressor, but"),
    "tabular-labelled-image": (_swapped_modality, "names ImageClassifier, but"),
    "classifier-without-classes": (_state_without_classes, "a regressor's state"),
    "state-without-preprocessor": (_state_without_preprocessor, "lacks 'preprocessor'"),
    "network-of-other-width": (_other_network(1, 0), "network takes inputs of shape"),
    "network-of-other-outputs": (
        _other_network(0, 1),
        "network gives outputs of shape",
    ),
}


@pytest.mark.parametrize(("damage", "phrase"), BAD_FILES.values(), ids=BAD_FILES)
def test_bad_files_give_a_clear_error(saved, artifact, damage, phrase):
    clf, _, _ = saved
    damage(artifact, clf)
    with pytest.raises(ValueError, match=re.escape(phrase)):
        autodeep.load(artifact)
