"""fit, predict and save / load on each Keras backend: TensorFlow, JAX and PyTorch.

Each check runs in a child Python process with ``KERAS_BACKEND`` set (see
``tests/_backends.py``); one check by hand, from the repository root::

    python -m tests.test_backends torch fit

A backend whose framework is not installed is skipped (a failure with
``AUTODEEP_REQUIRE_BACKENDS=1``, as in ``.ci/run``). The explanations on each backend
are checked in ``tests/test_explain_backends.py``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from tests._backends import (
    BACKENDS,
    REQUIRE_BACKENDS,
    check,
    check_onnx_matches,
    child_main,
    require_framework,
    run_check,
)

# One check a backend: fit, predict, then save and load the same model (a child
# process per check costs a framework import and a fit, on 2 cores in CI).
CHECKS = ("fit",)
# Checks whose TensorFlow runs are in-process tests elsewhere: the text and backbone
# exports (tests/test_export_text.py, tests/test_export.py) and the known-answer tests
# of calibration, conformal coverage and fairness (tests/test_calibration.py,
# tests/test_conformal.py, tests/test_fairness.py).
OTHER_BACKEND_CHECKS = ("export_networks", "calibration", "coverage", "fairness")
# One small trial: the checks are about the backend running the whole path, and a
# floor on held-out accuracy that any working network clears on breast_cancer.
FAST = {"max_trials": 1, "max_epochs": 10, "random_state": 0, "verbose": 0}
ACCURACY_FLOOR = 0.9
# TensorFlow is always installed, so its checks would always run: they are marked slow
# like the other multi-second fits (its own tests cover it in-process too). JAX and
# PyTorch run wherever they are installed (in .ci/run, after the backends extra).
BACKEND_PARAMS = [
    pytest.param("tensorflow", marks=pytest.mark.slow),
    *(backend for backend in BACKENDS if backend != "tensorflow"),
]


@pytest.mark.backend
@pytest.mark.parametrize("name", CHECKS)
@pytest.mark.parametrize("backend", BACKEND_PARAMS)
def test_backend(backend: str, name: str) -> None:
    require_framework(backend)
    run_check("test_backends", backend, name)


@pytest.mark.backend
@pytest.mark.parametrize("name", OTHER_BACKEND_CHECKS)
@pytest.mark.parametrize("backend", [b for b in BACKENDS if b != "tensorflow"])
def test_other_backend(backend: str, name: str) -> None:
    require_framework(backend)
    run_check("test_backends", backend, name)


def test_a_missing_framework_skips_unless_required(monkeypatch):
    monkeypatch.delenv(REQUIRE_BACKENDS, raising=False)
    with pytest.raises(pytest.skip.Exception, match="not installed"):
        require_framework("no_such_framework")
    monkeypatch.setenv(REQUIRE_BACKENDS, "1")
    with pytest.raises(pytest.fail.Exception, match="forbids skipping"):
        require_framework("no_such_framework")


# -- the checks, run in the child process ----------------------------------------------


def _fitted():
    """A TabularClassifier fitted on breast_cancer, and the held-out rows."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    from autodeep import TabularClassifier

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    return TabularClassifier(**FAST).fit(X_train, y_train), X_test, y_test


def check_fit(backend: str) -> None:
    """fit returns a fitted classifier whose predictions beat the floor, and which
    predicts exactly the same after save and load."""
    clf, X_test, y_test = _fitted()
    labels = clf.predict(X_test)
    proba = clf.predict_proba(X_test)
    check(labels.shape == (len(X_test),), f"predict shape is {labels.shape}")
    check(proba.shape == (len(X_test), 2), f"predict_proba shape is {proba.shape}")
    check(bool(np.isfinite(proba).all()), "predict_proba is not finite")
    np.testing.assert_allclose(
        proba.sum(axis=1), 1.0, rtol=1e-5, err_msg="probabilities do not sum to 1"
    )
    np.testing.assert_array_equal(
        labels,
        clf.classes_[proba.argmax(axis=1)],
        err_msg="predict is not the most probable class of predict_proba",
    )
    accuracy = clf.score(X_test, y_test)
    check(
        accuracy >= ACCURACY_FLOOR,
        f"held-out accuracy {accuracy:.3f} is under {ACCURACY_FLOOR}",
    )
    _check_trust(clf, X_test, y_test)
    _check_save(backend, clf, X_test)
    _check_onnx(clf, X_test)


def _check_onnx(clf, X_test) -> None:
    """The ONNX export, read from this backend's weights, predicts as the model."""
    import autodeep
    from autodeep.export import onnx_inputs

    check_onnx_matches(
        clf, X_test, lambda path: onnx_inputs(X_test, autodeep.onnx_info(path))
    )


