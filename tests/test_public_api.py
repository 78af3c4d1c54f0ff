"""The public surface stays small and importable."""

from __future__ import annotations

import subprocess
import sys

import autodeep


def test_all_matches_what_imports():
    for name in autodeep.__all__:
        assert hasattr(autodeep, name), name
    # In a fresh interpreter: other tests import submodules (autodeep.cli, ...), which
    # then show up as attributes of the package in this process.
    code = "import autodeep; print(' '.join(n for n in dir(autodeep) if n[0] != '_'))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    public = set(out.stdout.split())
    modules = {"estimators", "export", "io", "preprocessing", "search", "search_spaces"}
    assert public - modules - {"os"} == set(autodeep.__all__)


def test_import_does_not_load_tensorflow():
    code = "import sys, autodeep; print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False", "False"]
