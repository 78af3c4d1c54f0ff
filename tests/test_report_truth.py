"""The report states only what happened: each sentence is checked on a situation
built to make a false one likely (all predictions right, no borderline case, a
regressor, a refit or none, image maps that do not differ, text with capitals)."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import numpy as np
import pytest

import autodeep
from autodeep import TabularClassifier, TextClassifier, load
from autodeep._calibration import calibration_error, scaled
from autodeep._intervals import wilson_interval
from autodeep.explain._explanation import Explanation
from autodeep.explain._report_search import leaderboard_table
from autodeep.explain._trust import sameness_check
from tests._browser import needs_chromium, render
from tests.conftest import FAST, sentiment_texts


def _text(page: str) -> str:
    """The page's text as a reader sees it: no tags, entities decoded."""
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def _section(html: str, name: str) -> str:
    return re.search(rf'<section id="{name}">(.*?)</section>', html, re.S).group(1)


@pytest.fixture(scope="module")
def all_right(cancer_with_categories, cancer_model, tmp_path_factory):
    """The report on test rows the model gets right and is sure of (over 90%)."""
    _, X_test, _, y_test = cancer_with_categories
    proba = cancer_model.predict_proba(X_test).max(axis=1)
    keep = (cancer_model.predict(X_test) == y_test.to_numpy()) & (proba > 0.9)
    X, y = X_test[keep], y_test[keep]
    path = tmp_path_factory.mktemp("truth") / "right.html"
    cancer_model.report(X, y, path)
    return path.read_text(), len(y)


def test_wilson_interval_does_not_collapse_at_the_edges():
    low, high = wilson_interval(143, 143)
    assert 0.96 < low < 0.98 and high == 1.0
    low, high = wilson_interval(0, 20)
    assert low == 0.0 and 0.1 < high < 0.2
    low, high = wilson_interval(50, 100)
    assert low < 0.5 < high and abs((low + high) / 2 - 0.5) < 1e-9


def test_all_right_predictions_get_an_honest_interval_and_caveats(all_right):
    html, n = all_right
    summary = _text(_section(html, "summary"))
    assert f"right 100.0% of the time ({n} of {n};" in summary
    low, _ = wilson_interval(n, n)
    assert f"interval {low:.1%} to 100.0%, Wilson score interval" in summary
    caveats = _text(_section(html, "caveats"))
    # The caveat about the interval appears exactly when the interval shown is wide.
    assert ("interval above is wide" in caveats) == (1.0 - low > 0.10)
    # All rows were explained and there were no mistakes to add.
    assert f"The explanations were computed for all {n} rows." in caveats
    assert "mistake" not in caveats


def test_borderline_means_near_the_boundary(
    all_right, cancer_with_categories, cancer_model, tmp_path
):
    html, _ = all_right
    # Every kept row is over 90% sure: nothing is borderline, and the report says so.
    assert "<h3>Borderline</h3>" not in html
    assert "None was borderline" in _section(html, "examples")
    assert "Most confident, wrong" not in html
    # On all the test rows, each borderline example shown is within 20 points.
    _, X_test, _, y_test = cancer_with_categories
    full = cancer_model.report(X_test, y_test, tmp_path / "full.html")
    page = Path(full).read_text()
    cards = re.findall(r"<h3>Borderline</h3>.*?with (\d+)% confidence", page, re.S)
    assert all(int(c) < 60 for c in cards)  # binary: margin 0.2 is below 60%


def test_search_section_names_what_the_search_ranked_by(all_right):
    html, _ = all_right
    search = _text(_section(html, "search"))
    assert "The best designs, by validation loss (what the search minimized)" in search
    assert "The star marks the chosen design (trial 0)" in search
    # The model was refit: the curve is the refit's, and said to be.
    assert "trained again on all" in search
    table = re.search(r"<table.*?</table>", _section(html, "search"), re.S).group(0)
    assert "nan" not in table.lower()
    header = re.search(r"<thead>(.*?)</thead>", table, re.S).group(1)
    assert re.findall(r"<th>([^<]*)</th>", header)[0] == "trial"  # no 0..n index
    appendix = _text(_section(html, "appendix"))
    assert "time_budget none" in appendix


