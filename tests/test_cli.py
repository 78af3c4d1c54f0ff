"""The command line as a user meets it: --version, help, fit with --drop, predict to
stdout with ids and probabilities, and errors that come before TensorFlow loads."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from autodeep.cli import _parser, main


def test_version_and_help_read_like_a_cli(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("autodeep ")
    parser = _parser()
    assert "``" not in parser.format_help()
    commands = parser._subparsers._group_actions[0].choices  # argparse's own record
    for name, command in commands.items():
        text = command.format_help()
        assert "``" not in text, name
        for action in command._actions:
            assert action.help, f"{name} {action.option_strings or action.dest}"
    fit_help = commands["fit"].format_help()
    assert "(default: 10)" in fit_help and "--drop" in fit_help  # defaults shown


@pytest.fixture(scope="module")
def saved(cancer_with_categories, cancer_model, tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    cancer_model.save(folder / "model")
    _, X_test, _, y_test = cancer_with_categories
    data = X_test.assign(diagnosis=np.asarray(y_test), patient=np.arange(len(y_test)))
    data.to_csv(folder / "test.csv", index=False)
    data.to_parquet(folder / "test.parquet")
    return folder, X_test, y_test


def test_predict_to_stdout_with_ids_and_probabilities(saved, cancer_model, capsys):
    folder, X_test, _ = saved
    for data in ("test.csv", "test.parquet"):
        code = main(
            [
                "predict",
                str(folder / "model"),
                str(folder / data),
                "--id-column",
                "patient",
                "--proba",
            ]
        )
        assert code == 0
        out = pd.read_csv(io.StringIO(capsys.readouterr().out))
        assert list(out.columns) == ["patient", "prediction", "proba_0", "proba_1"]
        np.testing.assert_array_equal(out["patient"], np.arange(len(X_test)))
        np.testing.assert_array_equal(out["prediction"], cancer_model.predict(X_test))
        np.testing.assert_allclose(
            out[["proba_0", "proba_1"]], cancer_model.predict_proba(X_test), atol=1e-6
        )
    # Without --proba and with -o: the predictions only, the message on stderr.
    code = main(
        [
            "predict",
            str(folder / "model"),
            str(folder / "test.csv"),
            "-o",
            str(folder / "out.csv"),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0 and captured.out == "" and "143 predictions" in captured.err
    assert list(pd.read_csv(folder / "out.csv").columns) == ["prediction"]


def test_fit_drops_columns_and_names_its_metric(cancer, tmp_path, capsys):
    X_train, _, y_train, _ = cancer
    data = X_train.iloc[:, :5].assign(row_id=np.arange(len(X_train)), target=y_train)
    data.to_csv(tmp_path / "train.csv", index=False)
    args = [
        "fit",
        str(tmp_path / "train.csv"),
        "--target",
        "target",
        "--task",
        "classification",
        "-o",
        str(tmp_path / "model"),
        "--max-trials",
        "1",
    ]
    assert main([*args, "--drop", "row_id"]) == 0
    out = capsys.readouterr().out
    assert "Leaderboard (best first" in out and "validation accuracy 0." in out
    import autodeep

    model = autodeep.load(tmp_path / "model")
    assert "row_id" not in model.feature_names_in_
    assert main([*args, "--drop", "nope"]) == 2
    assert "--drop names columns that are not in" in capsys.readouterr().err


CHILD = """
import sys
from autodeep.cli import main
code = main({args!r})
print(code, "tensorflow" in sys.modules, "keras" in sys.modules)
"""


def _child(args):
    result = subprocess.run(
        [sys.executable, "-c", CHILD.format(args=args)],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
    )
    return result.stdout.split(), result.stderr


def test_errors_come_before_tensorflow_loads(saved, tmp_path):
    folder, _, _ = saved
    out, err = _child(
        ["report", str(folder / "model"), str(folder / "test.csv"), "--target", "nope"]
    )
    assert out == ["2", "False", "False"] and "Target column 'nope'" in err
    (tmp_path / "empty").mkdir()
    out, err = _child(["predict", str(tmp_path / "empty"), str(folder / "test.csv")])
    assert out == ["2", "False", "False"] and "is not an autodeep model folder" in err
    out, err = _child(["predict", str(tmp_path / "missing"), str(folder / "test.csv")])
    assert out == ["2", "False", "False"] and "does not exist" in err


def test_export_writes_an_onnx_file_that_predicts_as_the_model(
    saved, cancer_model, capsys
):
    ort = pytest.importorskip("onnxruntime")
    import autodeep
    from autodeep.export import onnx_inputs

    folder, X_test, _ = saved
    path = folder / "model.onnx"
    assert main(["export", str(folder / "model"), "-o", str(path)]) == 0
    assert f"wrote {path}" in capsys.readouterr().out
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (label,) = session.run(["label"], onnx_inputs(X_test, autodeep.onnx_info(path)))
    np.testing.assert_array_equal(label, cancer_model.predict(X_test))
    assert main(["export", str(folder / "no such model")]) == 2
    assert "no such model" in capsys.readouterr().err
