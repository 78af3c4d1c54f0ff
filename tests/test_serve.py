"""`autodeep serve` answers real HTTP requests on the loopback address: predictions
that match the model, clear 4xx answers for bad input, and it keeps serving."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import numpy as np
import pytest

from autodeep import TabularClassifier
from tests.conftest import FAST
from tests.test_export import mixed_frame

# A fit, a server process and real requests: end to end, with the slow tests.
pytestmark = pytest.mark.slow

pytest.importorskip("onnxruntime")
pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _request(url: str, body: bytes | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    X, y = mixed_frame(400)
    model = TabularClassifier(**{**FAST, "max_epochs": 5}).fit(X, y)
    path = tmp_path_factory.mktemp("serve") / "model.onnx"
    model.export(path)
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "autodeep.cli", "serve", str(path), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            _request(url + "/health")
            break
        except (urllib.error.URLError, ConnectionError):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(process.stdout.read().decode()) from None
            time.sleep(0.2)
    yield url, model
    process.terminate()
    process.wait(timeout=30)


def test_health_and_predictions_match_the_model(server):
    url, model = server
    status, health = _request(url + "/health")
    assert status == 200 and health["status"] == "ok"
    assert health["estimator"] == "TabularClassifier"
    X, _ = mixed_frame(30, seed=2)
    records = json.loads(X.to_json(orient="records"))
    status, answer = _request(url + "/predict", json.dumps(records).encode())
    assert status == 200
    assert answer["predictions"] == list(model.predict(X))
    np.testing.assert_allclose(
        answer["probabilities"], model.predict_proba(X), rtol=0, atol=1e-5
    )
    assert answer["classes"] == ["no", "yes"]
    # {"records": [...]} works too; null is a missing value.
    records[0]["age"] = None
    records[0]["city"] = None
    status, answer = _request(
        url + "/predict", json.dumps({"records": records[:1]}).encode()
    )
    assert status == 200
    X.loc[X.index[0], ["age", "city"]] = [np.nan, None]
    assert answer["predictions"] == list(model.predict(X.iloc[:1]))


def test_bad_requests_get_clear_answers_and_the_server_keeps_serving(server):
    url, _ = server
    X, _ = mixed_frame(3, seed=3)
    good = json.loads(X.to_json(orient="records"))

    status, answer = _request(url + "/predict", b'{"records": [1, 2')
    assert status == 400 and "not valid JSON" in answer["error"]

    without_age = [{k: v for k, v in r.items() if k != "age"} for r in good]
    status, answer = _request(url + "/predict", json.dumps(without_age).encode())
    assert status == 422 and "Record 0 lacks ['age']" in answer["error"]

    extra = [{**r, "id": 7} for r in good]
    status, answer = _request(url + "/predict", json.dumps(extra).encode())
    assert status == 422 and "does not know: ['id']" in answer["error"]

    text_age = [{**good[0], "age": "forty"}]
    status, answer = _request(url + "/predict", json.dumps(text_age).encode())
    assert status == 422 and "'forty' is not a number" in answer["error"]

    status, answer = _request(url + "/predict", b"[]")
    assert status == 422 and "non-empty JSON list" in answer["error"]

    # A body declared over 10 MiB is refused before it is read: the answer comes
    # back while the client has sent only the headers.
    port = int(url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(
            b"POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\n"
            + f"Content-Length: {11 * 2**20}\r\n\r\n".encode()
            + b"[{"
        )
        reply = b""
        while b"}" not in reply:  # the JSON answer, after the headers
            part = sock.recv(65536)
            if not part:
                break
            reply += part
    assert reply.startswith(b"HTTP/1.1 413") and b"over 10 MiB" in reply
    # Sent whole, the server answers 413 and drops the connection, which the client
    # may see as a reset before it reads the answer.
    huge = json.dumps(good * 60_000).encode()  # about 11 MB
    assert len(huge) > 10 * 2**20
    try:
        status, answer = _request(url + "/predict", huge)
        assert status == 413 and "over 10 MiB" in answer["error"]
    except (urllib.error.URLError, ConnectionError):
        pass

    status, _ = _request(url + "/health")
    assert status == 200
    status, answer = _request(url + "/predict", json.dumps(good).encode())
    assert status == 200 and len(answer["predictions"]) == 3
