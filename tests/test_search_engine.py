"""The shared search engine: storages, resume after SIGKILL, worker processes, failures,
progress output."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import optuna
import pytest

from autodeep import TabularClassifier
from autodeep.search._storage import make_storage
from tests.conftest import FAST, searched

Done = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)


def _study(storage: str, name: str = "autodeep") -> optuna.Study:
    return optuna.load_study(study_name=name, storage=make_storage(storage))


def _wait_for(condition, timeout: float, what: str):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _running_trial(storage: str, pid: int, name: str = "autodeep"):
    """A trial of process ``pid`` that has finished at least one epoch, if any."""
    try:
        study = _study(storage, name)
    except KeyError:
        return None
    for trial in study.get_trials(states=(optuna.trial.TrialState.RUNNING,)):
        worker = trial.user_attrs.get("worker", "")
        if worker.endswith(f":{pid}") and trial.intermediate_values:
            return trial
    return None


FIT_SCRIPT = """
import sys
from sklearn.datasets import load_breast_cancer
from autodeep import TabularClassifier

X, y = load_breast_cancer(return_X_y=True, as_frame=True)
TabularClassifier(
    max_trials=5, max_epochs=40, pruner=None, n_iter_no_change=100,
    storage=sys.argv[1], random_state=0, verbose=0,
).fit(X, y)
"""


@pytest.mark.serial
@pytest.mark.slow
def test_fit_killed_mid_search_resumes_without_rerunning_trials(tmp_path):
    journal = str(tmp_path / "study.journal")
    script = tmp_path / "fit.py"
    script.write_text(textwrap.dedent(FIT_SCRIPT))
    process = subprocess.Popen([sys.executable, str(script), journal])
    try:

        def two_done_and_one_running():
            trial = _running_trial(journal, process.pid)
            done = len(_study(journal).get_trials(states=Done)) if trial else 0
            return trial if done >= 2 else None

        victim = _wait_for(two_done_and_one_running, 240, "a trial mid-training")
        before = {
            t.number: t.value
            for t in _study(journal).get_trials(
                states=(optuna.trial.TrialState.COMPLETE,)
            )
        }
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.kill()
        process.wait()

    X, y = _cancer_frame()
    clf = TabularClassifier(
        max_trials=5,
        max_epochs=40,
        pruner=None,
        n_iter_no_change=100,
        storage=journal,
        random_state=0,
        verbose=0,
    ).fit(X, y)

    study = _study(journal)
    after = {t.number: t for t in study.trials}
    # Completed trials are kept as they were, not run again.
    for number, value in before.items():
        assert after[number].state == optuna.trial.TrialState.COMPLETE
        assert after[number].value == value
    # The trial that was running is failed, and retried with the same parameters.
    assert after[victim.number].state == optuna.trial.TrialState.FAIL
    retries = [
        t for t in study.trials if t.system_attrs.get("failed_trial") == victim.number
    ]
    assert len(retries) == 1 and retries[0].params == victim.params
    assert retries[0].state == optuna.trial.TrialState.COMPLETE
    # The same number of trials as an uninterrupted search.
    assert len(study.get_trials(states=Done)) == 5
    board = clf.leaderboard_
    assert (board["state"] == "complete").sum() == 5
    lost = board[board["trial"] == victim.number]
    assert lost["state"].item() == "failed" and "worker" in lost["reason"].item()
    assert clf.score(X, y) > 0.9


def _cancer_frame():
    from sklearn.datasets import load_breast_cancer

    return load_breast_cancer(return_X_y=True, as_frame=True)


@pytest.mark.slow
def test_sqlite_study_resumes_with_a_larger_budget(tmp_path, cancer):
    X_train, X_test, y_train, y_test = cancer
    db = str(tmp_path / "search.db")
    params = {**FAST, "storage": db, "study_name": "cancer"}
    TabularClassifier(**{**params, "max_trials": 2}).fit(X_train, y_train)
    first = [(t.number, t.value) for t in _study(db, "cancer").trials]
    assert len(first) == 2

    clf = TabularClassifier(**{**params, "max_trials": 3}).fit(X_train, y_train)
    study = _study(db, "cancer")
    assert [(t.number, t.value) for t in study.trials][:2] == first
    assert len(study.trials) == 3
    assert len(searched(clf.leaderboard_)) == 3
    assert clf.score(X_test, y_test) > 0.9

    # Fitting again with the budget already used runs no trial: it refits the best.
    again = TabularClassifier(**{**params, "max_trials": 3}).fit(X_train, y_train)
    assert len(_study(db, "cancer").trials) == 3
    assert again.best_params_ == clf.best_params_


@pytest.mark.slow
def test_study_on_other_data_is_refused(tmp_path, cancer):
    X_train, _, y_train, _ = cancer
    journal = str(tmp_path / "study.journal")
    TabularClassifier(**FAST, storage=journal).fit(X_train, y_train)
    with pytest.raises(ValueError, match="different data"):
        TabularClassifier(**FAST, storage=journal).fit(
            X_train.iloc[:200], y_train[:200]
        )


def test_sqlite_is_refused_for_several_processes(tmp_path, cancer):
    X_train, _, y_train, _ = cancer
    with pytest.raises(ValueError, match="SQLite"):
        TabularClassifier(**FAST, storage=str(tmp_path / "s.db"), n_jobs=2).fit(
            X_train, y_train
        )


def test_bad_storage_and_n_jobs_are_clear_errors(cancer):
    X_train, _, y_train, _ = cancer
    with pytest.raises(TypeError, match="storage must be"):
        TabularClassifier(**FAST, storage=3).fit(X_train, y_train)
    with pytest.raises(ValueError, match="n_jobs"):
        TabularClassifier(**FAST, n_jobs=0).fit(X_train, y_train)
    with pytest.raises(ValueError, match="tuner"):
        TabularClassifier(**FAST, tuner="grid").fit(X_train, y_train)


@pytest.mark.serial
@pytest.mark.slow
def test_n_jobs_runs_worker_processes_sharing_one_budget(tmp_path, cancer):
    X_train, X_test, y_train, y_test = cancer
    journal = str(tmp_path / "study.journal")
    # Trials long enough that the worker process joins before the budget is used.
    slow = {"max_epochs": 40, "pruner": None, "n_iter_no_change": 100}
    clf = TabularClassifier(
        **{**FAST, **slow, "max_trials": 8}, n_jobs=2, storage=journal
    ).fit(X_train, y_train)
    study = _study(journal)
    assert len(study.get_trials(states=Done)) == 8
    workers = {t.user_attrs["worker"] for t in study.trials}
    # This process and one worker process.
    assert len(workers) == 2 and f":{os.getpid()}" in " ".join(workers)
    # Each worker's sampler has its own seed: no configuration is tried twice.
    params = [tuple(sorted(t.params.items())) for t in study.trials]
    assert len(set(params)) == len(params)
    assert len(searched(clf.leaderboard_)) == 8
    assert clf.score(X_test, y_test) > 0.9


@pytest.mark.serial
@pytest.mark.slow
def test_n_jobs_without_storage_leaves_no_files(tmp_path, monkeypatch, cancer):
    X_train, X_test, y_train, y_test = cancer
    monkeypatch.chdir(tmp_path)
    clf = TabularClassifier(**{**FAST, "max_trials": 2}, n_jobs=2).fit(X_train, y_train)
    assert len(searched(clf.leaderboard_)) == 2
    assert clf.score(X_test, y_test) > 0.9
    assert list(tmp_path.iterdir()) == []


def test_failing_trials_are_recorded_and_the_search_goes_on(cancer, monkeypatch):
    from autodeep import _tabular

    X_train, X_test, y_train, y_test = cancer
    build = _tabular._build_tabular_model
    calls = []

    def build_once_failing(params, preprocessor, task):
        calls.append(params)
        if len(calls) == 2:  # the second trial (the first is the default one)
            raise MemoryError("out of memory building the model")
        return build(params, preprocessor, task)

    monkeypatch.setattr(_tabular, "_build_tabular_model", build_once_failing)
    clf = TabularClassifier(**{**FAST, "max_trials": 3}).fit(X_train, y_train)
    board = searched(clf.leaderboard_).set_index("trial")
    assert len(board) == 3
    assert board.loc[1, "state"] == "failed"
    assert board.loc[1, "reason"] == "MemoryError: out of memory building the model"
    assert (board.loc[[0, 2], "state"] != "failed").all()
    assert clf.score(X_test, y_test) > 0.9


def test_every_trial_failing_is_one_clear_error(cancer):
    X_train, _, y_train, _ = cancer
    with pytest.raises(RuntimeError, match=r"Every trial failed.*NaN"):
        TabularClassifier(
            **{**FAST, "max_trials": 2},
            search_space={"learning_rate": 1e12, "optimizer": "sgd", "momentum": 0.9},
        ).fit(X_train, y_train)


@pytest.mark.slow
@pytest.mark.parametrize("verbose", [0, 1, 2])
def test_verbose_levels(verbose, cancer, capfd, caplog):
    X_train, _, y_train, _ = cancer
    with caplog.at_level("DEBUG", logger="autodeep"):
        TabularClassifier(**{**FAST, "max_epochs": 3, "verbose": verbose}).fit(
            X_train, y_train
        )
    out, err = capfd.readouterr()
    # Trial lines go through logging (here captured by pytest's handler).
    logged = [r.getMessage() for r in caplog.records]
    assert any("trial 0 complete" in m for m in logged) == (verbose >= 1)
    assert ("search:" in err) == (verbose >= 1)  # the progress bar
    assert ("Epoch 1/3" in out + err) == (verbose == 2)


@pytest.mark.slow
def test_cli_worker_finds_the_data_the_study_recorded(tmp_path, capsys):
    from sklearn.datasets import load_breast_cancer

    from autodeep.cli import main

    csv = tmp_path / "cancer.csv"
    load_breast_cancer(as_frame=True).frame.to_csv(csv, index=False)
    journal = str(tmp_path / "study.journal")
    fit = ["fit", str(csv), "--target", "target", "--task", "classification"]
    assert (
        main(
            [
                *fit,
                "--max-trials",
                "2",
                "--storage",
                journal,
                "--study",
                "s",
                "-o",
                str(tmp_path / "model"),
            ]
        )
        == 0
    )
    recorded = _study(journal, "s").user_attrs["autodeep"]["source"]
    assert recorded == {"path": str(csv), "target": "target"}
    # The budget is used, so a worker that joins finds nothing left to do.
    assert main(["worker", "--storage", journal, "--study", "s"]) == 0
    assert "no trials left" in capsys.readouterr().out
    assert len(_study(journal, "s").trials) == 2
    assert main(["worker", "--storage", journal, "--study", "missing"]) == 2


def test_every_tuner_name_has_an_engine():
    from autodeep._engine import ENGINES
    from autodeep.search import TUNERS

    assert set(ENGINES) == set(TUNERS)


class _NoTimeLeft:
    """A trial runner whose budget is used before the first trial."""

    on_epoch = staticmethod(lambda number, epoch: None)
    score_name = "accuracy"
    default_params = {"depth": 2}

    def __init__(self):
        from autodeep.search_spaces import mlp_space

        self.space = mlp_space(classification=True)

    def remaining(self):
        return -1.0

    def may_start(self, seconds):
        return False

    def note_best(self, attrs):
        raise AssertionError("no trial ended")

    def run(self, params, number, report=None, epochs=None):
        raise AssertionError("no trial may start")


def test_a_budget_used_before_the_first_trial_says_so():
    from autodeep.search import _optuna

    settings = TabularClassifier(time_budget=1, verbose=0)._settings()
    with pytest.raises(RuntimeError, match=r"no trial started .*time_budget"):
        _optuna.search(_NoTimeLeft(), settings)
