"""Bad input, every modality: an error (or a warning) that names the problem and says
the fix, before any training.

A fit case runs with ``storage=`` a journal file and then checks that the journal holds
no trial: the input was refused before the search began. Predict cases share one small
fitted model per modality. The property tests at the end throw random small DataFrames
at the tabular checks: ``fit`` either refuses them with a plain ValueError or TypeError
or returns a fitted model, never any other exception.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import scipy.sparse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from PIL import Image
from sklearn.exceptions import NotFittedError

from autodeep import (
    ImageClassifier,
    ImageRegressor,
    TabularClassifier,
    TabularRegressor,
    TextClassifier,
    TextRegressor,
    load,
)
from autodeep.preprocessing import ImagePreprocessor
from autodeep.search._storage import make_storage

# No refit: a fitted model only has to exist, not to be good.
FAST = {
    "max_trials": 1,
    "max_epochs": 1,
    "random_state": 0,
    "verbose": 0,
    "refit": False,
}
N = 40
LABELS = np.arange(N) % 2


def trial_count(journal: Path) -> int:
    """Trials recorded in an Optuna journal file (0 when there is no file)."""
    if not journal.exists():
        return 0
    storage = make_storage(str(journal))
    return sum(
        len(storage.get_all_trials(study._study_id))
        for study in storage.get_all_studies()
    )


def frame(n: int = N) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.normal(size=n),
            "c": np.array(["x", "y", "z"])[np.arange(n) % 3],
            "flag": np.arange(n) % 2 == 0,
            "when": pd.date_range("2024-01-01", periods=n, freq="D"),
        }
    )


def unit_images(n: int = N) -> np.ndarray:
    """Grayscale 8x8 images with pixels in [0, 1]."""
    return np.random.default_rng(0).random((n, 8, 8)).astype(np.float32)


def byte_images(n: int = N) -> np.ndarray:
    """The same images on the 0..255 scale, uint8."""
    return (unit_images(n) * 255).round().astype(np.uint8)


def with_pixel(value: float, index: int) -> np.ndarray:
    images = unit_images()
    images[index, 3, 3] = value
    return images


def image_files(folder: Path, last: str) -> list[str]:
    """N - 1 readable PNG files and a last path, named ``last``."""
    paths = []
    for index in range(N - 1):
        path = folder / f"{index}.png"
        Image.fromarray(byte_images(1)[0]).save(path)
        paths.append(str(path))
    return [*paths, str(folder / last)]


def broken_file(folder: Path) -> list[str]:
    paths = image_files(folder, "broken.png")
    Path(paths[-1]).write_bytes(b"\x89PNG not really an image")
    return paths


TEXTS = ["good film", "bad film", "a great story", "a dull plot"] * (N // 4)


def case(
    name: str,
    estimator: type,
    X: Callable[[Path], Any],
    y: Any,
    error: type[Exception],
    match: str,
) -> Any:
    return pytest.param(estimator, X, y, error, match, id=name)


def target_with(value: float, row: int) -> np.ndarray:
    y = LABELS.astype(float)
    y[row] = value
    return y


FIT_CASES = [
    # -- the target (any modality: the checks are shared) -----------------------------
    case(
        "nan-target",
        TabularClassifier,
        lambda tmp: frame(),
        target_with(np.nan, 3),
        ValueError,
        r"y has 1 missing value.*row\(s\) \[3\]\. Drop those rows or fill in",
    ),
    case(
        "inf-target",
        TabularRegressor,
        lambda tmp: frame(),
        target_with(np.inf, 10),
        ValueError,
        r"y has 1 infinite value.*row\(s\) \[10\]\. Drop those rows or replace",
    ),
    case(
        "nan-target-regressor",
        TabularRegressor,
        lambda tmp: frame(),
        target_with(np.nan, 10),
        ValueError,
        r"y has 1 missing value.*row\(s\) \[10\]",
    ),
    case(
        "one-class",
        TabularClassifier,
        lambda tmp: frame(),
        np.zeros(N),
        ValueError,
        r"y has 1 class .*needs at least 2 classes\. Check that the target",
    ),
    case(
        "length-mismatch",
        TabularClassifier,
        lambda tmp: frame(),
        LABELS[:-5],
        ValueError,
        r"X has 40 rows, y has 35\. Pass one target value per row",
    ),
    case(
        "no-target",
        TabularClassifier,
        lambda tmp: frame(),
        None,
        ValueError,
        r"requires y to be passed, but the target y is None",
    ),
    case(
        "one-sample",
        TabularRegressor,
        lambda tmp: frame(1),
        [1.0],
        ValueError,
        r"Found 1 sample\(s\); autodeep needs at least 2 samples",
    ),
    case(
        "image-nan-target",
        ImageRegressor,
        lambda tmp: unit_images(),
        target_with(np.nan, 5),
        ValueError,
        r"y has 1 missing value.*row\(s\) \[5\]",
    ),
    case(
        "text-length-mismatch",
        TextRegressor,
        lambda tmp: TEXTS,
        LABELS[:-1].astype(float),
        ValueError,
        r"X has 40 rows, y has 39",
    ),
    # -- tables -----------------------------------------------------------------------
    case(
        "empty-frame",
        TabularClassifier,
        lambda tmp: pd.DataFrame({"a": []}),
        [],
        ValueError,
        r"Found array with 0 sample\(s\)",
    ),
    case(
        "empty-array",
        TabularClassifier,
        lambda tmp: np.empty((0, 3)),
        [],
        ValueError,
        r"Found array with 0 sample\(s\)",
    ),
    case(
        "no-columns",
        TabularClassifier,
        lambda tmp: pd.DataFrame(index=range(N)),
        LABELS,
        ValueError,
        r"Found array with 0 feature\(s\)",
    ),
    case(
        "infinite-feature",
        TabularClassifier,
        lambda tmp: frame().assign(b=np.where(np.arange(N) == 5, np.inf, 0.0)),
        LABELS,
        ValueError,
        r"\['b'\] contain infinity\. Replace it with NaN",
    ),
    case(
        "string-array",
        TabularClassifier,
        lambda tmp: np.array([["a", "1"], ["b", "2"]] * (N // 2), dtype=object),
        LABELS,
        ValueError,
        r"Arrays must be numeric; pass a pandas DataFrame",
    ),
    case(
        "duplicate-columns",
        TabularClassifier,
        lambda tmp: frame().set_axis(["a", "a", "c", "c", "when"], axis=1),
        LABELS,
        ValueError,
        r"duplicate column names: 'a' \(2 times\), 'c' \(2 times\)\. .*rename them",
    ),
    case(
        "mixed-type-column-names",
        TabularClassifier,
        lambda tmp: frame().rename(columns={"a": 0}),
        LABELS,
        TypeError,
        r"only supported if all input features have string names.*astype\(str\)",
    ),
    # -- images -----------------------------------------------------------------------
    case(
        "image-1d",
        ImageClassifier,
        lambda tmp: np.zeros(N),
        LABELS,
        ValueError,
        r"X has shape \(40,\); expected images.*Reshape your data.*X\[np\.newaxis\]",
    ),
    case(
        "image-empty-list",
        ImageClassifier,
        lambda tmp: [],
        [],
        ValueError,
        r"X contains no images \(shape \(0,\)\); pass at least one image",
    ),
    case(
        "image-empty-array",
        ImageClassifier,
        lambda tmp: np.zeros((0, 8, 8)),
        [],
        ValueError,
        r"X contains no images \(shape \(0, 8, 8\)\); pass at least one image",
    ),
    case(
        "image-ragged-list",
        ImageClassifier,
        lambda tmp: [*unit_images(N // 2), *np.zeros((N // 2, 8, 9))],
        LABELS,
        ValueError,
        r"image 0 has shape \(8, 8\) but image 20 has shape \(8, 9\)\. .*resize them",
    ),
    case(
        "image-sparse",
        ImageClassifier,
        lambda tmp: scipy.sparse.csr_matrix(np.zeros((N, 64))),
        LABELS,
        TypeError,
        r"X is a sparse matrix, but images must be a dense array.*X\.toarray\(\)",
    ),
    case(
        "image-nan-pixel",
        ImageClassifier,
        lambda tmp: with_pixel(np.nan, 7),
        LABELS,
        ValueError,
        r"Image 7 of X has NaN or infinite pixel values; replace them with valid "
        r"pixel values or drop the image",
    ),
    case(
        "image-inf-pixel",
        ImageRegressor,
        lambda tmp: with_pixel(-np.inf, 4),
        LABELS.astype(float),
        ValueError,
        r"Image 4 of X has NaN or infinite pixel values",
    ),
    case(
        "image-5d",
        ImageClassifier,
        lambda tmp: np.zeros((N, 8, 8, 3, 1), np.uint8),
        LABELS,
        ValueError,
        r"shape \(40, 8, 8, 3, 1\); expected \(n_images, height, width\)",
    ),
    case(
        "image-two-channels",
        ImageClassifier,
        lambda tmp: np.zeros((N, 8, 8, 2), np.uint8),
        LABELS,
        ValueError,
        r"X has 2 channels .*expected 1 \(grayscale\), 3 \(RGB\)",
    ),
    case(
        "image-unreadable-file",
        ImageClassifier,
        broken_file,
        LABELS,
        ValueError,
        r"Image 39 \(.*broken\.png.*not a readable image.*Replace or remove",
    ),
    case(
        "image-missing-file",
        ImageClassifier,
        lambda tmp: image_files(tmp, "nowhere.png"),
        LABELS,
        ValueError,
        r"Image 39 \(.*nowhere\.png.*does not exist.*Fix the path or remove",
    ),
    # -- texts ------------------------------------------------------------------------
    case(
        "text-only-whitespace",
        TextClassifier,
        lambda tmp: ["  ", "\n\t", " \u3000 ", ""] * (N // 4),
        LABELS,
        ValueError,
        r"All 40 texts are empty or missing, or hold only whitespace.*Check that X "
        r"is the text column",
    ),
    case(
        "text-empty-or-missing",
        TextClassifier,
        lambda tmp: ["", None, float("nan"), pd.NA] * (N // 4),
        LABELS,
        ValueError,
        r"All 40 texts are empty or missing.*Check that X is the text column",
    ),
    case(
        "text-number-element",
        TextClassifier,
        lambda tmp: [*TEXTS[:-1], 3.5],
        LABELS,
        ValueError,
        r"Text 39 is a float \(3\.5\), not a str.*convert it to str",
    ),
    case(
        "text-bytes-element",
        TextClassifier,
        lambda tmp: pd.Series([*TEXTS[:-1], b"caf\xc3\xa9"]),
        LABELS,
        ValueError,
        r"Text 39 is a bytes .*decode it first",
    ),
    case(
        "text-two-columns",
        TextClassifier,
        lambda tmp: pd.DataFrame({"title": TEXTS, "body": TEXTS}),
        LABELS,
        ValueError,
        r"2 columns \['title', 'body'\]; expected exactly one text column\. Select",
    ),
    case(
        "text-2d-array",
        TextClassifier,
        lambda tmp: np.array([TEXTS, TEXTS]).T,
        LABELS,
        ValueError,
        r"expected a 1-D array of texts\. For a single column of texts pass X\[:, 0\]",
    ),
    case(
        "text-single-string",
        TextClassifier,
        lambda tmp: "one text",
        [0],
        TypeError,
        r"X is a single string; pass a list .*\[X\]",
    ),
    case(
        "text-no-texts",
        TextClassifier,
        lambda tmp: [],
        [],
        ValueError,
        r"X contains no texts \(0 rows\); pass at least one text",
    ),
]


@pytest.mark.parametrize(("estimator", "X", "y", "error", "match"), FIT_CASES)
def test_fit_refuses_bad_input_before_training(tmp_path, estimator, X, y, error, match):
    journal = tmp_path / "journal.log"
    model = estimator(**FAST, storage=str(journal))
    with pytest.raises(error, match=match):
        model.fit(X(tmp_path), y)
    assert trial_count(journal) == 0
    assert not hasattr(model, "model_")


# -- predict: one small fitted model per modality --------------------------------------


def fitted(model: Any, X: Any, y: Any) -> Any:
    # One epoch learns little; the engine says so, and that is not what is tested here.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "No trial did better", UserWarning)
        return model.fit(X, y)


@pytest.fixture(scope="module")
def tabular_model():
    return fitted(TabularClassifier(**FAST), frame(), LABELS)


@pytest.fixture(scope="module")
def array_model():
    X = frame()[["a", "b"]].to_numpy()
    return fitted(TabularRegressor(**FAST), X, X[:, 0])


@pytest.fixture(scope="module")
def image_model():
    return fitted(ImageClassifier(**FAST), unit_images(), LABELS)


@pytest.fixture(scope="module")
def text_model():
    return fitted(TextClassifier(**FAST), TEXTS, LABELS)


def codes(column: pd.Series) -> pd.Series:
    return column.map({"x": 0, "y": 1, "z": 2})


def numbers_but_one_word(column: pd.Series) -> list[Any]:
    return ["abc", *column.astype(str)[1:]]


PREDICT_ERRORS = [
    pytest.param(
        "tabular_model",
        lambda: frame().drop(columns="c"),
        ValueError,
        r"Feature names seen at fit time, yet now missing:\n- c\n"
        r"Pass the columns seen at fit.*add any missing column back",
        id="missing-column",
    ),
    pytest.param(
        "tabular_model",
        lambda: frame().assign(d=1.0),
        ValueError,
        r"Feature names unseen at fit time:\n- d\n"
        r"Pass the columns seen at fit, in the same order: "
        r"X = X\[model\.feature_names_in_\]",
        id="unknown-column",
    ),
    pytest.param(
        "tabular_model",
        lambda: frame()[["b", "a", "c", "flag", "when"]],
        ValueError,
        r"Feature names must be in the same order as they were in fit\.\n"
        r"Pass the columns seen at fit, in the same order",
        id="columns-in-another-order",
    ),
    pytest.param(
        "tabular_model",
        lambda: frame().set_axis(["a", "b", "c", "a", "when"], axis=1),
        ValueError,
        r"duplicate column names: 'a' \(2 times\)\. .*rename them",
        id="duplicate-columns",
    ),
    pytest.param(
        "tabular_model",
        lambda: frame().assign(a=lambda X: numbers_but_one_word(X["a"])),
        ValueError,
        r"Column 'a' was numeric \(dtype float64\) at fit but now holds values that "
        r"are not numbers \(such as 'abc', dtype \w+\)\. Pass numbers.*pd\.to_numeric",
        id="numeric-column-holds-words",
    ),
    pytest.param(
        "array_model",
        lambda: np.zeros((3, 3)),
        ValueError,
        r"X has 3 features, but TabularRegressor is expecting 2 features",
        id="wrong-n-features",
    ),
    pytest.param(
        "image_model",
        lambda: unit_images(3)[:, :, :6],
        ValueError,
        r"images of size \(8, 6\).*fitted on size \(8, 8\); resize the images",
        id="image-other-size",
    ),
    pytest.param(
        "image_model",
        lambda: np.repeat(unit_images(3)[..., None], 3, axis=3),
        ValueError,
        r"X has 3 channels but .*fitted on grayscale images; convert X to grayscale",
        id="image-colour-for-grayscale",
    ),
    pytest.param(
        "image_model",
        lambda: with_pixel(np.nan, 2),
        ValueError,
        r"Image 2 of X has NaN or infinite pixel values",
        id="image-nan-pixel",
    ),
    pytest.param(
        "image_model",
        lambda: [np.zeros((8, 8)), np.zeros((8, 8, 3))],
        ValueError,
        r"image 0 has shape \(8, 8\) but image 1 has shape \(8, 8, 3\)",
        id="image-ragged-list",
    ),
    pytest.param(
        "image_model",
        lambda: np.zeros(8),
        ValueError,
        r"X has shape \(8,\); expected images",
        id="image-1d",
    ),
    pytest.param(
        "text_model",
        lambda: pd.DataFrame({"title": TEXTS[:2], "body": TEXTS[:2]}),
        ValueError,
        r"expected exactly one text column",
        id="text-two-columns",
    ),
    pytest.param(
        "text_model",
        lambda: ["fine", 7],
        ValueError,
        r"Text 1 is a int \(7\), not a str",
        id="text-number-element",
    ),
    pytest.param(
        "text_model",
        lambda: [],
        ValueError,
        r"X contains no texts",
        id="text-no-texts",
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize(("model", "X", "error", "match"), PREDICT_ERRORS)
def test_predict_refuses_bad_input(request, model, X, error, match):
    with pytest.raises(error, match=match):
        request.getfixturevalue(model).predict(X())


def test_predict_before_fit_says_to_fit():
    with pytest.raises(NotFittedError, match=r"not fitted yet\. Call 'fit'"):
        TabularClassifier(**FAST).predict(frame())


PREDICT_WARNINGS = [
    pytest.param(
        "tabular_model",
        lambda: frame().assign(c=lambda X: codes(X["c"])),
        r"Column 'c' was categorical \(text, dtype \w+\) at fit but is numeric \(dtype "
        r"int64\) now; all 40 values match no category seen at fit \(such as '0', "
        r"'1', '2'\).*map codes back to their labels",
        id="category-labels-became-codes",
    ),
    pytest.param(
        "tabular_model",
        lambda: frame().assign(c=lambda X: pd.Categorical(codes(X["c"]))),
        r"Column 'c' was categorical \(text, dtype \w+\) at fit but is categorical "
        r"\(numbers, dtype category\) now; all 40 values match no category",
        id="category-labels-became-category-codes",
    ),
    pytest.param(
        "tabular_model",
        lambda: frame().assign(flag=lambda X: X["flag"].astype(int)),
        r"Column 'flag' was categorical \(True/False, dtype bool\) at fit but is "
        r"numeric \(dtype int64\) now; all 40 values match no category.*"
        r"X\['flag'\] = X\['flag'\]\.astype\(bool\)",
        id="booleans-became-integers",
    ),
    pytest.param(
        "tabular_model",
        lambda: frame().assign(a=lambda X: X["a"].astype(str)),
        r"Column 'a' was numeric \(dtype float64\) at fit but is categorical "
        r"\(text, dtype \w+\) now\. Pass numbers as at fit, e\.g\. X\['a'\] = "
        r"pd\.to_numeric\(X\['a'\]\)",
        id="numbers-became-text",
    ),
    pytest.param(
        "tabular_model",
        lambda: frame().assign(when="next week"),
        r"Column 'when' was datetime \(dtype datetime64\[\w+\]\) at fit but is "
        r"categorical \(text, dtype \w+\) now; 40 of 40 values are not dates and "
        r"count as missing\. Pass dates as at fit, e\.g\. X\['when'\] = "
        r"pd\.to_datetime\(X\['when'\]\)",
        id="dates-became-words",
    ),
    pytest.param(
        "image_model",
        lambda: byte_images(5),
        r"X has pixels in \[0, 255\] \(brightest \d+, uint8\) but this model was "
        r"fitted on pixels in \[0, 1\] \(brightest 1, float32\).*divide X by 255, "
        r"e\.g\. X = "
        r"X\.astype\('float32'\) / 255",
        id="image-0-255-for-0-1",
    ),
]


@pytest.mark.parametrize(("model", "X", "match"), PREDICT_WARNINGS)
def test_predict_warns_when_data_changed_kind(request, model, X, match):
    with pytest.warns(UserWarning, match=match):
        request.getfixturevalue(model).predict(X())


@pytest.mark.parametrize(
    ("model", "X"),
    [
        ("tabular_model", frame),
        (
            "tabular_model",
            lambda: frame().assign(c=lambda X: X["c"].astype("category")),
        ),
        ("tabular_model", lambda: frame(3).assign(c=["x", "new", None])),
        ("image_model", unit_images),
        ("image_model", lambda: unit_images(2) * 0.3),
        ("text_model", lambda: ["   ", ""]),
    ],
    ids=[
        "same-data",
        "labels-as-category-dtype",
        "an-unseen-label",
        "same-scale",
        "dark-images",
        "empty-texts-predict",
    ],
)
def test_predict_on_data_like_fit_does_not_warn(request, model, X):
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        request.getfixturevalue(model).predict(X())


# The reloaded model has no optimizer state; Keras says so.
@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")
def test_the_pixel_scale_of_fit_survives_save_and_load(image_model, tmp_path):
    image_model.save(tmp_path / "model")
    loaded = load(tmp_path / "model")
    assert loaded.preprocessor_.pixel_range_ == image_model.preprocessor_.pixel_range_
    with pytest.warns(
        UserWarning, match=r"fitted on pixels in \[0, 1\] \(brightest 1, float32\)"
    ):
        loaded.predict(byte_images(3))


@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")
def test_the_column_kinds_of_fit_survive_save_and_load(tabular_model, tmp_path):
    tabular_model.save(tmp_path / "model")
    loaded = load(tmp_path / "model")
    with pytest.warns(UserWarning, match="Column 'c' was categorical"):
        loaded.predict(frame().assign(c=lambda X: codes(X["c"])))


@pytest.mark.parametrize(
    ("fit", "predict", "match"),
    [
        (
            byte_images,
            lambda: unit_images(3),
            r"X has pixels in \[0, 1\] \(brightest 0\.\d+, float32\) but this model "
            r"was fitted on pixels in \[0, 255\] \(brightest 255, uint8\).*"
            r"X = \(X \* 255\)\.astype\('uint8'\)",
        ),
        (
            unit_images,
            lambda: byte_images(3).astype(np.float32),
            r"X has pixels in \[0, 255\] \(brightest \d+, float32\) but .* in "
            r"\[0, 1\] \(brightest 1, float32\).*divide X by 255",
        ),
    ],
    ids=["0-1-for-0-255", "0-255-floats-for-0-1"],
)
def test_pixel_scale_warning_names_both_scales(fit, predict, match):
    preprocessor = ImagePreprocessor().fit(fit())
    with pytest.warns(UserWarning, match=match):
        preprocessor.transform(predict())


# -- properties of the tabular checks ---------------------------------------------------


@st.composite
def columns(draw: Any, n: int) -> pd.Series:
    """One column of n values of a random dtype, sometimes with NaN or infinity."""
    kind = draw(
        st.sampled_from(["float", "int", "str", "object", "bool", "date", "category"])
    )
    if kind == "float":
        values = draw(st.lists(st.floats(-1e6, 1e6), min_size=n, max_size=n))
        special = draw(st.sampled_from([None, None, np.nan, np.inf, -np.inf]))
        if special is not None and n:
            values[draw(st.integers(0, n - 1))] = special
        return pd.Series(values, dtype=float)
    if kind == "int":
        return pd.Series(draw(st.lists(st.integers(-5, 5), min_size=n, max_size=n)))
    if kind == "date":
        days = draw(st.lists(st.integers(0, 1000), min_size=n, max_size=n))
        return pd.Series(pd.Timestamp("2020-01-01") + pd.to_timedelta(days, "D"))
    if kind == "bool":
        return pd.Series(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    labels = st.text("xyz ", max_size=3) | st.none()
    if kind in ("str", "category"):
        series = pd.Series(draw(st.lists(labels, min_size=n, max_size=n)), dtype=object)
        return series.astype("category") if kind == "category" else series
    mixed = labels | st.integers(-3, 3) | st.floats(allow_nan=True) | st.booleans()
    return pd.Series(draw(st.lists(mixed, min_size=n, max_size=n)), dtype=object)


@st.composite
def tables(draw: Any) -> tuple[pd.DataFrame, np.ndarray]:
    """A DataFrame of 0-12 rows and 1-4 columns, now and then with a repeated or a
    non-str column name or no column at all, and a target of 0-2 classes."""
    n = draw(st.integers(0, 12))
    names: list[Any] = draw(
        st.lists(st.sampled_from("abcd"), unique=True, min_size=1, max_size=4)
    )
    flaw = draw(
        st.sampled_from([None, None, None, "repeated name", "int name", "no columns"])
    )
    if flaw == "repeated name":
        names.append(names[0])
    elif flaw == "int name":
        names.append(0)
    elif flaw == "no columns":
        names = []
    X = pd.DataFrame(
        {i: draw(columns(n)) for i in range(len(names))}, index=range(n)
    ).set_axis(names, axis=1)
    y = np.array(draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)))
    return X, y


def assert_clear_refusal(error: Exception) -> None:
    """A plain ValueError or TypeError: a library's own subclass (such as narwhals'
    DuplicateError) means its raw message reached the user instead of ours."""
    assert type(error) in (ValueError, TypeError), f"{type(error)}: {error}"
    event(f"refused: {type(error).__name__}")


class Validated(Exception):
    """Raised in place of the search: the input passed every check."""


# Derandomized: the same examples on every run and machine, and no example database.
@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(table=tables())
def test_tabular_checks_refuse_clearly_or_pass_data_the_preprocessing_can_read(table):
    """Whatever passes the checks, the preprocessing turns into finite numbers."""
    import autodeep._engine

    X, y = table
    seen = {}

    def search(plan, X, y, settings):
        seen.update(plan=plan, X=X)
        raise Validated

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(autodeep._engine, "fit", search)
        try:
            TabularClassifier(**FAST).fit(X, y)
        except Validated:
            event("passed the checks")
        except Exception as error:
            assert_clear_refusal(error)
            return
    rows = seen["plan"].make_preprocessor().fit_transform(seen["X"])
    assert rows.shape[0] == len(X) and np.isfinite(rows).all()


@settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(table=tables())
def test_tabular_fit_refuses_clearly_or_fits(table):
    X, y = table
    model = TabularRegressor(**FAST)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "no better than a constant"
        try:
            model.fit(X, y.astype(float))
        except Exception as error:
            assert_clear_refusal(error)
            return
    event("fitted")
    assert model.predict(X).shape == (len(X),)
