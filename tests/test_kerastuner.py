"""KerasTuner as the search engine: tuner="hyperband", "bayesian" or "random"."""

from __future__ import annotations

import math

import pytest

from autodeep import TabularClassifier, TabularRegressor
from autodeep._trials import Trials
from autodeep.search._kerastuner import choice_values, declare, suggest
from autodeep.search_spaces._space import Choice, Float, Int, sample
from autodeep.search_spaces.tabular import MLP_DEFAULTS
from tests.conftest import FAST, searched

KT_TUNERS = ("hyperband", "bayesian", "random")
# Two trials of ten epochs: enough for breast cancer, quick on two cores.
SMALL = {**FAST, "max_trials": 2, "max_epochs": 10}
NOT_PARAMS = {
    "trial",
    "state",
    "val_loss",
    "beats_constant",
    "epochs",
    "seconds",
    "ensemble_weight",
    "reason",
}


def active_keys(params):
    """The parameters the MLP space samples for this configuration, and no others."""
    keys = {"depth", "activation", "dropout", "batch_norm", "l2", "optimizer"}
    keys |= {"learning_rate", "batch_size", "lr_schedule", "numeric_embedding"}
    keys |= {"label_smoothing"}  # a classifier's
    if params["numeric_embedding"] == "periodic":
        keys.add("embedding_scale")
    keys |= {f"units_{layer}" for layer in range(int(params["depth"]))}
    if params["optimizer"] in ("sgd", "rmsprop"):
        keys.add("momentum")
    if params["optimizer"] == "adamw":
        keys.add("weight_decay")
    return keys


def row_params(row):
    return {
        k: v
        for k, v in row.items()
        if k not in NOT_PARAMS
        and not k.startswith("val_")
        and not (isinstance(v, float) and math.isnan(v))
    }


@pytest.fixture(scope="module")
def optuna_columns(cancer):
    X_train, _, y_train, _ = cancer
    clf = TabularClassifier(**{**FAST, "max_epochs": 5}).fit(X_train, y_train)
    return [c for c in clf.leaderboard_.columns if c in NOT_PARAMS or "val_" in c]


# -- the space through KerasTuner's HyperParameters ------------------------------------


@pytest.mark.parametrize(
    "options",
    [[False, True], [None, "batch", "layer"], ["None", None], [0.5, 1], [16, 32]],
)
def test_choices_come_back_as_the_options_themselves(options):
    space = {"choice": Choice(options)}
    hp = declare(space)
    for option, value in zip(options, choice_values(options), strict=True):
        hp.values["choice"] = value
        drawn = sample(space, suggest(hp))["choice"]
        assert drawn == option and type(drawn) is type(option)


def test_plain_choices_stay_plain_for_kerastuner():
    assert choice_values([16, 32]) == [16, 32]
    assert choice_values(["adam", "sgd"]) == ["adam", "sgd"]
    # KerasTuner would turn bools into 1 and 0, and rejects None.
    assert choice_values([False, True]) == ["False", "True"]
    assert choice_values(["None", None]) == ["'None'", "None"]


def test_per_layer_and_conditional_dimensions_sample_only_active_keys():
    space = {
        "depth": Int(1, 3),
        "units": Int(8, 64, log=True, per_layer="depth"),
        "optimizer": Choice(["adam", "sgd"]),
        "momentum": Float(0.0, 0.9, when={"optimizer": ["sgd"]}),
    }
    hp = declare(space)
    names = {p.name for p in hp.space}
    assert names == {"depth", "units_0", "units_1", "units_2", "optimizer", "momentum"}
    hp.values.update(depth=2, optimizer="adam")
    assert set(sample(space, suggest(hp))) == {
        "depth",
        "units_0",
        "units_1",
        "optimizer",
    }
    hp.values.update(depth=1, optimizer="sgd")
    assert set(sample(space, suggest(hp))) == {
        "depth",
        "units_0",
        "optimizer",
        "momentum",
    }


