"""The search cannot be made to run code, never repeats itself on resume, refuses a
changed search, leaves no orphan processes or folders, and stops at once on a bug."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import optuna
import pytest

from autodeep import Int, TabularClassifier, TabularRegressor, TextClassifier
from autodeep._processes import process_alive
from autodeep.search._storage import load_study
from tests.conftest import FAST, searched
from tests.test_postgres import postgres_url  # noqa: F401  (a fixture)
from tests.test_search_engine import Done, _study, _wait_for

QUICK = {**FAST, "max_epochs": 2}


# -- a study names what a worker builds --------------------------------------------------


def _study_naming(storage, attrs: dict) -> None:
    from autodeep.search._storage import make_storage

    study = optuna.create_study(study_name="s", storage=make_storage(storage))
    study.set_user_attr("autodeep", attrs)


@pytest.fixture
def cancer_csv(tmp_path):
    from sklearn.datasets import load_breast_cancer

    csv = tmp_path / "cancer.csv"
    load_breast_cancer(as_frame=True).frame.to_csv(csv, index=False)
    return str(csv)


HOSTILE = [
    ({"estimator": "os.system", "params": {}}, "not an autodeep estimator"),
    (
        {"estimator": "subprocess.Popen", "params": {"args": "touch {marker}"}},
        "not an autodeep estimator",
    ),
    (
        {"estimator": "TabularClassifier", "params": {"command": "touch {marker}"}},
        "parameters it does not have: \\['command'\\]",
    ),
    (
        {"estimator": "TabularClassifier", "params": "max_trials=1"},
        "not a dict",
    ),
    (
        {
            "estimator": "TabularClassifier",
            "params": {"resampling": {"py/object": "os.system"}},
        },
        # plain data, refused by the estimator's own parameter constraints
        "'resampling' parameter of TabularClassifier must be",
    ),
]


@pytest.mark.parametrize(("attrs", "message"), HOSTILE)
def test_worker_builds_only_autodeep_estimators(tmp_path, cancer_csv, attrs, message):
    from autodeep._worker import join

    marker = tmp_path / "pwned"
    # The attack, writing this test's marker file if it ran.
    attrs = json.loads(json.dumps(attrs).replace("{marker}", str(marker)))
    attrs.update(seed=0, source={"path": cancer_csv, "target": "target"})
    journal = str(tmp_path / "study.journal")
    _study_naming(journal, attrs)
    with pytest.raises((ValueError, TypeError), match=message):
        join(journal, "s")
    assert not marker.exists()


@pytest.mark.slow  # starts a PostgreSQL server
def test_worker_refuses_a_hostile_estimator_in_postgres(postgres_url, cancer_csv):  # noqa: F811
    from autodeep._worker import join

    _study_naming(
        postgres_url,
        {
            "estimator": "os.system",
            "params": {},
            "seed": 0,
            "source": {"path": cancer_csv, "target": "target"},
        },
    )
    with pytest.raises(ValueError, match="not an autodeep estimator"):
        join(postgres_url, "s")


def test_a_recorded_search_space_rebuilds_the_same_space(tmp_path, cancer):
    from autodeep._worker import build_estimator

    X_train, _, y_train, _ = cancer
    space = {"depth": (1, 2), "units": Int(8, 32, log=True), "activation": ["relu"]}
    journal = str(tmp_path / "study.journal")
    clf = TabularClassifier(**QUICK, storage=journal, search_space=space)
    clf.fit(X_train, y_train)
    recorded = _study(journal).user_attrs["autodeep"]
    rebuilt = build_estimator(recorded["estimator"], recorded["params"])
    assert rebuilt.search_space == space
    assert rebuilt.max_epochs == QUICK["max_epochs"]


# -- resume ----------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("suffix", ["journal", "db"])
def test_resumed_search_tries_new_configurations(tmp_path, cancer, suffix):
    X_train, _, y_train, _ = cancer
    storage = str(tmp_path / f"study.{suffix}")
    settings = {**QUICK, "max_epochs": 1, "storage": storage, "pruner": None}
    TabularClassifier(**{**settings, "max_trials": 3}).fit(X_train, y_train)
    TabularClassifier(**{**settings, "max_trials": 6}).fit(X_train, y_train)
    trials = _study(storage).get_trials(states=Done)
    assert len(trials) == 6
    configurations = {tuple(sorted(t.params.items())) for t in trials}
    assert len(configurations) == 6


CHANGED = [
    ({"max_epochs": 3}, "max_epochs=2, this fit has max_epochs=3"),
    ({"search_space": {"depth": (1, 2)}}, "search_space=None"),
    ({"class_weight": "balanced"}, "class_weight=None"),
    ({"validation_fraction": 0.3}, "validation_fraction=0.2"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("change", "message"), CHANGED)
def test_resuming_a_changed_search_is_refused(tmp_path, cancer, change, message):
    X_train, _, y_train, _ = cancer
    journal = str(tmp_path / "study.journal")
    TabularClassifier(**QUICK, storage=journal).fit(X_train, y_train)
    with pytest.raises(ValueError, match=message) as error:
        TabularClassifier(**{**QUICK, **change}, storage=journal).fit(X_train, y_train)
    assert "another study_name" in str(error.value)
    assert len(_study(journal).trials) == 1  # nothing trained on the wrong search
    # The budget may change: a larger max_trials resumes.
    TabularClassifier(**{**QUICK, "max_trials": 2}, storage=journal).fit(
        X_train, y_train
    )
    assert len(_study(journal).trials) == 2


def test_resuming_as_another_estimator_is_refused(tmp_path, cancer):
    X_train, _, y_train, _ = cancer
    journal = str(tmp_path / "study.journal")
    TabularClassifier(**QUICK, storage=journal).fit(X_train, y_train)
    with pytest.raises(ValueError, match="search of a TabularClassifier"):
        TabularRegressor(**QUICK, storage=journal).fit(X_train, y_train)


# -- no orphans --------------------------------------------------------------------------

ORPHAN_SCRIPT = """
import sys
from sklearn.datasets import load_breast_cancer
from autodeep import TabularClassifier