@pytest.mark.slow
def test_refit_history_is_the_refit_and_survives_saving(
    cancer, cancer_with_categories, cancer_model, tmp_path
):
    X_train, _, y_train, _ = cancer
    refit = cancer_model
    assert set(refit.refit_history_) == {"loss"}  # all rows: no validation curve
    assert len(refit.refit_history_["loss"]) == refit.best_epochs_
    assert refit.refit_history_["loss"] != refit.history_["loss"][: refit.best_epochs_]
    refit.save(tmp_path / "model")
    assert load(tmp_path / "model").refit_history_ == refit.refit_history_
    X_seen, _, y_seen, _ = cancer_with_categories  # what cancer_model was fit on
    refit.report(X_seen[:60], y_seen[:60], tmp_path / "refit.html")
    certainty = _text(_section((tmp_path / "refit.html").read_text(), "certainty"))
    assert "refit on all the rows" in certainty
    # refit="auto" keeps a weighted classifier's trained model: no page says refit.
    kept = TabularClassifier(**FAST, class_weight="balanced").fit(X_train, y_train)
    assert kept.refit_history_ == {}
    kept.report(X_train[:60], y_train[:60], tmp_path / "kept.html")
    page = (tmp_path / "kept.html").read_text()
    search = _text(_section(page, "search"))
    assert "kept as trained" in search and "trained again" not in search
    assert "refit on all the rows" not in _text(_section(page, "certainty"))


@pytest.mark.slow
def test_scoring_changes_what_the_search_section_ranks_by(cancer, tmp_path):
    X_train, X_test, y_train, y_test = cancer
    clf = TabularClassifier(**FAST, scoring="balanced_accuracy").fit(X_train, y_train)
    clf.report(X_test, y_test, tmp_path / "scored.html")
    search = _text(_section((tmp_path / "scored.html").read_text(), "search"))
    assert "by validation balanced accuracy (what the search maximized)" in search


def test_certainty_section_states_the_measured_calibration(
    cancer_with_categories, cancer_model, tmp_path
):
    _, X_test, _, y_test = cancer_with_categories
    page = Path(cancer_model.report(X_test, y_test, tmp_path / "c.html")).read_text()
    text = _text(_section(page, "certainty"))
    codes = np.searchsorted(cancer_model.classes_, y_test.to_numpy())
    shown = cancer_model.predict_proba(X_test)
    error = calibration_error(shown, codes, 10)
    assert f"off by {100 * error:.1f} percentage points on average" in text
    temperature = cancer_model.temperature_
    assert temperature is not None  # calibration is on by default
    if temperature != 1.0:
        before = calibration_error(scaled(shown, 1 / temperature), codes, 10)
        assert f"(temperature {temperature:.2f})" in text
        assert f"the error here would be {100 * before:.1f} points" in text
        said = "it helped here" if error < before else "it did not help here"
        assert said in text
    sets = cancer_model.predict_set(X_test, 0.1)
    assert f"the lists hold {sets.sum(axis=1).mean():.2f} classes on average" in text
    held = sets[np.arange(len(codes)), codes].mean()
    assert f"held the right class for {100 * held:.1f} %" in text
    # The attack sentence quotes the PGD curve on the report's rows (143 here).
    fooled = _text(_section(page, "robustness"))
    table = autodeep.robustness(cancer_model, X_test, y_test, attacks=["pgd"])
    clean = table["accuracy"].iloc[0]
    assert f"from {100 * clean:.0f} % to" in fooled
    assert "categorical columns and missing-value flags were left" in fooled
    # Fewer than 200 rows: the report says the numbers are rough.
    assert ("these numbers are rough" in text) == (len(y_test) < 200)
    assert "<img" in _section(page, "certainty")


