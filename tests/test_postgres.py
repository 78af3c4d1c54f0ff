"""Several workers sharing one study in a real PostgreSQL server (started here)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import optuna
import pandas as pd
import pytest

import autodeep
from tests._postgres import PostgresUnavailable, postgres_server
from tests.test_search_engine import Done, _running_trial, _study, _wait_for

# Every test here starts (or shares) a PostgreSQL server.
# A PostgreSQL server, worker processes and a SIGKILL: run without xdist (serial).
pytestmark = [pytest.mark.slow, pytest.mark.serial]


@pytest.fixture(scope="module")
def postgres_url():
    try:
        with postgres_server() as url:
            yield url
    except PostgresUnavailable as error:
        pytest.skip(f"PostgreSQL is not installed here: {error}")


FIT_SCRIPT = """
import sys
import pandas as pd
from autodeep import TabularClassifier

data = pd.read_csv(sys.argv[1])
X, y = data.drop(columns="target"), data["target"]
clf = TabularClassifier(
    max_trials=6, max_epochs=30, pruner=None, n_iter_no_change=100,
    storage=sys.argv[2], study_name="shared", random_state=0, verbose=0,
).fit(X, y)
clf.save(sys.argv[3])
"""


def test_two_workers_share_a_study_and_survive_a_killed_worker(tmp_path, postgres_url):
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame
    csv = tmp_path / "cancer.csv"
    frame.to_csv(csv, index=False)
    script = tmp_path / "fit.py"
    script.write_text(textwrap.dedent(FIT_SCRIPT))
    model_dir = tmp_path / "model"

    # The first process creates the study and works on it, then refits the best.
    fitter = subprocess.Popen(
        [sys.executable, str(script), str(csv), postgres_url, str(model_dir)]
    )
    worker = None
    try:
        _wait_for(lambda: _exists(postgres_url), 120, "the study to be created")
        # A second worker joins from the command line, given where the data is.
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "autodeep.cli",
                "worker",
                "--storage",
                postgres_url,
                "--study",
                "shared",
                "--data",
                str(csv),
                "--target",
                "target",
            ]
        )
        victim = _wait_for(
            lambda: _running_trial(postgres_url, worker.pid, "shared"),
            240,
            "a trial of the second worker mid-training",
        )
        completed = {
            t.number: t.value
            for t in _study(postgres_url, "shared").get_trials(
                states=(optuna.trial.TrialState.COMPLETE,)
            )
        }
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
        assert fitter.wait(timeout=400) == 0
    finally:
        for process in (fitter, worker):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()

    study = _study(postgres_url, "shared")
    trials = {t.number: t for t in study.trials}
    # No completed trial is lost, the killed one is failed and retried, and the
    # search ran its full budget.
    for number, value in completed.items():
        assert trials[number].value == value
    assert trials[victim.number].state == optuna.trial.TrialState.FAIL
    assert any(
        t.system_attrs.get("failed_trial") == victim.number for t in study.trials
    )
    assert len(study.get_trials(states=Done)) == 6
    workers = {t.user_attrs.get("worker") for t in study.get_trials(states=Done)}
    assert len(workers) >= 1
    assert f":{worker.pid}" in trials[victim.number].user_attrs["worker"]

    model = autodeep.load(model_dir)
    X, y = frame.drop(columns="target"), frame["target"]
    assert model.score(X, y) > 0.9
    assert isinstance(model.leaderboard_, pd.DataFrame)


def _exists(url: str) -> bool:
    try:
        _study(url, "shared")
    except KeyError:
        return False
    return True


def test_worker_refuses_a_missing_study(postgres_url):
    from autodeep._worker import join

    with pytest.raises(ValueError, match="No study named 'nope'"):
        join(postgres_url, "nope")


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Heartbeat of storage:UserWarning")
def test_heartbeat_fails_and_requeues_a_trial_of_a_silent_machine(
    postgres_url, cancer, monkeypatch
):
    from autodeep import TabularClassifier
    from autodeep.search import _storage

    # A worker on another machine started a trial, then went silent.
    monkeypatch.setattr(_storage, "HEARTBEAT", 1)
    monkeypatch.setattr(_storage, "GRACE", 2)
    storage = _storage.make_storage(postgres_url)
    study = optuna.create_study(study_name="silent", storage=storage)
    orphan = study.ask()
    orphan.set_user_attr("worker", "another-machine:4242")
    storage.record_heartbeat(orphan._trial_id)
    time.sleep(3)

    X_train, X_test, y_train, y_test = cancer
    clf = TabularClassifier(
        max_trials=2,
        max_epochs=10,
        random_state=0,
        verbose=0,
        storage=postgres_url,
        study_name="silent",
    ).fit(X_train, y_train)
    study = _study(postgres_url, "silent")
    assert study.trials[orphan.number].state == optuna.trial.TrialState.FAIL
    assert any(
        t.system_attrs.get("failed_trial") == orphan.number for t in study.trials
    )
    assert len(study.get_trials(states=Done)) == 2
    assert clf.score(X_test, y_test) > 0.9
