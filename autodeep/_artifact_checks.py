"""Whether the files of a saved model belong together: the manifest's estimator, the
state and the network must describe one model, checked at load rather than at the
first ``predict``."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from autodeep._trusted import RESAVE

# What state.skops holds besides the input attributes.
STATE_KEYS = ("params", "preprocessor", "target_transform")


def check_state(state: dict[str, Any], name: str, cls: type) -> None:
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
    tabular = expected.__name__ == "TabularPreprocessor"
    if tabular and _is_column_pipeline(state["preprocessor"]):
        from sklearn.pipeline import Pipeline

        expected = Pipeline  # a frame with text or image columns
    if not isinstance(state["preprocessor"], expected):
        raise ValueError(
            f"{mismatch} a {type(state['preprocessor']).__name__} preprocessor, not "
            f"the {expected.__name__} a {name} uses. {_SWAPPED}"
        )


_SWAPPED = "The manifest was edited or the files come from different models. " + RESAVE


def _is_column_pipeline(preprocessor: Any) -> bool:
    """Whether the state holds a tabular estimator's text-and-image preprocessing."""
    from sklearn.pipeline import Pipeline

    from autodeep.preprocessing.columns import ColumnEncoders

    return isinstance(preprocessor, Pipeline) and isinstance(
        preprocessor.steps[-1][1] if preprocessor.steps else None, ColumnEncoders
    )


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


def read_network(file: Path) -> Any:
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


def check_network(model: Any, state: dict[str, Any], name: str, file: Path) -> None:
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
    from autodeep.preprocessing.columns import ColumnEncoders
    from autodeep.preprocessing.text import NgramEncoder, SequenceEncoder

    last = preprocessor
    if isinstance(preprocessor, Pipeline) and preprocessor.steps:
        last = preprocessor.steps[-1][1]
    try:
        if isinstance(last, SequenceEncoder):
            return (int(last.sequence_length_),)
        if isinstance(last, ImagePreprocessor):
            return (*map(int, last.image_size_), int(last.channels_))
        if isinstance(last, (NgramEncoder, TabularPreprocessor, ColumnEncoders)):
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
    from sklearn.preprocessing import StandardScaler

    target = state["target_transform"]
    if isinstance(target, StandardScaler) and hasattr(target, "mean_"):
        return int(np.size(target.mean_))
    # Format 1 saved the (mean, scale) pair itself.
    if not isinstance(target, (tuple, list)) or len(target) != 2:
        raise ValueError(
            f"state.skops holds target_transform={target!r}, not a regressor's "
            f"fitted StandardScaler. {_SWAPPED}"
        )
    return int(np.size(target[0]))
