"""``autodeep serve``: an exported model behind a small HTTP API (FastAPI, uvicorn).

``POST /predict`` takes JSON records (``[{"age": 31, "city": "north"}, ...]``, or
``{"records": [...]}``; a text model's are ``{"text": "..."}``) and answers with the predictions (and, for classifiers, the
probabilities and the classes); ``GET /health`` says the server is up and which model
it serves. Bad input gets a 4xx answer that says what is wrong, and the server keeps
serving: a body that is not JSON (400), records that do not match the model's input
schema (422: a missing or unknown column, text where a number belongs), a body over
the size limit (413). The model runs in onnxruntime; TensorFlow is not loaded.
"""

# No ``from __future__ import annotations``: FastAPI reads the route functions'
# annotations (``request: Request``) as objects, and Request is imported in make_app.
import json
import math
from typing import Any

import numpy as np
import pandas as pd

from autodeep.export._feeds import seconds_since_epoch
from autodeep.preprocessing.tabular import category_text

MAX_BODY_BYTES = 10 * 2**20


class BadRequest(Exception):
    """Input the server refuses: ``status`` and a message for the client."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def records_to_inputs(payload: Any, info: dict[str, Any]) -> dict[str, np.ndarray]:
    """The ONNX inputs for JSON records, checked against the model's input schema."""
    records = payload.get("records") if isinstance(payload, dict) else payload
    if not isinstance(records, list) or not records:
        raise BadRequest(
            422,
            'Send a non-empty JSON list of records, [{"column": value, ...}, ...], '
            'or {"records": [...]}.',
        )
    schema = {entry["name"]: entry["kind"] for entry in info["inputs"]}
    columns: dict[str, list[Any]] = {name: [] for name in schema}
    for row, record in enumerate(records):
        if not isinstance(record, dict):
            raise BadRequest(422, f"Record {row} is not a JSON object.")
        missing = [name for name in schema if name not in record]
        unknown = [name for name in record if name not in schema]
        if missing or unknown:
            parts = []
            if missing:
                parts.append(f"lacks {missing}")
            if unknown:
                parts.append(f"has columns the model does not know: {unknown}")
            raise BadRequest(
                422,
                f"Record {row} {' and '.join(parts)}; the model takes {list(schema)} "
                "(null for a missing value).",
            )
        for name, kind in schema.items():
            columns[name].append(_checked(record[name], kind, row, name))
    if "text" in info:
        from autodeep.export._text import text_inputs

        return text_inputs(columns["text"], info)
    return {
        name: _column(values, schema[name], name).reshape(-1, 1)
        for name, values in columns.items()
    }


def _checked(value: Any, kind: str, row: int, name: str) -> Any:
    """``value`` if a column of ``kind`` can hold it (null always can), else a 422."""
    if value is None:
        return None
    if kind == "datetime" and not isinstance(value, str):
        raise BadRequest(422, _not_a_date(row, name, value))
    if kind == "numeric" and (
        isinstance(value, bool) or not isinstance(value, (int, float))
    ):
        raise BadRequest(
            422,
            f"Record {row}, column {name!r}: {value!r} is not a number (use null "
            "for a missing value).",
        )
    if kind == "text" and not isinstance(value, str):
        raise BadRequest(
            422,
            f"Record {row}, column {name!r}: {value!r} is not a text (use null for "
            "a missing one).",
        )
    if kind == "categorical" and isinstance(value, (dict, list)):
        raise BadRequest(
            422, f"Record {row}, column {name!r}: a category must be one value."
        )
    return value


def _column(values: list[Any], kind: str, name: str) -> np.ndarray:
    """One column's checked values as the graph's input, converted all at once."""
    if kind == "categorical":
        return category_text(pd.Series(values, dtype=object))
    if kind == "numeric":
        return np.array([math.nan if v is None else v for v in values], np.float64)
    seconds = seconds_since_epoch(values)
    unread = [
        row
        for row, v in enumerate(values)
        if v is not None and math.isnan(seconds[row])
    ]
    if unread:
        row = unread[0]
        raise BadRequest(422, _not_a_date(row, name, values[row]))
    return seconds


def _not_a_date(row: int, name: str, value: Any) -> str:
    return (
        f"Record {row}, column {name!r}: {value!r} is not a date; send text such as "
        '"2024-05-31" or "2024-05-31T14:00:00Z" (null if missing).'
    )


def make_app(model: bytes | str, max_body_bytes: int = MAX_BODY_BYTES) -> Any:
    """The FastAPI application serving ``model`` (an ONNX file's path or bytes)."""
    import onnxruntime
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse

    from autodeep.export._onnx import info_of

    session = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"])
    info = info_of(session.get_modelmeta().custom_metadata_map)
    outputs = [output.name for output in session.get_outputs()]
    app = FastAPI(title="autodeep model", docs_url=None, redoc_url=None)

    @app.get("/health")
    def health() -> dict[str, Any]:
        return {
            "status": "ok",
            "estimator": info["estimator"],
            "autodeep_version": info["autodeep_version"],
            "inputs": info["inputs"],
        }

    @app.post("/predict")
    async def predict(request: Request) -> Any:
        try:
            body = await _read(request, max_body_bytes)
            try:
                payload = json.loads(body)
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                raise BadRequest(400, f"The body is not valid JSON: {error}.") from None
            inputs = records_to_inputs(payload, info)
        except BadRequest as error:
            return JSONResponse({"error": error.message}, status_code=error.status)
        results = dict(zip(outputs, session.run(outputs, inputs), strict=True))
        if "label" in results:
            return {
                "predictions": results["label"].tolist(),
                "probabilities": results["probabilities"].tolist(),
                "classes": info["classes"],
            }
        return {"predictions": results["prediction"].tolist()}

    return app


async def _read(request: Any, limit: int) -> bytes:
    """The request body, refused (413) past ``limit`` bytes without reading it all."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BadRequest(413, _too_large(limit))
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise BadRequest(413, _too_large(limit))
    return bytes(body)


def _too_large(limit: int) -> str:
    return f"The body is over {limit // 2**20} MiB; send fewer records per request."


def serve(model: str, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve a model folder (exported on the fly) or an ``.onnx`` file until stopped."""
    from autodeep.export._onnx import _require

    for module in ("onnxruntime", "fastapi", "uvicorn"):
        _require(module, "serve")
    import uvicorn

    source: bytes | str = model
    if not model.endswith(".onnx"):
        import autodeep
        from autodeep.export import to_onnx

        source = to_onnx(autodeep.load(model)).SerializeToString()
    uvicorn.run(make_app(source), host=host, port=port, log_level="warning")
