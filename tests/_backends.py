"""Run a check in a child Python process on a chosen Keras backend.

Keras fixes its backend when it is first imported, so a test that needs JAX or
PyTorch starts a child Python process with ``KERAS_BACKEND`` set and runs one check
there: the test module itself, run with ``python -m tests.MODULE BACKEND CHECK`` from
the repository root (a developer can run one check by hand the same way). The child
first checks that Keras and autodeep really use that backend, then runs the check and
prints ``PASS CHECK``; anything else fails the test with the child's output.

A backend whose framework is not installed is skipped, unless the environment variable
``AUTODEEP_REQUIRE_BACKENDS`` is ``1``: then it fails, so that a run meant to cover
every backend (``.ci/run``, after installing the ``backends`` extra) cannot pass by
skipping them.

Example
-------
>>> require_framework("jax")  # doctest: +SKIP
>>> run_check("test_backends", "jax", "fit")  # doctest: +SKIP
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

__all__ = [
    "BACKENDS",
    "REQUIRE_BACKENDS",
    "check",
    "check_onnx_matches",
    "child_main",
    "require_framework",
    "run_check",
]

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ("tensorflow", "jax", "torch")
REQUIRE_BACKENDS = "AUTODEEP_REQUIRE_BACKENDS"
# A child imports its framework and fits small models, on 2 shared cores in CI.
TIMEOUT_S = 300


# -- in the test process ------------------------------------------------------------


def require_framework(backend: str) -> None:
    """Skip the calling test when ``backend``'s framework is missing (or fail, when
    ``AUTODEEP_REQUIRE_BACKENDS=1``)."""
    if importlib.util.find_spec(backend) is not None:
        return
    message = (
        f"{backend} is not installed in {sys.executable}; install the backends "
        f'extra (pip install -e ".[backends]") to run this test on the {backend} '
        "Keras backend."
    )
    if os.environ.get(REQUIRE_BACKENDS) == "1":
        pytest.fail(
            f"{message} {REQUIRE_BACKENDS}=1 forbids skipping it.", pytrace=False
        )
    pytest.skip(message)


def run_check(module: str, backend: str, check: str) -> None:
    """Run ``python -m tests.MODULE BACKEND CHECK`` with ``KERAS_BACKEND=BACKEND``;
    fail the calling test unless it exits 0 and prints ``PASS CHECK``."""
    env = dict(os.environ)
    env["KERAS_BACKEND"] = backend
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    result = subprocess.run(
        [sys.executable, "-m", f"tests.{module}", backend, check],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    if result.returncode != 0 or f"PASS {check}" not in result.stdout:
        output = (result.stdout + result.stderr)[-6000:]
        pytest.fail(
            f"check {check!r} failed on the {backend} backend "
            f"(exit {result.returncode}):\n{output}",
            pytrace=False,
        )


# -- in the child process -----------------------------------------------------------


def check(condition: bool, message: str) -> None:
    """Fail the child's check with ``message`` (an exception, since ``assert``
    statements vanish under ``python -O``)."""
    if not condition:
        raise AssertionError(message)


def network_outputs(model: Any, X: Any) -> Any:
    """onnxruntime's outputs for ``X`` from the ONNX nodes of the Keras ``model``
    alone (no preprocessing): its graph input takes ``X``'s element type."""
    import onnxruntime
    from onnx import TensorProto, helper

    from autodeep.export import _network
    from autodeep.export._graph import Graph

    graph = Graph()
    elem_type = helper.np_dtype_to_tensor_dtype(X.dtype)
    x = graph.add_input("x", elem_type, ["batch", *X.shape[1:]])
    graph.rename(_network.convert(graph, model, x), "out")
    graph.add_output("out", TensorProto.FLOAT, ["batch", model.output_shape[-1]])
    session = onnxruntime.InferenceSession(
        graph.model("network", {}).SerializeToString(),
        providers=["CPUExecutionProvider"],
    )
    return session.run(None, {"x": X})[0]


def check_onnx_matches(clf: Any, X: Any, inputs: Callable[[str], dict]) -> None:
    """``clf``'s ONNX export, read from this backend's weights and run by
    onnxruntime on ``inputs(path)``, gives ``predict_proba`` within 1e-5 and the
    labels of ``predict`` on the rows ``X``."""
    import tempfile

    import numpy as np
    import onnxruntime

    with tempfile.TemporaryDirectory() as folder:
        path = clf.export(Path(folder) / "model.onnx")
        session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
        label, proba = session.run(["label", "probabilities"], inputs(path))
    np.testing.assert_allclose(
        proba,
        clf.predict_proba(X),
        rtol=0,
        atol=1e-5,
        err_msg="ONNX probabilities differ from predict_proba",
    )
    np.testing.assert_array_equal(label, clf.predict(X))


def _check_backend(backend: str) -> None:
    """Keras and autodeep both use the requested backend."""
    import keras

    from autodeep import _backend

    check(
        keras.config.backend() == backend,
        f"keras.config.backend() is {keras.config.backend()!r}, not {backend!r}",
    )
    module = _backend.framework().__name__
    check(
        module == f"autodeep._backend.{backend}",
        f"autodeep dispatches to {module}, not autodeep._backend.{backend}",
    )


def child_main(argv: list[str], checks: Mapping[str, Callable[[str], None]]) -> int:
    """Entry point of a child: ``argv`` is ``[BACKEND, CHECK]``."""
    if len(argv) != 2 or argv[0] not in BACKENDS or argv[1] not in checks:
        sys.exit(
            f"usage: python -m tests.MODULE {{{','.join(BACKENDS)}}} "
            f"{{{','.join(checks)}}}"
        )
    backend, name = argv
    # By hand, KERAS_BACKEND may be unset; Keras reads it when first imported.
    os.environ.setdefault("KERAS_BACKEND", backend)
    started = time.perf_counter()
    _check_backend(backend)
    checks[name](backend)
    print(f"PASS {name} on {backend} in {time.perf_counter() - started:.1f} s")
    return 0
