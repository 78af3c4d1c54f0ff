"""The headless-Chromium harness (tests/_browser.py) sees what it claims to see.

Each test can fail: a page with a real picture must give a real screenshot, a
page that fetches from a server must show that fetch (checked against the
server's own log), and a script's work must be in the DOM.
"""

from __future__ import annotations

import base64
import http.server
import io
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from tests._browser import BrowserError, needs_chromium, render

SWATCH = (0, 128, 255)  # the data: image's colour, looked for in the screenshot


def _write(tmp_path: Path, body: str) -> Path:
    page = tmp_path / "page.html"
    page.write_text(f"<!doctype html><html><body>{body}</body></html>", "utf-8")
    return page


def _png_data_uri(colour: tuple[int, int, int]) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server: its base URL and the paths it was asked for."""
    paths: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            paths.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", paths
    finally:
        httpd.shutdown()
        httpd.server_close()


@needs_chromium
def test_self_contained_page_renders_without_requests(tmp_path: Path) -> None:
    page = _write(
        tmp_path,
        '<h1 id="title">Report</h1><section id="summary"><p>All good.</p></section>'
        f'<img id="swatch" width="200" height="200" src="{_png_data_uri(SWATCH)}">',
    )
    out = render(page, tmp_path / "out", width=800, height=600)

    assert out.screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(out.screenshot) as shot:
        assert shot.size == (800, 600)
        colours = {c for _, c in shot.convert("RGB").getcolors(1 << 24) or []}
    assert len(colours) > 1, "the screenshot is one flat colour"
    assert SWATCH in colours, "the data: image did not render"
    for element_id in ("title", "summary", "swatch"):
        assert f'id="{element_id}"' in out.dom
    assert out.requests == []


@needs_chromium
def test_external_resources_are_reported(
    tmp_path: Path, server: tuple[str, list[str]]
) -> None:
    base, served = server
    page = _write(
        tmp_path,
        f'<img src="{base}/x.png">'
        '<script src="https://example.invalid/a.js"></script>'
        '<link rel="preconnect" href="http://preconnect.invalid">'
        f'<script>fetch("{base}/api").catch(() => {{}})</script>',
    )
    out = render(page, tmp_path / "out", width=400, height=300)

    assert "/x.png" in served and "/api" in served  # the server's own record
    for url in (f"{base}/x.png", f"{base}/api", "https://example.invalid/a.js"):
        assert url in out.requests
    assert "http://preconnect.invalid" in out.requests
    assert not set(out.requests) & set(out.ignored)


@needs_chromium
def test_dom_is_taken_after_scripts_ran(tmp_path: Path) -> None:
    page = _write(
        tmp_path,
        '<div id="static">static</div><script>'
        "const p = document.createElement('p'); p.id = 'from-js';"
        "document.body.append(p);"
        "setTimeout(() => { const q = document.createElement('p');"
        " q.id = 'from-timer'; document.body.append(q); }, 1000);"
        "</script>",
    )
    out = render(page, tmp_path / "out", width=400, height=300)

    assert 'id="static"' in out.dom
    assert '<p id="from-js"></p>' in out.dom
    assert '<p id="from-timer"></p>' in out.dom
    assert out.requests == []


ALERT_PROBE = (
    "<script>window.alert = () => "
    "document.documentElement.setAttribute('data-alerted', 'yes')</script>"
)


@needs_chromium
def test_a_script_in_text_runs_only_when_not_escaped(tmp_path: Path) -> None:
    """The check the report's escaping test relies on: an alert() in the page
    is seen, and the same text escaped shows as text and runs nothing."""
    payload = "<script>alert(1)</script> & co"
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"
    raw = _write(tmp_path, f"{ALERT_PROBE}<p>{payload}</p>")
    dom = render(raw, tmp_path / "raw", width=400, height=300).dom
    assert re.search(r"<html[^>]*data-alerted=\"yes\"", dom)

    safe = _write(tmp_path, f"{ALERT_PROBE}<p id='label'>{escaped}</p>")
    dom = render(safe, tmp_path / "safe", width=400, height=300).dom
    assert not re.search(r"<html[^>]*data-alerted", dom)
    assert f'<p id="label">{escaped}</p>' in dom  # shown as literal text


@needs_chromium
def test_missing_page_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        render(tmp_path / "nope.html", tmp_path / "out")
    assert issubclass(BrowserError, RuntimeError)
