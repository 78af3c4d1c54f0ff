"""HTML building blocks for the report, rendered by Jinja2 with autoescaping.

The templates are package data (``templates/``): ``report.html`` is the page and
``blocks.html`` holds one macro per block (paragraphs, figures, tables, example
cards...). Every value a template prints is escaped unless it is ``Markup``, and
``Markup`` comes only from those macros and from :func:`bold` and :func:`italic`,
which escape what they wrap; adding a plain string to ``Markup`` escapes it too.
So column names, class labels, texts and titles need no escaping by the caller.

The page loads nothing: images are ``data:`` URIs, styles are inline, there is no
script, so it opens offline and makes no network request.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup

if TYPE_CHECKING:
    from autodeep.explain._report_data import Section


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("autodeep.explain", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _macro(name: str) -> Callable[..., Markup]:
    module = _environment().get_template("blocks.html").module
    macro: Callable[..., Markup] = getattr(module, name)
    return macro


def bold(text: str) -> Markup:
    """``text`` (escaped) in bold, to start or emphasize a sentence."""
    return Markup("<b>{}</b>").format(text)


def italic(text: str) -> Markup:
    """``text`` (escaped) in italics, for a term being defined."""
    return Markup("<i>{}</i>").format(text)


def quote(value: Any) -> str:
    """A value for a sentence: quoted text for strings, plain for numbers."""
    if isinstance(value, (str, np.str_)):
        return f"“{value}”"
    return str(value)


def paragraphs(texts: Sequence[str]) -> Markup:
    """One paragraph per text; plain strings are escaped, ``Markup`` kept."""
    return _macro("paragraphs")(list(texts))


def bullets(texts: Sequence[str]) -> Markup:
    return _macro("bullets")(list(texts))


def image(png: bytes, width: int | None = None, alt: str = "figure") -> Markup:
    return _macro("image")(_base64(png), width, _plain(alt))


def figure(png: bytes, caption: str) -> Markup:
    return _macro("figure")(_base64(png), caption, _plain(caption))


def _base64(png: bytes) -> str:
    return base64.b64encode(png).decode("ascii")


def _plain(text: str) -> str:
    """``text`` without its tags, for an attribute (``Markup`` gives its text)."""
    return text.striptags() if isinstance(text, Markup) else text


def table(frame: pd.DataFrame, digits: int | None = None, index: bool = True) -> Markup:
    """A DataFrame as an HTML table (the index name, if any, in the corner); floats get
    ``digits`` decimals, missing values are blank."""
    if digits is not None:
        frame = frame.map(lambda v: _round(v, digits))
    rows = [
        (label, [_cell(value) for value in values])
        for label, values in zip(frame.index, frame.to_numpy(), strict=True)
    ]
    return _macro("table")(
        [str(c) for c in frame.columns], rows, index, frame.index.name
    )


def _cell(value: Any) -> str:
    missing = value is None or value is pd.NA
    if isinstance(value, (float, np.floating)) and np.isnan(value):
        missing = True
    return "" if missing else str(value)


def _round(value: Any, digits: int) -> Any:
    """Floats with ``digits`` decimals (one format for a column of them)."""
    if isinstance(value, (float, np.floating)):
        return f"{value:.{digits}f}"
    return value


def preformatted(text: str) -> Markup:
    return _macro("preformatted")(text)


# A token's part of a highlighted text: its text, background colour and tooltip
# (no colour: text between tokens, shown plain).
Part = tuple[str, str | None, str | None]


def tokens(words: Sequence[str], values: np.ndarray, text: str | None = None) -> Markup:
    """The tokens on backgrounds whose strength is the attribution (blue up, red
    down): highlighted in place in ``text``, the original, when each token can be
    found there in order (case aside); else the tokens one after another."""
    if not len(words):
        return paragraphs(["(empty text)"])
    scale = float(np.max(np.abs(values))) or 1.0
    placed = None if text is None else _in_place(text, words, values, scale)
    if placed is None:
        placed = []
        for word, value in zip(words, values, strict=True):
            placed += [(" ", None, None)] if placed else []
            placed.append(_token(word, float(value), scale))
    return _macro("tokens")(placed)


def _token(shown: str, value: float, scale: float) -> Part:
    rgb = "36,113,163" if value >= 0 else "192,57,43"
    return shown, f"rgba({rgb},{abs(value) / scale:.2f})", f"{value:+.3f}"


def _in_place(
    text: str, words: Sequence[str], values: np.ndarray, scale: float
) -> list[Part] | None:
    """``text`` with each token's first match after the previous one highlighted;
    None when lower-casing changes the text's length (positions would not match)."""
    folded = text.lower()
    if len(folded) != len(text):
        return None
    parts: list[Part] = []
    cursor = 0
    for word, value in zip(words, values, strict=True):
        start = folded.find(word.lower(), cursor)
        if start < 0:  # a token the text does not spell out (e.g. out of vocabulary)
            continue
        end = start + len(word)
        parts.append((text[cursor:start], None, None))
        parts.append(_token(text[start:end], float(value), scale))
        cursor = end
    parts.append((text[cursor:], None, None))
    return parts


def example(title: str, body: Markup, caption: str) -> Markup:
    return _macro("example")(title, body, caption)


def page(title: str, sections: Sequence[Section]) -> str:
    return (
        _environment()
        .get_template("report.html")
        .render(title=title, sections=sections)
    )