def test_regressor_report_speaks_of_values_not_classes(
    diabetes, diabetes_model, tmp_path
):
    _, X_test, _, y_test = diabetes
    reg = diabetes_model
    reg.report(X_test, y_test, tmp_path / "reg.html")
    html = (tmp_path / "reg.html").read_text()
    text = _text(html)
    assert "mean absolute error is" in text and "typical error" not in text
    assert "toward" not in _text(_section(html, "examples"))
    assert "Blue raised the predicted value, red lowered it." in text
    assert re.search(r"mattered most: it (raised|lowered) the prediction by", text)
    assert "in the target's units" in _text(_section(html, "drivers"))
    # The units are the target's: the drivers table is the explanation's mean
    # absolute attribution (in the network's standardized units) times the target's
    # standard deviation.
    importance = (
        reg.explain(X_test).global_importance() * reg.target_transform_.scale_[0]
    )
    first = re.search(
        r"<tbody>\s*<tr>\s*<th>([^<]+)</th>\s*<td>([^<]+)</td>",
        _section(html, "drivers"),
    )
    assert first.group(1) == importance.index[0]
    assert float(first.group(2)) == pytest.approx(importance.iloc[0], abs=1e-3)
    assert importance.iloc[0] > 1.0  # diabetes' target spreads over ~300: not 0..1
    certain = _text(_section(html, "certainty"))
    assert "calibration error" not in certain  # calibration is for classifiers
    bounds = reg.predict_interval(X_test, alpha=0.1)
    half = np.mean(bounds[:, 1] - bounds[:, 0]) / 2
    assert f"the true value is meant to lie within ±{half:.4g} of the" in certain
    held = np.mean((bounds[:, 0] <= y_test) & (y_test <= bounds[:, 1]))
    assert f"it held {100 * held:.1f} % of the true values" in certain


def test_identical_image_maps_fail_the_sameness_check():
    rng = np.random.default_rng(0)
    blob = rng.random((8, 8))
    common = dict(
        kind="image",
        method="gradcam",
        settings={},
        unit_names=[[]] * 6,
        inputs=None,
        targets=np.zeros(6),
        predictions=np.zeros(6),
    )
    same = Explanation(
        attributions=[blob + 1e-3 * rng.random((8, 8)) for _ in range(6)], **common
    )
    varied = Explanation(attributions=[rng.random((8, 8)) for _ in range(6)], **common)
    assert not sameness_check(same).passed and sameness_check(same).similarity > 0.99
    assert sameness_check(varied).passed


@pytest.mark.slow
def test_image_report_overlays_unsigned_maps_without_a_direction_legend(
    digit_images, digits_model, tmp_path
):
    _, X_test, _, y_test = digit_images
    digits_model.report(X_test, y_test, tmp_path / "digits.html", sample_size=60)
    html = (tmp_path / "digits.html").read_text()
    examples = _text(_section(html, "examples"))
    trust = _text(_section(html, "trust"))
    if "Grad-CAM" in trust.split("Verdict")[0] and "instead" not in trust:
        assert "Blue pushed" not in examples and "brightest area" in examples
    assert "maps differ between images" in trust
    # One picture per example: the map laid over its image, not beside it.
    cards = re.findall(r'<div class="example">(.*?)</div>', html, re.S)
    assert cards and all(card.count("<img") == 1 for card in cards)


@pytest.mark.slow
def test_text_examples_show_the_original_text(tmp_path):
    texts, labels, _ = sentiment_texts(200, seed=1)
    texts = [t.capitalize() + "!" for t in texts]
    clf = TextClassifier(**{**FAST, "max_epochs": 8}).fit(texts[:150], labels[:150])
    clf.report(texts[150:], labels[150:], tmp_path / "text.html")
    html = (tmp_path / "text.html").read_text()
    shown = [
        unescape(re.sub(r"<[^>]+>", "", block))
        for block in re.findall(r'<div class="tokens">(.*?)</div>', html, re.S)
    ]
    assert shown and all(text in texts[150:] for text in shown)  # capitals, "!" kept
    captions = re.findall(r"mattered most, pushing (toward|away from)", html)
    assert captions  # the direction is said
    assert 'id="robustness"' not in html  # tokens are not attacked


def test_leaderboard_table_formats(cancer_model):
    table = leaderboard_table(cancer_model.leaderboard_)
    assert list(table.columns[:2]) == ["trial", "state"]
    assert not table.isna().any().any()
    for column in ("accuracy", "loss"):
        assert all(re.fullmatch(r"\d+\.\d{4}", v) for v in table[column] if v)
    reference = table[table["state"] == "reference"].iloc[0]
    assert reference["epochs"] == "" and "HistGradientBoosting" in reference["design"]


@needs_chromium
def test_report_fits_a_1280_pixel_window(all_right, tmp_path):
    html, _ = all_right
    probe = (
        "<script>document.body.setAttribute('data-width', "
        "document.documentElement.scrollWidth)</script></body>"
    )
    page = tmp_path / "probe.html"
    page.write_text(html.replace("</body>", probe), "utf-8")
    dom = render(page, tmp_path / "out", width=1280, height=900).dom
    width = int(re.search(r'data-width="(\d+)"', dom).group(1))
    assert width <= 1280