# -- whole searches --------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("tuner", KT_TUNERS)
def test_kerastuner_search(
    tuner, cancer, optuna_columns, tmp_path, monkeypatch, capsys
):
    X_train, X_test, y_train, y_test = cancer
    monkeypatch.chdir(tmp_path)
    clf = TabularClassifier(**SMALL, tuner=tuner).fit(X_train, y_train)

    assert clf.score(X_test, y_test) >= 0.9
    board = searched(clf.leaderboard_)
    assert len(board) == 2 and set(board["state"]) == {"complete"}
    assert [c for c in board.columns if c in optuna_columns] == optuna_columns
    assert set(board.columns) - set(optuna_columns) <= set(MLP_DEFAULTS) | {
        "ensemble_weight",
        "units_2",
        "units_3",
        "momentum",
        "weight_decay",
    }
    for _, row in board.iterrows():
        params = row_params(row)
        assert set(params) == active_keys(params)
    assert set(clf.best_params_) == active_keys(clf.best_params_)
    # The first trial is the known-good default configuration.
    first = row_params(board.set_index("trial").loc[0])
    assert first == {k: v for k, v in MLP_DEFAULTS.items() if k in active_keys(first)}
    # Nothing in the working directory, nothing printed by KerasTuner.
    assert list(tmp_path.iterdir()) == []
    assert "Search" not in capsys.readouterr().out


@pytest.mark.slow
def test_regressor_with_kerastuner(diabetes):
    X_train, X_test, y_train, y_test = diabetes
    reg = TabularRegressor(**{**SMALL, "max_epochs": 40}, tuner="bayesian")
    assert reg.fit(X_train, y_train).score(X_test, y_test) > 0.2


@pytest.mark.slow
def test_search_space_is_honoured(cancer):
    X_train, _, y_train, _ = cancer
    clf = TabularClassifier(
        **{**SMALL, "max_trials": 3, "max_epochs": 3},
        tuner="random",
        search_space={"optimizer": "adam", "depth": (1, 2)},
    ).fit(X_train, y_train)
    board = searched(clf.leaderboard_)
    assert len(board) == 3
    assert set(board["optimizer"]) == {"adam"}
    assert set(board["depth"]) <= {1, 2}
    assert "momentum" not in board and "units_2" not in board


@pytest.mark.serial
@pytest.mark.slow
def test_time_budget_alone_ends_a_hyperband_search(cancer):
    X_train, X_test, y_train, y_test = cancer
    # A trial takes about 2 s here alone; the budget leaves room for a second one and the
    # refit even on a loaded machine (10 s gave one trial once on a busy CI runner).
    budget = 20
    clf = TabularClassifier(
        **{**SMALL, "max_trials": None, "time_budget": budget}, tuner="hyperband"
    ).fit(X_train, y_train)
    assert len(searched(clf.leaderboard_)) >= 2
    assert clf.timings_["total"] <= budget + max(0.1 * budget, 30)
    assert clf.score(X_test, y_test) >= 0.9


def test_project_files_go_to_directory(cancer, tmp_path, monkeypatch):
    X_train, _, y_train, _ = cancer
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    TabularClassifier(
        **{**SMALL, "max_epochs": 2}, tuner="hyperband", directory=tmp_path / "kt"
    ).fit(X_train, y_train)
    assert (tmp_path / "kt" / "autodeep" / "oracle.json").is_file()
    assert list((tmp_path / "kt" / "autodeep").glob("trial_*/trial.json"))
    assert list(workdir.iterdir()) == []


@pytest.mark.slow
def test_all_trials_failing_raises_with_the_reason(cancer, caplog):
    X_train, _, y_train, _ = cancer
    clf = TabularClassifier(
        **{**SMALL, "max_trials": 3, "max_epochs": 3, "verbose": 1},
        tuner="hyperband",
        search_space={"optimizer": "sgd", "learning_rate": 1e6},
    )
    with pytest.raises(RuntimeError, match=r"Every trial failed.*NaN.*3 of 3 trials"):
        clf.fit(X_train, y_train)
    # One warning line per failed trial, and no KerasTuner traceback.
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert sum(m.startswith("trial ") and "NaN" in m for m in warned) == 3
    assert "Traceback" not in caplog.text


@pytest.mark.slow
def test_a_failing_trial_is_recorded_and_the_search_goes_on(cancer, monkeypatch):
    X_train, X_test, y_train, y_test = cancer
    run = Trials.run

    def fail_trial_one(self, params, number, *args, **kwargs):
        if number == 1:
            raise ValueError("no luck\nsecond line")
        return run(self, params, number, *args, **kwargs)

    monkeypatch.setattr(Trials, "run", fail_trial_one)
    clf = TabularClassifier(**{**SMALL, "max_trials": 3}, tuner="bayesian")
    clf.fit(X_train, y_train)
    board = searched(clf.leaderboard_).set_index("trial")
    assert list(board["state"].sort_index()) == ["complete", "failed", "complete"]
    failed = board.loc[1]
    assert failed["reason"] == "ValueError: no luck"
    assert math.isnan(failed["val_loss"]) and failed["epochs"] == 0
    assert set(row_params(failed)) == active_keys(row_params(failed))
    assert clf.score(X_test, y_test) >= 0.9
