"""Explanations on the JAX and PyTorch Keras backends.

Keras fixes its backend when it is first imported, so each check runs in a child
Python process started with ``KERAS_BACKEND`` set. The child is this file run as a
script; a developer can run one check by hand the same way::

    KERAS_BACKEND=jax python tests/test_explain_backends.py jax text

A backend whose framework is not installed in the running interpreter is skipped.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ("jax", "torch")
CHECKS = ("backend", "linear", "tabular", "text", "image")
TIMEOUT_S = 300
# Tiny budgets: these tests check that the gradients flow on the backend, not quality.
FAST = {"max_trials": 1, "random_state": 0, "verbose": 0}
TRANSFORMER = {
    "family": "transformer",
    "sequence_length": 16,
    "embedding_dim": 16,
    "heads": 2,
    "transformer_layers": 1,
    "ff_units": 32,
    "dense_layers": 0,
    "optimizer": "adam",
    "learning_rate": 3e-3,
    "batch_size": 32,
}
# Batch normalization too: its inference path must be differentiable on the backend.
SMALL_CNN = {"stages": 2, "filters": 16, "batch_norm": True}


def _run_child(backend: str, check: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["KERAS_BACKEND"] = backend
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p
    )
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), backend, check],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )


@pytest.mark.backend
@pytest.mark.parametrize("check", CHECKS)
@pytest.mark.parametrize("backend", BACKENDS)
def test_explanations_on_backend(backend: str, check: str) -> None:
    if importlib.util.find_spec(backend) is None:
        pytest.skip(
            f"{backend} is not installed in {sys.executable}; install it to run "
            f"explanations on the {backend} Keras backend."
        )
    result = _run_child(backend, check)
    if result.returncode != 0 or f"PASS {check}" not in result.stdout:
        output = (result.stdout + result.stderr)[-6000:]
        pytest.fail(
            f"check {check!r} failed on the {backend} backend "
            f"(exit {result.returncode}):\n{output}",
            pytrace=False,
        )


# -- the checks, run in the child process ----------------------------------------------


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def check_backend(backend: str) -> None:
    """Keras and autodeep both use the requested backend."""
    import keras

    from autodeep import _backend

    _check(
        keras.config.backend() == backend,
        f"keras.config.backend() is {keras.config.backend()!r}, not {backend!r}",
    )
    module = _backend.framework().__name__
    _check(
        module == f"autodeep._backend.{backend}",
        f"autodeep dispatches to {module}, not autodeep._backend.{backend}",
    )


def check_linear(backend: str) -> None:
    """On a linear model, gradient x input and IG are the exact contributions."""
    import keras

    from autodeep.explain._methods import (
        gradient_x_input,
        integrated_gradients,
        saliency,
    )
    from autodeep.explain._probe import Probe

    keras.utils.set_random_seed(0)
    inputs = keras.Input((5,))
    logits = keras.layers.Dense(3, name="logits")(inputs)
    model = keras.Model(inputs, keras.layers.Activation("softmax")(logits))
    weights = model.get_layer("logits").get_weights()[0]  # (5 features, 3 classes)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 5)).astype(np.float32)
    targets = np.array([0, 1, 2, 0, 1, 2])
    exact = x * weights[:, targets].T
    probe = Probe(model, None)
    values, gradient = probe.gradient(x, x, targets)
    _check(
        values.shape == (6,) and gradient.shape == (6, 5),
        f"Probe.gradient gave shapes {values.shape} and {gradient.shape}",
    )
    _check(gradient.dtype == np.float32, f"gradient dtype is {gradient.dtype}")
    expected = probe.logits(x, x)[np.arange(6), targets]
    np.testing.assert_allclose(
        values, expected, rtol=1e-5, atol=1e-6, err_msg="target logits"
    )
    np.testing.assert_allclose(
        gradient_x_input(probe, x, x, targets),
        exact,
        rtol=1e-5,
        atol=1e-6,
        err_msg="gradient_x_input is not x * w[:, target]",
    )
    np.testing.assert_allclose(
        integrated_gradients(probe, x, x, targets, baseline=np.zeros_like(x), steps=4),
        exact,
        rtol=1e-5,
        atol=1e-6,
        err_msg="integrated_gradients is not x * w[:, target]",
    )
    np.testing.assert_allclose(
        saliency(probe, x, x, targets),
        np.abs(weights[:, targets].T),
        rtol=1e-5,
        err_msg="saliency is not |w[:, target]|",
    )


def _check_complete(estimator, X) -> None:
    """Integrated gradients add up to the logit difference, within 1%."""
    from tests.conftest import ig_completeness

    totals, difference = ig_completeness(estimator, X)
    np.testing.assert_allclose(
        totals,
        difference,
        rtol=0.01,
        atol=0.01,
        err_msg="IG attributions do not add up to the logit difference",
    )


def check_tabular(backend: str) -> None:
    """breast_cancer plus a many-category column (the CategoryEmbedding path)."""
    from sklearn.datasets import load_breast_cancer

    from autodeep import TabularClassifier

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X["clinic"] = [f"clinic {i % 25}" for i in range(len(X))]
    clf = TabularClassifier(**FAST, max_epochs=5).fit(X, y)
    layers = [layer.name for layer in clf.model_.layers]
    _check("category_embedding" in layers, f"no category_embedding layer: {layers}")
    rows = X.iloc[:10]
    explanation = clf.explain(rows)
    _check(
        explanation.method == "integrated_gradients",
        f"default method is {explanation.method!r}",
    )
    frame = explanation.to_frame()
    _check(
        list(frame.columns) == list(X.columns),
        f"to_frame() columns {list(frame.columns)} differ from X's",
    )
    _check(bool(np.isfinite(frame.to_numpy()).all()), "non-finite attributions")
    _check(bool(np.abs(frame.to_numpy()).sum() > 0), "all attributions are zero")
    _check_complete(clf, rows)


def check_text(backend: str) -> None:
    """A Transformer: IG through the substituted token + position embedding layer."""
    from autodeep import TextClassifier
    from tests.conftest import sentiment_texts

    texts, labels, sentiment_words = sentiment_texts(300, seed=0)
    clf = TextClassifier(**FAST, max_epochs=10, search_space=TRANSFORMER)
    clf.fit(texts, labels)
    layers = [layer.name for layer in clf.model_.layers]
    _check(
        "token_position_embedding" in layers,
        f"no token_position_embedding layer: {layers}",
    )
    explanation = clf.explain(texts[:20], method="integrated_gradients")
    frame = explanation.to_frame()
    _check(
        explanation.unit_names[0] == texts[0].split(),
        f"tokens {explanation.unit_names[0]} are not the words of {texts[0]!r}",
    )
    top = frame.loc[frame.groupby("row")["attribution"].idxmax(), "token"]
    share = float(np.mean([token in sentiment_words for token in top]))
    _check(
        share >= 0.8,
        f"the top token is the sentiment word in {share:.0%} of rows: {list(top)}",
    )
    _check_complete(clf, texts[:20])


def check_image(backend: str) -> None:
    """A CNN on 8x8 digits: Grad-CAM (feature map substituted) and SmoothGrad."""
    from sklearn.datasets import load_digits

    from autodeep import ImageClassifier

    X, y = load_digits(return_X_y=True)
    images = (X.reshape(-1, 8, 8, 1) * 16).clip(0, 255).astype("uint8")
    clf = ImageClassifier(**FAST, max_epochs=3, search_space=SMALL_CNN)
    clf.fit(images[:600], y[:600])
    layers = [layer.name for layer in clf.model_.layers]
    _check("head_pool" in layers, f"no head_pool layer for Grad-CAM: {layers}")
    sample = images[600:605]
    for method in ("gradcam", "smoothgrad"):
        explanation = clf.explain(sample, method=method)
        _check(explanation.method == method, f"method is {explanation.method!r}")
        for heat in explanation.attributions:
            _check(heat.shape == (8, 8), f"{method} map shape is {heat.shape}")
            _check(bool(np.isfinite(heat).all()), f"{method} map is not finite")
        _check(
            any(np.abs(heat).sum() > 0 for heat in explanation.attributions),
            f"every {method} map is zero",
        )


def main(argv: list[str]) -> int:
    backend, check = argv
    started = time.perf_counter()
    if check != "backend":
        check_backend(backend)  # every check must run on the requested backend
    globals()[f"check_{check}"](backend)
    print(f"PASS {check} on {backend} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[2] not in CHECKS:
        sys.exit(
            f"usage: {sys.argv[0]} {{{','.join(BACKENDS)}}} {{{','.join(CHECKS)}}}"
        )
    os.environ.setdefault("KERAS_BACKEND", sys.argv[1])
    sys.path.insert(0, str(ROOT))  # for ``tests.conftest`` when run by hand
    sys.exit(main(sys.argv[1:]))
