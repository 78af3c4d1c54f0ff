"""Explanations on the JAX and PyTorch Keras backends.

Each check runs in a child Python process with ``KERAS_BACKEND`` set (see
``tests/_backends.py``); one check by hand, from the repository root::

    python -m tests.test_explain_backends jax text

A backend whose framework is not installed is skipped (a failure with
``AUTODEEP_REQUIRE_BACKENDS=1``, as in ``.ci/run``). TensorFlow's explanations are
tested in the test process itself (``tests/test_explain.py``).
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pytest

from tests._backends import (
    check,
    check_onnx_matches,
    child_main,
    require_framework,
    run_check,
)

BACKENDS = ("jax", "torch")
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


@pytest.mark.backend
@pytest.mark.parametrize("backend", BACKENDS)
def test_explanations_on_backend(backend: str) -> None:
    # One child runs every check: starting Keras on a backend takes 10-20 s, which
    # would otherwise be paid once per check.
    require_framework(backend)
    run_check("test_explain_backends", backend, "all")


# -- the checks, run in the child process ----------------------------------------------


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
    probe = Probe(model)
    values, gradient = probe.gradient(x, x, targets)
    check(
        values.shape == (6,) and gradient.shape == (6, 5),
        f"Probe.gradient gave shapes {values.shape} and {gradient.shape}",
    )
    check(gradient.dtype == np.float32, f"gradient dtype is {gradient.dtype}")
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
    from autodeep._layers import CategoryEmbedding
    from autodeep._model_parts import model_parts

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X["clinic"] = [f"clinic {i % 25}" for i in range(len(X))]
    clf = TabularClassifier(**FAST, max_epochs=5).fit(X, y)
    embedding = model_parts(clf.model_).embedding
    check(
        isinstance(embedding, CategoryEmbedding),
        f"categories are not embedded: {embedding}",
    )
    rows = X.iloc[:10]
    explanation = clf.explain(rows)
    check(
        explanation.method == "integrated_gradients",
        f"default method is {explanation.method!r}",
    )
    frame = explanation.to_frame()
    check(
        list(frame.columns) == list(X.columns),
        f"to_frame() columns {list(frame.columns)} differ from X's",
    )
    check(bool(np.isfinite(frame.to_numpy()).all()), "non-finite attributions")
    check(bool(np.abs(frame.to_numpy()).sum() > 0), "all attributions are zero")
    _check_complete(clf, rows)


def check_text(backend: str) -> None:
    """A Transformer: IG through the substituted token + position embedding layer."""
    from autodeep import TextClassifier
    from autodeep._layers import PositionEmbedding
    from autodeep._model_parts import model_parts
    from tests.conftest import sentiment_texts

    texts, labels, sentiment_words = sentiment_texts(300, seed=0)
    clf = TextClassifier(**FAST, max_epochs=10, search_space=TRANSFORMER)
    clf.fit(texts, labels)
    embedding = model_parts(clf.model_).embedding
    check(
        isinstance(embedding, PositionEmbedding),
        f"tokens are not embedded with their positions: {embedding}",
    )
    explanation = clf.explain(texts[:20], method="integrated_gradients")
    frame = explanation.to_frame()
    check(
        explanation.unit_names[0] == texts[0].split(),
        f"tokens {explanation.unit_names[0]} are not the words of {texts[0]!r}",
    )
    top = frame.loc[frame.groupby("row")["attribution"].idxmax(), "token"]
    share = float(np.mean([token in sentiment_words for token in top]))
    check(
        share >= 0.8,
        f"the top token is the sentiment word in {share:.0%} of rows: {list(top)}",
    )
    _check_complete(clf, texts[:20])


def check_image(backend: str) -> None:
    """A CNN on 8x8 digits: Grad-CAM (feature map substituted) and SmoothGrad."""
    from sklearn.datasets import load_digits

    from autodeep import ImageClassifier
    from autodeep._model_parts import model_parts

    X, y = load_digits(return_X_y=True)
    images = (X.reshape(-1, 8, 8, 1) * 16).clip(0, 255).astype("uint8")
    clf = ImageClassifier(**FAST, max_epochs=3, search_space=SMALL_CNN)
    clf.fit(images[:600], y[:600])
    feature_map = model_parts(clf.model_).feature_map
    check(feature_map is not None, "no feature map for Grad-CAM")
    sample = images[600:605]
    for method in ("gradcam", "smoothgrad"):
        explanation = clf.explain(sample, method=method)
        check(explanation.method == method, f"method is {explanation.method!r}")
        for heat in explanation.attributions:
            check(heat.shape == (8, 8), f"{method} map shape is {heat.shape}")
            check(bool(np.isfinite(heat).all()), f"{method} map is not finite")
        check(
            any(np.abs(heat).sum() > 0 for heat in explanation.attributions),
            f"every {method} map is zero",
        )
    _check_image_robustness(clf, images[600:700], y[600:700])
    _check_image_onnx(clf, images[600:700])


def _check_image_onnx(clf, images) -> None:
    """The CNN's ONNX export, read from this backend's weights, predicts as it."""
    check_onnx_matches(clf, images, lambda path: {"image": images.astype(np.float32)})


def _check_image_robustness(clf, images, labels) -> None:
    """Attacks in pixel units on uint8 images: accuracy starts at the clean score and
    does not rise as epsilon grows."""
    import autodeep

    table = autodeep.robustness(clf, images, labels, epsilons=[0, 32], steps=2)
    for attack, curve in table.groupby("attack"):
        accuracy = curve.sort_values("epsilon")["accuracy"].to_numpy()
        clean = clf.score(images, labels)
        check(abs(accuracy[0] - clean) < 1e-9, f"{attack} at 0 is not {clean}")
        check(
            bool((np.diff(accuracy) <= 0).all()) and accuracy[-1] < accuracy[0],
            f"{attack} accuracy does not fall with epsilon: {accuracy}",
        )


def check_robustness(backend: str) -> None:
    """FGSM and PGD flip an affine network at the closed-form smallest size, through
    the backend's gradients (the known-answer test of tests/test_robustness.py)."""
    from autodeep import TabularClassifier
    from tests.conftest import FAST as FIT
    from tests.test_robustness import (
        LINEAR,
        flips_around_the_known_size,
        linear_problem,
    )

    X_train, X_test, y_train, y_test = linear_problem()
    model = TabularClassifier(**FIT, search_space=LINEAR).fit(X_train, y_train)
    for attack in ("fgsm", "pgd"):
        above, below = flips_around_the_known_size(model, X_test, y_test, attack)
        check(above > 0.98, f"{attack} flips {above:.1%} of rows at 1.1x the size")
        check(below < 0.02, f"{attack} flips {below:.1%} of rows at 0.9x the size")


CHECKS = {
    "linear": check_linear,
    "robustness": check_robustness,
    "tabular": check_tabular,
    "text": check_text,
    "image": check_image,
}


def check_all(backend: str) -> None:
    """Every check in turn; a failure names the check it came from."""
    for name, check_one in CHECKS.items():
        started = time.perf_counter()
        try:
            check_one(backend)
        except Exception as error:
            raise AssertionError(f"check {name!r}: {error}") from error
        print(f"{name}: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    sys.exit(
        child_main(
            sys.argv[1:],
            {**CHECKS, "all": check_all},
        )
    )
