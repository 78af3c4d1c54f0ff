"""Render a local HTML file in a real headless Chromium and report what happened.

One Chromium run (the ``chromium`` CLI, no Python driver) loads the page and
gives back three things from that same page load:

* a PNG screenshot of a ``width`` x ``height`` viewport (``--screenshot``),
* the DOM after parsing, scripts and timers have run (``--dump-dom``, with
  ``--virtual-time-budget`` so that ``setTimeout`` work up to 5 s has happened),
* every network request the page made, read from Chromium's JSON net log
  (``--log-net-log``).

Requests are taken from the net log's ``URL_REQUEST_START_JOB`` events (one
per request, and one more per redirect; http, https, ws and wss alike, whether
they succeeded or not). ``file://`` and ``data:`` loads never reach the network
stack, so they are not in the log. Speculative connections (``<link
rel=preconnect>``, ``dns-prefetch``) fetch no URL; they are reported by their
origin, e.g. ``"http://cdn.example"``, from the net log's speculative host
resolutions.

Chromium makes some requests of its own even with background networking off
(Chromium 150 asks ``accounts.google.com/ListAccounts`` at start-up). The log
says so: such a request has no initiator and is isolated under a site other
than the page's ``file://``. Only a request with both marks is set aside as the
browser's (:attr:`Rendered.ignored`); a missing field counts a request as the
page's, so a surprise fails a test rather than hiding a request. Everything the
page starts, navigations away from it and requests from its frames and workers
included, carries an initiator.

Example
-------
>>> page = render(Path("report.html"), tmp_path)  # doctest: +SKIP
>>> assert page.requests == []  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

_T = TypeVar("_T", bound=Callable[..., object] | type)

__all__ = ["CHROMIUM", "BrowserError", "Rendered", "needs_chromium", "render"]

CHROMIUM: str | None = next(
    filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))),
    None,
)

_SKIP = pytest.mark.skipif(
    CHROMIUM is None,
    reason="needs Chromium: install the Debian package chromium "
    "(apt-get install chromium) so that `chromium` is on PATH",
)


def needs_chromium(test: _T) -> _T:
    """Mark a test (function or class) ``browser`` and ``slow`` (it starts a browser);
    skip it where Chromium is missing."""
    return pytest.mark.slow(pytest.mark.browser(_SKIP(test)))


TIMEOUT_S = 60
VIRTUAL_TIME_BUDGET_MS = 5000

# Chromium's own traffic: off where a switch or feature turns it off.
_QUIET = [
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--metrics-recording-only",
    # Seen in Chromium 150's net log without these: clients2.google.com/time and
    # www.google.com/async/folae (AI-mode eligibility).
    "--disable-features=NetworkTimeServiceQuerying,AimServerRequestOnStartupEnabled",
]
_HEADLESS = [
    "--headless",  # the "new" headless mode: the full browser without a window
    "--no-sandbox",  # required when running as root (CI containers)
    "--disable-gpu",
    "--disable-dev-shm-usage",  # containers often have a tiny /dev/shm
    "--force-color-profile=srgb",  # exact colours in the screenshot
    "--hide-scrollbars",
]
_NO_INITIATOR = "not an origin"


class BrowserError(RuntimeError):
    """Chromium failed, timed out, or left out one of its outputs."""


@dataclass
class Rendered:
    """What one page load produced."""

    screenshot: Path
    dom: str
    requests: list[str]
    ignored: list[str] = field(default_factory=list)
    """Chromium's own requests, set aside (kept to diagnose a surprise)."""


def render(
    html_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    width: int = 1280,
    height: int = 4000,
) -> Rendered:
    """Load ``html_path`` in headless Chromium; write outputs under ``out_dir``."""
    if CHROMIUM is None:
        raise BrowserError("no Chromium on PATH (install the Debian package chromium)")
    page = Path(html_path).resolve(strict=True)
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    shot, netlog = out / "screenshot.png", out / "netlog.json"
    for stale in (shot, netlog):  # never mistake an old run's output for this one's
        stale.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        args = [
            CHROMIUM,
            *_HEADLESS,
            *_QUIET,
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            f"--virtual-time-budget={VIRTUAL_TIME_BUDGET_MS}",
            f"--screenshot={shot}",
            f"--log-net-log={netlog}",
            "--dump-dom",
            page.as_uri(),
        ]
        dom, stderr = _run(args)
    _check_outputs(shot, netlog, dom, stderr)
    (out / "dom.html").write_text(dom, encoding="utf-8")
    requests, ignored = _requests(_read_netlog(netlog, stderr), page.as_uri())
    return Rendered(screenshot=shot, dom=dom, requests=requests, ignored=ignored)


def _run(args: list[str]) -> tuple[str, str]:
    """Run Chromium in its own process group; kill the whole group on timeout."""
    with subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as proc:
        try:
            stdout, stderr = proc.communicate(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            stdout, stderr = proc.communicate()
            raise BrowserError(
                f"Chromium did not finish in {TIMEOUT_S} s\n{_tail(stderr)}"
            ) from None
    if proc.returncode != 0:
        raise BrowserError(f"Chromium exited with {proc.returncode}\n{_tail(stderr)}")
    return stdout, stderr


def _check_outputs(shot: Path, netlog: Path, dom: str, stderr: str) -> None:
    missing = [
        what
        for what, ok in (
            ("screenshot", shot.is_file() and shot.stat().st_size > 0),
            ("net log", netlog.is_file() and netlog.stat().st_size > 0),
            ("DOM", "<html" in dom.lower()),
        )
        if not ok
    ]
    if missing:
        raise BrowserError(f"Chromium wrote no {', '.join(missing)}\n{_tail(stderr)}")


def _read_netlog(netlog: Path, stderr: str) -> dict[str, Any]:
    try:
        return json.loads(netlog.read_text(encoding="utf-8"))
    except ValueError as err:  # a browser that died mid-run leaves it unterminated
        raise BrowserError(
            f"unreadable net log {netlog}: {err}\n{_tail(stderr)}"
        ) from err


def _requests(log: dict[str, Any], page_url: str) -> tuple[list[str], list[str]]:
    """Split the logged requests into the page's and Chromium's own, in log order."""
    kinds = log["constants"]["logEventTypes"]
    start_job = kinds["URL_REQUEST_START_JOB"]
    resolve = kinds["HOST_RESOLVER_MANAGER_REQUEST"]
    page: list[str] = []
    browser: list[str] = []
    for event in log["events"]:
        params = event.get("params") or {}
        if event["type"] == start_job and "url" in params:
            if params["url"] != page_url:
                (page if _is_page(params) else browser).append(params["url"])
        elif event["type"] == resolve and params.get("is_speculative"):
            isolated = _isolated_elsewhere(params.get("network_anonymization_key"))
            (browser if isolated else page).append(params["host"])
    return page, browser


def _is_page(params: dict[str, Any]) -> bool:
    """The page's, unless the log says: no initiator, and isolated off file://."""
    no_initiator = params.get("initiator") == _NO_INITIATOR
    return not (
        no_initiator and _isolated_elsewhere(params.get("network_isolation_key"))
    )


def _isolated_elsewhere(key: object) -> bool:
    """Whether a net log isolation key names a top-frame site other than file://."""
    return isinstance(key, str) and not key.startswith("file://")


def _tail(stderr: str, lines: int = 25) -> str:
    """Chromium's last stderr lines, less the D-Bus noise every container run has."""
    kept = [line for line in stderr.splitlines() if "dbus" not in line.lower()]
    return "Chromium stderr (tail):\n" + "\n".join(kept[-lines:])
