"""What a user's terminal shows: with verbose=0 nothing at all on file descriptor 2
(TensorFlow's C++ start-up and CUDA lines included), with verbose=1 the progress bar
and one line per trial. Each run is a child process, as a user's would be, with
TF_CPP_MIN_LOG_LEVEL unset."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

FIT = """
from sklearn.datasets import load_breast_cancer
from autodeep import TabularClassifier
X, y = load_breast_cancer(return_X_y=True, as_frame=True)
clf = TabularClassifier(max_trials=2, max_epochs=3, random_state=0, verbose={verbose})
clf.fit(X, y)
clf.predict(X.iloc[:5])
clf.explain(X.iloc[:5])
print("done")
"""


def _child(args: list[str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    return subprocess.run(
        args, capture_output=True, text=True, env=env, timeout=600, check=True
    )


def _lines(stderr: str) -> list[str]:
    """stderr's lines, a progress bar's redraws (carriage returns) split apart."""
    return [line.strip() for line in re.split(r"[\r\n]", stderr) if line.strip()]


@pytest.mark.slow
def test_verbose_0_prints_nothing_to_stderr():
    result = _child([sys.executable, "-c", FIT.format(verbose=0)])
    assert result.stdout.strip() == "done"
    assert result.stderr == ""


@pytest.mark.slow
def test_verbose_1_prints_the_bar_and_one_line_per_trial():
    result = _child([sys.executable, "-c", FIT.format(verbose=1)])
    lines = _lines(result.stderr)
    trials = [line for line in lines if line.startswith("[autodeep] trial")]
    assert len(trials) == 2
    others = [
        line for line in lines if not line.startswith(("[autodeep] trial", "search:"))
    ]
    assert others == []
    assert not any("nan" in line for line in trials)


@pytest.mark.slow
def test_demo_stderr_is_the_bar_and_the_trials():
    result = _child([sys.executable, "-m", "autodeep.cli", "demo", "--max-trials", "1"])
    assert "Held-out test accuracy" in result.stdout
    lines = _lines(result.stderr)
    assert all(line.startswith(("[autodeep] trial", "search:")) for line in lines), (
        lines
    )
