"""The HTML report: every section renders in a real browser, offline, for each kind."""

from __future__ import annotations

import re
from html import escape

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


@pytest.mark.slow
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


# -- user text is escaped by the template engine ---------------------------------------

HOSTILE = "<script>alert(1)</script> & co"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory):
    """A report on a column and a class whose names are HTML: a script and an ``&``."""
    from autodeep import TabularClassifier

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(120, 3)), columns=[f"dose {HOSTILE}", "b", "c"])
    y = np.where(X.iloc[:, 0] > 0, HOSTILE, "plain")
    settings = {**FAST, "max_epochs": 3, "reference_model": False}
    clf = TabularClassifier(**settings).fit(X[:80], y[:80])
    path = tmp_path_factory.mktemp("hostile") / "report.html"
    clf.report(X[80:], y[80:], path)
    return path


def test_column_names_and_class_labels_are_escaped(hostile_report):
    html = hostile_report.read_text("utf-8")
    assert "<script" not in html  # the page has no script at all
    summary = re.search(r'<section id="summary">(.*?)</section>', html, re.S)
    assert f"“{ESCAPED}”" in summary.group(1)  # the class, in the list of classes
    drivers = re.search(r'<section id="drivers">(.*?)</section>', html, re.S)
    assert f"<th>dose {ESCAPED}</th>" in drivers.group(1)  # the column
    performance = re.search(r'<section id="performance">(.*?)</section>', html, re.S)
    assert f"<th>{ESCAPED}</th>" in performance.group(1)  # the per-class table
    assert "&amp;lt;" not in html and "&amp;amp;" not in html  # escaped once


def test_text_samples_are_escaped_where_they_are_highlighted():
    from autodeep.explain._html import tokens

    text = f"Fine {HOSTILE}!"
    markup = tokens(["fine", "script", "co"], np.array([0.5, -1.0, 0.2]), text)
    assert "<script" not in markup
    assert re.sub(r"<[^>]+>", "", markup) == escape(text)  # all of it, in order
    assert 'title="-1.000">script</span>' in markup  # highlighted in place


@needs_chromium
def test_hostile_names_show_as_text_and_run_nothing(hostile_report, tmp_path):
    # A probe first in the page records any alert() and, last, counts the scripts.
    probe = (
        "<script>window.alert = () => "
        "document.documentElement.setAttribute('data-alerted', 'yes')</script>"
    )
    count = (
        "<script>document.body.setAttribute('data-scripts', "
        "document.scripts.length)</script></body>"
    )
    html = hostile_report.read_text("utf-8")
    page = tmp_path / "probed.html"
    page.write_text(
        html.replace("<head>", "<head>" + probe).replace("</body>", count), "utf-8"
    )
    dom = render(page, tmp_path / "out", width=1280, height=900).dom
    assert re.search(r"<html[^>]*>", dom) and not re.search(r"<html[^>]*alerted", dom)
    assert 'data-scripts="2"' in dom  # the two probes, no script from the data
    shown = re.sub(r"<[^>]+>", "", dom)
    assert f"“{ESCAPED}”" in shown  # the class label is text on the page
