"""Results by group (issue 15, part 3): groups from column names or values kept aside,
bootstrap intervals, and known answers: a gap through a proxy column, none without."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import autodeep
from autodeep import TabularClassifier
from autodeep._fairness import gaps, groups_of
from tests.conftest import FAST


def test_groups_from_names_values_and_several_columns():
    X = pd.DataFrame({"sex": ["f", "m", None], "age": [30, 40, 50], "x": [1, 2, 3]})
    assert groups_of(X, "sex").tolist() == ["f", "m", "missing"]
    both = groups_of(X, ["sex", "age"])
    assert both.tolist() == ["sex=f, age=30", "sex=m, age=40", "sex=missing, age=50"]
    assert groups_of(X, np.array(["a", "b", "a"])).tolist() == ["a", "b", "a"]
    kept = pd.Series(["u", "v", "u"], index=[10, 11, 12], name="site")
    assert groups_of(X, kept).tolist() == ["u", "v", "u"]  # by position, not index
    assert groups_of(X, kept).name == groups_of(X, kept.to_frame()).name == "site"
    # A list of strings, one per row and not column names, is values.
    assert groups_of(X, ["p", "q", "p"]).tolist() == ["p", "q", "p"]


@pytest.mark.parametrize(
    ("sensitive", "message"),
    [
        ("colour", "which X does not have"),
        (np.array(["a", "b"]), "2 rows and X has 3"),
    ],
)
def test_bad_sensitive_features_are_refused(sensitive, message):
    X = pd.DataFrame({"x": [1, 2, 3]})
    with pytest.raises(ValueError, match=message):
        groups_of(X, sensitive)
    with pytest.raises(ValueError, match="not a DataFrame"):
        groups_of(np.zeros((3, 1)), "x")


def _people(proxy_strength, seed=0, n=3000):
    """A protected attribute kept aside; X holds a proxy column whose strength ties
    it to the attribute (0: unrelated), and an ordinary feature. The label is set by
    the feature plus the proxy."""
    rng = np.random.default_rng(seed)
    protected = rng.integers(0, 2, n)
    proxy = proxy_strength * protected + rng.normal(scale=0.3, size=n)
    if proxy_strength == 0:
        proxy = rng.normal(scale=0.3, size=n)
    feature = rng.normal(size=n)
    y = (feature + 2.0 * proxy + rng.normal(scale=0.3, size=n) > 1.0).astype(int)
    X = pd.DataFrame({"feature": feature, "proxy": proxy})
    return X, y, np.where(protected == 1, "group B", "group A")


@pytest.fixture(scope="module")
def fitted():
    return fit_both()


def fit_both():
    """A classifier on people with a proxy of the protected attribute (1.0) and on
    people without one (0.0), each with its held-out half."""
    models = {}
    for strength in (1.0, 0.0):
        X, y, protected = _people(strength)
        half = len(y) // 2
        model = TabularClassifier(**FAST).fit(X[:half], y[:half])
        models[strength] = (model, X[half:], y[half:], protected[half:])
    return models


@pytest.mark.slow
def test_a_proxy_for_the_protected_attribute_shows_a_gap(fitted, tmp_path):
    model, X, y, protected = fitted[1.0]
    frame = autodeep.fairness_frame(model, X, y, protected)
    assert list(frame.index) == ["group A", "group B"]
    assert frame["rows"].sum() == len(y)
    gap = gaps(frame).loc["selection_rate"]
    assert gap["difference"] > 0.3 and not gap["intervals_overlap"]
    assert gap["lowest"] == "group A"
    page = Path(
        model.report(X, y, tmp_path / "r.html", sensitive_features=protected)
    ).read_text()
    section = re.search(r'<section id="groups">(.*?)</section>', page, re.S).group(1)
    text = unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section)))
    assert "The share predicted as 1 is lowest for group A" in text
    assert "the difference is larger than chance would explain" in text


def gaps_are_known(models):
    """The known answers of ``fitted`` models: a proxy of the protected attribute shows
    a selection-rate gap beyond the intervals; without one, every interval overlaps."""
    model, X, y, protected = models[1.0]
    gap = gaps(autodeep.fairness_frame(model, X, y, protected)).loc["selection_rate"]
    assert gap["difference"] > 0.3 and not gap["intervals_overlap"], gap
    model, X, y, protected = models[0.0]
    table = gaps(autodeep.fairness_frame(model, X, y, protected))
    assert table["intervals_overlap"].all(), table


@pytest.mark.slow
def test_no_gap_when_the_label_does_not_depend_on_the_attribute(fitted):
    model, X, y, protected = fitted[0.0]
    frame = autodeep.fairness_frame(model, X, y, protected)
    table = gaps(frame)
    assert table["intervals_overlap"].all(), table
    # Each interval holds its own estimate.
    for measure in ("accuracy", "selection_rate", "true_positive_rate"):
        assert (frame[f"{measure}_low"] <= frame[measure]).all()
        assert (frame[measure] <= frame[f"{measure}_high"]).all()


@pytest.mark.slow
def test_a_tiny_group_is_uncertain_not_unfair(fitted):
    model, X, y, _ = fitted[0.0]
    groups = np.array(["big"] * len(y), dtype=object)
    groups[:6] = "tiny"
    frame = autodeep.fairness_frame(model, X, y, groups)
    width = frame["accuracy_high"] - frame["accuracy_low"]
    assert width["tiny"] > 5 * width["big"]
