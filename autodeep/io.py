"""Save and load fitted estimators as data-only artifacts."""

from __future__ import annotations

from typing import Any


def save(estimator: Any, path: Any) -> None:
    raise NotImplementedError


def load(path: Any) -> Any:
    raise NotImplementedError