X, y = load_breast_cancer(return_X_y=True, as_frame=True)
TabularClassifier(
    max_trials=50, max_epochs=1000, pruner=None, n_iter_no_change=10000, n_jobs=2,
    storage=sys.argv[1], random_state=0, verbose=0,
).fit(X, y)
"""


def _worker_trial(journal: str, parent: int):
    """The pid of a worker process (not ``parent``) running a trial, if any."""
    try:
        study = _study(journal)
    except KeyError:
        return None
    for trial in study.get_trials(states=(optuna.trial.TrialState.RUNNING,)):
        pid = int(trial.user_attrs.get("worker", ":0").rpartition(":")[2])
        if pid != parent and trial.intermediate_values:
            return pid
    return None


@pytest.mark.serial
@pytest.mark.slow  # two processes, a SIGKILL, then a second search (about a minute)
def test_workers_exit_when_the_fitting_process_is_killed(tmp_path, cancer):
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    journal = str(tmp_path / "study.journal")
    script = tmp_path / "fit.py"
    script.write_text(textwrap.dedent(ORPHAN_SCRIPT))
    env = {**os.environ, "TMPDIR": str(temporary)}
    parent = subprocess.Popen([sys.executable, str(script), journal], env=env)
    try:
        worker = _wait_for(
            lambda: _worker_trial(journal, parent.pid), 240, "a worker's trial"
        )
        assert any(p.name.startswith("autodeep-workers-") for p in temporary.iterdir())
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        killed = time.monotonic()
        _wait_for(lambda: not process_alive(worker), 10, "the orphan worker to exit")
        print(f"orphan exited {time.monotonic() - killed:.2f} s after its parent")
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
    # The dead fit's payload folder is still there, until the next fit starts workers.
    stale = [p for p in temporary.iterdir() if p.name.startswith("autodeep-workers-")]
    assert stale
    X_train, _, y_train, _ = cancer
    import tempfile

    old, tempfile.tempdir = tempfile.tempdir, str(temporary)
    try:
        TabularClassifier(**{**QUICK, "max_trials": 2}, n_jobs=2).fit(X_train, y_train)
    finally:
        tempfile.tempdir = old
    assert not any(p.exists() for p in stale)
    assert list(temporary.iterdir()) == []


# -- errors inside trials ---------------------------------------------------------------


@pytest.mark.parametrize("tuner", ["optuna", "random"])
def test_a_bug_in_a_trial_stops_the_search_with_its_traceback(
    cancer, monkeypatch, tuner
):
    from autodeep import _tabular

    X_train, _, y_train, _ = cancer
    calls = []

    def buggy_build(params, preprocessor, task):
        calls.append(params)
        return {}["no such key"]

    monkeypatch.setattr(_tabular, "_build_tabular_model", buggy_build)
    with pytest.raises(KeyError, match="no such key") as error:
        TabularClassifier(**{**QUICK, "max_trials": 4}, tuner=tuner).fit(
            X_train, y_train
        )
    assert len(calls) == 1  # stopped at the first trial
    frames = [entry.name for entry in error.traceback]
    assert "buggy_build" in frames


BUG_IN_WORKERS = """
import autodeep._tabular as tabular


def buggy_build(params, preprocessor, task):
    raise AttributeError("a bug only worker processes have")


