"""What a persistent study records about the estimator and the data, so that every
worker runs the same search and a resumed fit can tell whether it still does."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np
import pandas as pd

# Parameters that set the budget or where the search runs, not what it searches: a
# resumed search may change them.
RUNTIME_PARAMS = (
    "reference_model",
    "max_trials",
    "time_budget",
    "n_jobs",
    "verbose",
    "storage",
    "study_name",
    "directory",
    "refit",
    # A resumed search keeps the seed it started with (see _engine.fit).
    "random_state",
)


def study_attrs(estimator: Any, X: Any, y: np.ndarray, plan: Any) -> dict[str, Any]:
    """What a persistent study records so that every worker runs the same search.

    ``params`` rebuild the estimator on another machine (``autodeep worker``);
    ``search`` is what defines the search, which a resumed fit must match.
    """
    from autodeep.search_spaces._space import overrides_to_plain

    digest = hashlib.sha256()
    frame = _hashable(X if isinstance(X, pd.DataFrame) else pd.DataFrame(X))
    digest.update(json.dumps([str(c) for c in frame.columns]).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    digest.update(
        pd.util.hash_pandas_object(pd.Series(y), index=False).to_numpy().tobytes()
    )
    params, search = {}, {}
    for name, value in estimator.get_params().items():
        if name == "search_space":
            value = overrides_to_plain(value)
        try:
            plain = json.loads(json.dumps(value))
        except (TypeError, ValueError):
            plain = None
        else:
            params[name] = plain
        if name not in RUNTIME_PARAMS:
            search[name] = repr(value) if name not in params else plain
    search["space"] = {name: repr(dim) for name, dim in plan.space.items()}
    search["task"] = (
        f"{type(plan.task).__name__.lower()}, {plan.task.n_outputs} outputs"
    )
    return {
        "estimator": type(estimator).__name__,
        "params": params,
        "search": search,
        "data": {"rows": len(frame), "sha256": digest.hexdigest()},
        # Where `autodeep worker` finds the data (set by `autodeep fit --storage`).
        "source": getattr(estimator, "_data_source", None),
    }


def _hashable(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each image array in a cell replaced by a digest of its shape and
    pixels (pandas cannot hash arrays); other frames are returned as they are."""

    def cell(value: Any) -> Any:
        if not isinstance(value, np.ndarray):
            return value
        data = np.ascontiguousarray(value)
        return hashlib.sha256(
            f"{data.shape}{data.dtype}".encode() + data.tobytes()
        ).hexdigest()

    arrays = [
        c
        for c in frame.columns
        if frame[c].dtype == object
        and frame[c].map(lambda v: isinstance(v, np.ndarray)).any()
    ]
    if not arrays:
        return frame
    frame = frame.copy()
    for column in arrays:
        frame[column] = frame[column].map(cell)
    return frame
