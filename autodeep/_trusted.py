"""The types a saved model's ``state.skops`` may hold, and reading it safely.

What ``state.skops`` may hold
-----------------------------
Exact types, never whole packages: a package such as ``numpy`` or ``sklearn`` also
holds functions that evaluate strings or run programs, and one of them inside a
``FunctionTransformer`` would run at ``predict``. ``TRUSTED_TYPES`` names, in full,
every type autodeep writes, and nothing that holds a callable (no
``FunctionTransformer``, no functions, no ufuncs):

- autodeep's preprocessing: ``TabularPreprocessor``, ``RobustClipScaler``,
  ``MixedPreprocessor``, ``ColumnEncoders``, ``ImagePreprocessor``,
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

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path, PosixPath, WindowsPath
from typing import Any

RESAVE = "Save the model again from the estimator."
# The only types state.skops may hold; see the module docstring.
TRUSTED_TYPES = frozenset(
    {
        # Saved models name these by the module that defines them: models saved by
        # earlier versions hold these names, so the classes stay in these modules
        # (their helpers may move) or, if one moves, its old name stays listed here.
        "autodeep.preprocessing.tabular.TabularPreprocessor",
        "autodeep.preprocessing.tabular.RobustClipScaler",
        "autodeep.preprocessing.columns.MixedPreprocessor",
        "autodeep.preprocessing.columns.ColumnEncoders",
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


def read_state(file: Path) -> dict[str, Any]:
    """The state, built only after every type the file names is found trusted."""
    import skops.io

    data = file.read_bytes()
    names = named_types(data, file)
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


def named_types(data: bytes, source: str | Path) -> set[str]:
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