tabular._build_tabular_model = buggy_build
"""


@pytest.mark.serial
@pytest.mark.slow  # starts a worker process
def test_a_bug_in_a_worker_process_stops_the_search(tmp_path, cancer, monkeypatch):
    # Worker processes import this sitecustomize: their trials hit a bug, this
    # process's trials do not.
    (tmp_path / "sitecustomize.py").write_text(BUG_IN_WORKERS)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(tmp_path), *sys.path]))
    X_train, _, y_train, _ = cancer
    slow = {"max_epochs": 60, "pruner": None, "n_iter_no_change": 1000}
    with pytest.raises(RuntimeError, match="a bug only worker processes have"):
        TabularClassifier(
            **{**FAST, **slow, "max_trials": 20},
            n_jobs=2,
            storage=str(tmp_path / "study.journal"),
        ).fit(X_train, y_train)
    trials = _study(str(tmp_path / "study.journal")).trials
    assert len(trials) < 20


def test_a_search_that_learnt_nothing_says_so(cancer, tmp_path):
    X_train, X_test, y_train, y_test = cancer
    # A learning rate so small that one epoch leaves the network as it started.
    frozen = {"learning_rate": 1e-7, "optimizer": "adam"}
    with pytest.warns(UserWarning, match="No trial did better than a constant"):
        clf = TabularClassifier(**{**QUICK, "max_epochs": 1}, search_space=frozen)
        clf.fit(X_train, y_train)
    assert searched(clf.leaderboard_)["beats_constant"].tolist() == [False]
    report = clf.report(X_test, y_test, tmp_path / "report.html", sample_size=20)
    with open(report) as file:
        text = " ".join(file.read().split())
    assert "did better on its validation data than a constant guess" in text


@pytest.mark.slow
def test_a_search_that_learnt_marks_its_trials(cancer):
    X_train, _, y_train, _ = cancer
    clf = TabularClassifier(**{**FAST, "max_trials": 2, "max_epochs": 10})
    clf.fit(X_train, y_train)
    assert clf.leaderboard_["beats_constant"].iloc[0]


# -- the search space is checked before any training ------------------------------------

BAD_SPACES = [
    (TabularClassifier, {"activation": "notanactivation"}, "Keras activation"),
    (TabularClassifier, {"activation": ["relu", "nope"]}, "'nope' cannot be used"),
    (TabularClassifier, {"optimizer": "adamax2"}, "choose from"),
    (TabularClassifier, {"dropout": (0.0, 1.5)}, "< 1"),
    (TabularClassifier, {"batch_size": 0}, "integer >= 1"),
    (TabularClassifier, {"learning_rate": -1.0}, "> 0"),
    (TextClassifier, {"family": "bert"}, "'bert' cannot be used: choose from"),
    (TextClassifier, {"cell": "transformer"}, "choose from \\['lstm', 'gru'\\]"),
]


@pytest.mark.parametrize(("cls", "space", "message"), BAD_SPACES)
def test_bad_search_space_values_fail_before_training(
    tmp_path, cls, space, message, cancer
):
    if cls is TextClassifier:
        X, y = ["good film", "bad film", "fine", "awful"] * 5, [1, 0, 1, 0] * 5
    else:
        X, y = cancer[0], cancer[2]
    journal = tmp_path / "study.journal"
    with pytest.raises(ValueError, match=message):
        cls(**QUICK, search_space=space, storage=str(journal)).fit(X, y)
    assert load_study(str(journal), "autodeep") is None  # no search was started


# -- storages ---------------------------------------------------------------------------


def test_unknown_database_dialect_is_a_clear_error(cancer):
    with pytest.raises(ValueError, match="not a database URL autodeep can open"):
        TabularClassifier(**QUICK, storage="nosuchdb://user@host/db").fit(
            cancer[0], cancer[2]
        )


def test_missing_postgres_driver_says_what_to_install(cancer, monkeypatch):
    # As on a machine without autodeep[postgres]: neither driver can be imported.
    for module in ("psycopg", "psycopg2"):
        monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(
        ValueError, match=r'pip install "autodeep\[postgres\]"'
    ) as error:
        TabularClassifier(**QUICK, storage="postgresql://me:secret@db/x").fit(
            cancer[0], cancer[2]
        )
    assert "secret" not in str(error.value)


def test_unreachable_database_is_a_clear_error(cancer, monkeypatch):
    from autodeep.search import _storage

    monkeypatch.setattr(_storage, "SCHEMA_ATTEMPTS", 1)
    with pytest.raises(ValueError, match="Could not open the study database"):
        TabularClassifier(
            **QUICK, storage="postgresql://me@127.0.0.1:1/nothing_listens_here"
        ).fit(cancer[0], cancer[2])
