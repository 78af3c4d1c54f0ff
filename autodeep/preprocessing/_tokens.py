"""Tokenization for any script, shared by the text encoders.

A token is a run of word characters or a single other non-space character
(punctuation, a symbol, an emoji). Unlike the plain regular expression
``\\w+|[^\\w\\s]``, combining marks (accents written as separate code points,
Devanagari vowel signs, Hebrew points) and zero-width joiners stay inside their word,
and emoji sequences (skin tones, ZWJ families, flags) stay one token. Chinese and
Japanese are written without spaces, so each CJK ideograph or kana character is a
token of its own. Nothing is transliterated, accent-stripped or normalized.
"""

from __future__ import annotations

import functools
import re
import string
import unicodedata

# Ideographs and kana, split into one token per character. Hangul is left out: Korean
# separates words with spaces.
_CJK_BMP = (
    "\u3005-\u3007\u3021-\u3029\u3031-\u3035\u3038-\u303c"
    "\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
)
_CJK = _CJK_BMP + "\U0001b000-\U0001b16f\U00020000-\U0002fa1f\U00030000-\U000323af"
_JOINERS = "\u200c\u200d"
_SKIN_TONES = "\U0001f3fb-\U0001f3ff"
_TAGS = "\U000e0020-\U000e007f"  # in subdivision flags such as Scotland's
_FLAG = "[\U0001f1e6-\U0001f1ff]{2}"


@functools.cache
def _character_classes() -> dict[str, str]:
    """Regex class bodies, built once from :mod:`unicodedata`.

    ``re`` matches ``\\w`` with ``str.isalnum()`` on the same Unicode database, so
    these classes agree with it. Planes 0 and 1 and the variation selectors of plane
    14 hold every combining mark, punctuation character and non-CJK letter. Each class
    is split at the end of the Basic Multilingual Plane: ``re`` looks a BMP character
    up in a table but compares an astral one with each range in turn, which is slow
    when it happens at every character.
    """
    cjk = re.compile(f"[{_CJK}]")
    members: dict[str, list[int]] = {
        "word": [],
        "word_astral": [],
        "mark": [],
        "mark_astral": [],
        "punctuation": [],
    }
    for point in (*range(0x20000), *range(0xE0100, 0xE01F0)):
        character = chr(point)
        category = unicodedata.category(character)
        astral = "_astral" if point > 0xFFFF else ""
        if category.startswith("M"):
            members["mark" + astral].append(point)
        elif category.startswith("P"):
            members["punctuation"].append(point)
        is_word = character.isalnum() or character == "_" or category.startswith("M")
        if (is_word or character in _JOINERS) and not cjk.match(character):
            members["word" + astral].append(point)
    return {name: _ranges(points) for name, points in members.items()}


def _ranges(points: list[int]) -> str:
    """``"\\U...-\\U..."`` ranges for sorted code points."""
    ranges: list[list[int]] = []
    for point in points:
        if ranges and ranges[-1][1] == point - 1:
            ranges[-1][1] = point
        else:
            ranges.append([point, point])
    return "".join(
        f"\\U{low:08x}" if low == high else f"\\U{low:08x}-\\U{high:08x}"
        for low, high in ranges
    )


@functools.cache
def _token_pattern(keep_punctuation: bool) -> re.Pattern[str]:
    """Tokens of any text: combining marks, joiners, CJK and emoji handled."""
    classes = _character_classes()
    astral = "(?=[\U00010000-\U0010ffff])"
    marks = f"(?:[{classes['mark']}]|{astral}[{classes['mark_astral']}])"
    extend = f"(?:{marks}|[{_SKIN_TONES}{_TAGS}])"
    word = f"(?:[{classes['word']}]+|{astral}[{classes['word_astral']}])+"
    # Punctuation plus ASCII symbols such as $ + < = > ^ ` | ~ (category S).
    excluded = "" if keep_punctuation else _punctuation()
    symbol = f"[^\\s{classes['word']}{classes['word_astral']}{_CJK}{excluded}]"
    return re.compile(
        f"[{_CJK}]{marks}*|{word}|{_FLAG}|{symbol}(?:{extend}|\u200d{symbol})*"
    )


def _punctuation() -> str:
    return _character_classes()["punctuation"] + re.escape(string.punctuation)


@functools.cache
def _simple_pattern(keep_punctuation: bool) -> re.Pattern[str]:
    """The same tokens as :func:`_token_pattern` on text it does not special-case."""
    excluded = "" if keep_punctuation else _punctuation()
    return re.compile(f"\\w+|[^\\w\\s{excluded}]")


@functools.cache
def _special_characters() -> re.Pattern[str]:
    """Characters only the full pattern handles: marks, joiners, CJK, non-BMP."""
    marks = _character_classes()["mark"]
    return re.compile(f"[{marks}{_JOINERS}{_CJK_BMP}\U00010000-\U0010ffff]")


class Tokenizer:
    """Split an already-standardized text into tokens.

    A small class rather than a lambda so that a fitted ``TfidfVectorizer`` holding it
    can be pickled and saved with skops.
    """

    def __init__(self, keep_punctuation: bool = True) -> None:
        self.keep_punctuation = keep_punctuation

    def __call__(self, text: str) -> list[str]:
        if text.isascii() or not _special_characters().search(text):
            return _simple_pattern(self.keep_punctuation).findall(text)
        return _token_pattern(self.keep_punctuation).findall(text)


@functools.cache
def _punctuation_characters() -> re.Pattern[str]:
    return re.compile(f"[{_punctuation()}]")


class StripPunctuation:
    """Lower-case and blank out punctuation, for character n-grams."""

    def __call__(self, text: str) -> str:
        return _punctuation_characters().sub(" ", text.lower())
