"""HTML building blocks for the report: escaped text, embedded PNGs, inline CSS.

The page loads nothing: images are ``data:`` URIs, styles are inline, there is no
script, so it opens offline and makes no network request.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from autodeep.explain._report_data import Section

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       max-width: 980px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.5; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; }
h2 { border-bottom: 2px solid #2471a3; padding-bottom: 0.2em; margin-top: 2em; }
nav a { margin-right: 1em; color: #2471a3; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }
th { background: #f2f4f6; }
figure { margin: 1em 0; }
figcaption { color: #555; font-size: 0.9em; max-width: 760px; }
img { max-width: 100%; }
.examples { display: grid; grid-template-columns: repeat(auto-fill, minmax(440px, 1fr)); gap: 1em; }
.example { border: 1px solid #ddd; border-radius: 6px; padding: 0.6em 0.8em; }
.example h3 { margin: 0 0 0.4em; font-size: 1em; color: #2471a3; }
.tokens { white-space: pre-wrap; }
.tokens span { padding: 0.1em 0.05em; border-radius: 3px; }
pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto; font-size: 0.75em; }
"""


def quote(value: Any) -> str:
    """A value for a sentence: quoted text for strings, plain for numbers."""
    if isinstance(value, (str, np.str_)):
        return f"“{html.escape(str(value))}”"
    return html.escape(str(value))


def paragraphs(texts: Sequence[str]) -> str:
    """Paragraphs of trusted markup (callers escape any user data with ``quote``)."""
    return "".join(f"<p>{text}</p>" for text in texts)


def bullets(texts: Sequence[str]) -> str:
    return "<ul>" + "".join(f"<li>{text}</li>" for text in texts) + "</ul>"


def image(png: bytes, width: int | None = None, alt: str = "figure") -> str:
    data = base64.b64encode(png).decode("ascii")
    size = f' width="{width}"' if width else ""
    return f'<img src="data:image/png;base64,{data}"{size} alt="{html.escape(alt)}">'


def figure(png: bytes, caption: str) -> str:
    return (
        f"<figure>{image(png, alt=caption)}<figcaption>{caption}</figcaption></figure>"
    )


def table(frame: pd.DataFrame, digits: int | None = None, index: bool = True) -> str:
    """A DataFrame as an HTML table; cell text is escaped by pandas, floats get
    ``digits`` decimals."""
    if digits is not None:
        frame = frame.map(lambda v: _round(v, digits))
    markup = frame.to_html(border=0, escape=True, na_rep="", index=index)
    return f'<div style="overflow-x: auto">{markup}</div>'


def _round(value: Any, digits: int) -> Any:
    """Floats with ``digits`` decimals (one format for a column of them)."""
    if isinstance(value, (float, np.floating)):
        return f"{value:.{digits}f}"
    return value


def preformatted(text: str) -> str:
    return f"<pre>{html.escape(text)}</pre>"


def tokens(words: Sequence[str], values: np.ndarray, text: str | None = None) -> str:
    """The tokens on backgrounds whose strength is the attribution (blue up, red
    down): highlighted in place in ``text``, the original, when each token can be
    found there in order (case aside); else the tokens one after another."""
    if not len(words):
        return "<p>(empty text)</p>"
    scale = float(np.max(np.abs(values))) or 1.0
    spans = [
        _token_span(w, float(v), scale) for w, v in zip(words, values, strict=True)
    ]
    placed = None if text is None else _in_place(text, words, values, scale)
    return '<div class="tokens">' + (placed or " ".join(spans)) + "</div>"


def _token_span(shown: str, value: float, scale: float) -> str:
    rgb = "36,113,163" if value >= 0 else "192,57,43"
    return (
        f'<span style="background: rgba({rgb},{abs(value) / scale:.2f})" '
        f'title="{value:+.3f}">{html.escape(shown)}</span>'
    )


def _in_place(
    text: str, words: Sequence[str], values: np.ndarray, scale: float
) -> str | None:
    """``text`` with each token's first match after the previous one highlighted;
    None when lower-casing changes the text's length (positions would not match)."""
    folded = text.lower()
    if len(folded) != len(text):
        return None
    parts, cursor = [], 0
    for word, value in zip(words, values, strict=True):
        start = folded.find(word.lower(), cursor)
        if start < 0:  # a token the text does not spell out (e.g. out of vocabulary)
            continue
        end = start + len(word)
        parts.append(html.escape(text[cursor:start]))
        parts.append(_token_span(text[start:end], float(value), scale))
        cursor = end
    parts.append(html.escape(text[cursor:]))
    return "".join(parts)


def example(title: str, body: str, caption: str) -> str:
    return (
        f'<div class="example"><h3>{html.escape(title)}</h3>{body}'
        f"<p>{caption}</p></div>"
    )


def page(title: str, sections: Sequence[Section]) -> str:
    nav = "".join(f'<a href="#{s.id}">{html.escape(s.title)}</a>' for s in sections)
    body = []
    for section in sections:
        blocks = section.blocks
        if section.id == "examples":  # the intro, then the cards in a grid
            blocks = [
                blocks[0],
                '<div class="examples">' + "".join(blocks[1:]) + "</div>",
            ]
        body.append(
            f'<section id="{section.id}"><h2>{html.escape(section.title)}</h2>'
            + "".join(blocks)
            + "</section>"
        )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><h1>{html.escape(title)}</h1><nav>{nav}</nav>"
        + "".join(body)
        + "</body></html>\n"
    )
