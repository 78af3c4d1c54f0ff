"""The gradient-boosting reference: fit on the search's split, scored with the same
metric, shown in leaderboard_ and the report, never returned as the model."""

from __future__ import annotations

import numpy as np
import pytest

import autodeep
from autodeep import TabularClassifier, TabularRegressor
from tests.conftest import FAST, searched

QUICK = {**FAST, "max_trials": 2, "max_epochs": 8}


def reference_of(board):
    rows = board[board["state"] == "reference"]
    assert len(rows) == 1
    return rows.iloc[0]


@pytest.mark.slow
def test_reference_row_is_scored_on_the_same_split(cancer, tmp_path):
    X_train, X_test, y_train, y_test = cancer
    clf = TabularClassifier(**QUICK).fit(X_train, y_train)
    board = clf.leaderboard_
    row = reference_of(board)
    assert board.index[board["state"] == "reference"][0] == len(board) - 1  # last
    assert row["val_accuracy"] >= 0.9 and 0 < row["val_loss"] < 0.5
    assert row["beats_constant"] is True
    assert "HistGradientBoostingClassifier" in row["reason"]
    assert board["trial"].dtype == "Int64" and board["depth"].dtype == "Int64"
    # The network is what fit returns; the trees only sit beside it.
    assert clf.best_params_["depth"] == searched(board)["depth"].iloc[0]
    assert type(clf.model_).__module__.startswith("keras")
    assert 0 < clf.timings_["reference"] < clf.timings_["total"]

    clf.save(tmp_path / "model")
    loaded = autodeep.load(tmp_path / "model")
    assert loaded.leaderboard_["trial"].dtype == "Int64"
    assert reference_of(loaded.leaderboard_)["val_accuracy"] == row["val_accuracy"]

    report = clf.report(X_test, y_test, tmp_path / "report.html", sample_size=20)
    with open(report) as file:
        text = " ".join(file.read().split())
    assert (
        f"scored accuracy {row['val_accuracy']:.3f} on the same validation part" in text
    )
    assert f"the best network design scored {clf.best_score_:.3f}" in text
    assert "tried 2 network designs" in text


def test_reference_uses_the_searchs_metric(diabetes):
    X_train, _, y_train, _ = diabetes
    reg = TabularRegressor(**QUICK, scoring="neg_mean_absolute_error").fit(
        X_train, y_train
    )
    row = reference_of(reg.leaderboard_)
    # Mean absolute error in the target's units (diabetes: spread about 77).
    assert -90 < row["val_neg_mean_absolute_error"] < -30
    assert np.isfinite(row["val_loss"])


@pytest.mark.slow
def test_reference_model_false_fits_no_trees(cancer):
    X_train, _, y_train, _ = cancer
    clf = TabularClassifier(**QUICK, reference_model=False).fit(X_train, y_train)
    assert "reference" not in set(clf.leaderboard_["state"])
    assert "reference" not in clf.timings_


def test_no_trial_beating_the_constant_still_warns_beside_good_trees(cancer):
    X_train, _, y_train, _ = cancer
    frozen = {"learning_rate": 1e-7, "optimizer": "adam"}
    with pytest.warns(UserWarning, match="No trial did better than a constant"):
        clf = TabularClassifier(**{**QUICK, "max_trials": 1, "max_epochs": 1})
        clf.set_params(search_space=frozen).fit(X_train, y_train)
    assert reference_of(clf.leaderboard_)["beats_constant"] is True
