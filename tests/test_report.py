"""The HTML report: every section renders in a real browser, offline, for each kind."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from autodeep import TextClassifier
from autodeep.cli import main
from tests._browser import needs_chromium, render
from tests.conftest import FAST, sentiment_texts

SECTIONS = (
    "summary",
    "performance",
    "search",
    "drivers",
    "examples",
    "trust",
    "caveats",
    "appendix",
)


def _check_page(path, out_dir):
    page = render(path, out_dir)
    assert page.requests == []  # self-contained: nothing fetched
    for section in SECTIONS:
        match = re.search(
            rf'<section id="{section}"><h2>[^<]+</h2>(.*?)</section>', page.dom, re.S
        )
        assert match and len(match.group(1)) > 100, f"section {section} is empty"
    # Every embedded picture decoded (a broken data: URI renders as 0 x 0).
    screenshot = np.asarray(Image.open(page.screenshot).convert("RGB"))
    assert len(np.unique(screenshot.reshape(-1, 3), axis=0)) > 50
    return page


def _examples(html):
    return html.count('<div class="example">')


@needs_chromium
def test_tabular_report_renders_offline_with_every_section(
    cancer_with_categories, cancer_model, tmp_path
):
    _, X_test, _, y_test = cancer_with_categories
    path = cancer_model.report(X_test, y_test, tmp_path / "report.html")
    page = _check_page(path, tmp_path)
    text = re.sub(r"<[^>]+>", " ", page.dom)
    accuracy = cancer_model.score(X_test, y_test)
    assert f"{accuracy:.1%}" in text  # the headline metric is the real one
    assert "95% confidence interval" in text and "most common class" in text
    assert "Verdict:" in text
    assert 6 <= _examples(page.dom) <= 12
    # Importance is per original column (one-hot and embedding parts summed).
    drivers = re.search(r'<section id="drivers">(.*?)</section>', page.dom, re.S)
    names = re.findall(r"<tr>\s*<th>([^<]+)</th>", drivers.group(1))
    assert len(names) == 15 and set(names) <= set(X_test.columns)


@needs_chromium
def test_image_report_with_class_average_maps(digit_images, digits_model, tmp_path):
    _, X_test, _, y_test = digit_images
    path = digits_model.report(
        X_test, y_test, tmp_path / "digits.html", sample_size=100
    )
    page = _check_page(path, tmp_path)
    assert "Grad-CAM" in page.dom
    assert 6 <= _examples(page.dom) <= 12
    # The explained sample includes the most confident mistakes, so they are shown.
    mistakes = int((digits_model.predict(X_test) != y_test).sum())
    assert page.dom.count("<h3>Most confident, wrong</h3>") == min(3, mistakes)
    assert "Passed: sensitivity to the model" in page.dom


def test_text_and_regression_reports(diabetes, diabetes_model, tmp_path):
    texts, labels, sentiment_words = sentiment_texts(200, seed=1)
    clf = TextClassifier(**{**FAST, "max_epochs": 8}).fit(texts[:150], labels[:150])
    clf.report(texts[150:], labels[150:], tmp_path / "text.html")
    html = (tmp_path / "text.html").read_text()
    for section in SECTIONS:
        assert f'<section id="{section}">' in html
    drivers = re.search(r'<section id="drivers">(.*?)</section>', html, re.S).group(1)
    top_words = re.findall(r"<td>(\w+) \(\+", drivers)[: 2 * 3]
    assert sum(word in sentiment_words for word in top_words) >= 4
    assert '<div class="tokens">' in html

    _, X_test, _, y_test = diabetes
    regressor = diabetes_model
    regressor.report(X_test, y_test, tmp_path / "reg.html")
    html = (tmp_path / "reg.html").read_text()
    assert "explains" in html and "R²" in html and "mean absolute error" in html
    assert 6 <= _examples(html) <= 12
    with pytest.raises(ValueError, match="different lengths"):
        regressor.report(X_test, y_test[:-1], tmp_path / "bad.html")


def test_report_command_line(cancer_with_categories, cancer_model, tmp_path, capsys):
    _, X_test, _, y_test = cancer_with_categories
    cancer_model.save(tmp_path / "model")
    data = X_test.assign(diagnosis=np.asarray(y_test))
    data.to_csv(tmp_path / "test.csv", index=False)
    out = tmp_path / "cli.html"
    code = main(
        [
            "report",
            str(tmp_path / "model"),
            str(tmp_path / "test.csv"),
            "--target",
            "diagnosis",
            "-o",
            str(out),
        ]
    )
    assert code == 0
    assert "report on 143 rows" in capsys.readouterr().out
    html = out.read_text()
    assert all(f'<section id="{s}">' in html for s in SECTIONS)
    missing = main(
        [
            "report",
            str(tmp_path / "model"),
            str(tmp_path / "test.csv"),
            "--target",
            "nope",
        ]
    )
    assert missing == 2
    assert "Target column 'nope'" in capsys.readouterr().err
    assert isinstance(pd.read_csv(tmp_path / "test.csv"), pd.DataFrame)