def _check_trust(clf, X_test, y_test) -> None:
    """A temperature is fitted and leaves the predicted classes alone, and the
    conformal sets cover the held-out rows."""
    temperature = clf.temperature_
    check(
        temperature is not None and 0 < temperature < 100,
        f"temperature_ is {temperature!r}",
    )
    np.testing.assert_array_equal(
        clf.predict_proba(X_test).argmax(axis=1),
        clf._outputs(X_test).argmax(axis=1),
        err_msg="calibration changed the predicted classes",
    )
    sets = clf.predict_set(X_test, alpha=0.1)
    check(sets.shape == (len(X_test), 2), f"predict_set shape is {sets.shape}")
    codes = np.searchsorted(clf.classes_, np.asarray(y_test))
    coverage = float(sets[np.arange(len(codes)), codes].mean())
    check(coverage >= 0.85, f"90 % sets cover {coverage:.1%} of held-out rows")


def _check_save(backend: str, clf, X_test) -> None:
    """save then autodeep.load on the same backend predicts exactly as before."""
    import json

    import autodeep

    with tempfile.TemporaryDirectory() as folder:
        clf.save(folder)
        manifest = json.loads((Path(folder) / "manifest.json").read_text())
        check(
            manifest["backend"] == backend,
            f"the manifest names the {manifest['backend']!r} backend",
        )
        loaded = autodeep.load(folder)
    np.testing.assert_array_equal(
        loaded.predict_proba(X_test),
        clf.predict_proba(X_test),
        err_msg="predict_proba changed after save and load",
    )
    np.testing.assert_array_equal(
        loaded.predict(X_test),
        clf.predict(X_test),
        err_msg="predict changed after save and load",
    )
    np.testing.assert_array_equal(
        loaded.predict_set(X_test),
        clf.predict_set(X_test),
        err_msg="predict_set changed after save and load",
    )


def check_export_networks(backend: str) -> None:
    """Every text network family and two pretrained backbones convert to ONNX from
    this backend's weights, and a fitted text classifier's export (tokenizer outside
    the graph) predicts as it."""
    import autodeep
    from autodeep import TextClassifier
    from autodeep.export import onnx_inputs
    from tests.conftest import sentiment_texts
    from tests.test_export import backbone_network_matches
    from tests.test_export_text import FAMILIES, sequence_network_matches

    for params in FAMILIES:
        sequence_network_matches(params)
    with tempfile.TemporaryDirectory() as folder:
        backbone_network_matches("mobilenet_v3_small", "MobileNetV3Small", 1, folder)
        backbone_network_matches("efficientnet_b0", "EfficientNetB0", 3, folder)
    texts, labels, _ = sentiment_texts(200, seed=0)
    test_texts = [*sentiment_texts(40, seed=1)[0], "", "東京 🙂 great!"]
    space = {"family": "rnn", "cell": "gru", "rnn_units": 8, "bidirectional": True}
    clf = TextClassifier(**{**FAST, "max_epochs": 3}, search_space=space)
    clf.fit(texts, labels)
    check_onnx_matches(
        clf, test_texts, lambda path: onnx_inputs(test_texts, autodeep.onnx_info(path))
    )


def check_calibration(backend: str) -> None:
    """The calibration known-answer test (tests/test_calibration.py) on this backend:
    an overconfident network's held-out ECE falls by at least half."""
    from tests.test_calibration import calibrates_an_overconfident_network, wide_problem

    calibrates_an_overconfident_network(*wide_problem())


def check_fairness(backend: str) -> None:
    """The fairness known-answer test (tests/test_fairness.py) on this backend."""
    from tests.test_fairness import fit_both, gaps_are_known

    gaps_are_known(fit_both())


def check_coverage(backend: str) -> None:
    """The conformal known-answer test (tests/test_conformal.py) on this backend: over
    20 random splits, 90 % sets and intervals cover between 87 % and 95 % of the
    held-out rows."""
    from sklearn.datasets import load_breast_cancer, load_diabetes

    from autodeep import TabularClassifier, TabularRegressor
    from tests.test_conformal import coverage_is_near_ninety_percent

    coverage_is_near_ninety_percent(TabularClassifier, load_breast_cancer)
    coverage_is_near_ninety_percent(TabularRegressor, load_diabetes)


if __name__ == "__main__":
    sys.exit(
        child_main(
            sys.argv[1:],
            {
                "fit": check_fit,
                "export_networks": check_export_networks,
                "calibration": check_calibration,
                "coverage": check_coverage,
                "fairness": check_fairness,
            },
        )
    )
