"""The one place that talks to the Keras backend's framework directly.

Everything else in autodeep is backend-neutral (``keras`` and ``keras.ops`` only). The
module for the active backend is chosen once, from ``keras.config.backend()``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import importlib
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from types import ModuleType
from typing import Any

# Lines the frameworks write to the process's stderr (file descriptor 2, from C++) when
# they load, that say nothing about the user's data: no CUDA on a CPU machine, CPU
# instruction sets, absl's note on its own start-up. Dropped by :func:`import_keras`.
START_UP_NOISE = (
    "All log messages before absl::InitializeLog()",
    "cudart_stub.cc",
    "Could not find cuda drivers",
    "cuda_platform.cc",
    "failed call to cuInit",
    "Unable to register cu",
    "computation_placer.cc",
    "oneDNN custom operations are on",
    "This TensorFlow binary is optimized",
    "rebuild TensorFlow with the appropriate compiler flags",
    "TF-TRT Warning",
    "cuda_executor.cc",
    "cpu_feature_guard.cc",
)


def import_keras() -> ModuleType:
    """``import keras``, the first time with its framework's start-up lines kept off
    the terminal.

    Those lines come from C++ code writing to file descriptor 2 while TensorFlow
    loads, before ``TF_CPP_MIN_LOG_LEVEL`` or Python's ``logging`` can filter them, so
    the descriptor is pointed at a temporary file during the import and every line
    that is not start-up noise is written to stderr afterwards (all of them if the
    import fails). Later TensorFlow errors from C++ follow ``TF_CPP_MIN_LOG_LEVEL``,
    which ``autodeep`` sets to 3 unless the user set it; Python-side framework
    warnings (such as tf.function retracing) are lowered to errors only.
    """
    import logging
    import os
    import sys
    import tempfile

    if "keras" in sys.modules:
        return sys.modules["keras"]
    with tempfile.TemporaryFile() as captured:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(captured.fileno(), 2)
        try:
            import keras
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            lines = captured.read().decode("utf-8", "replace").splitlines()
            kept = [
                line
                for line in lines
                if line.strip() and not any(n in line for n in START_UP_NOISE)
            ]
            if kept:
                sys.stderr.write("\n".join(kept) + "\n")
    for name in ("tensorflow", "absl"):
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:  # the user's own setting wins
            logger.setLevel(logging.ERROR)
    return keras


@cache
def framework() -> ModuleType:
    """The autodeep module for the active Keras backend (tensorflow, jax or torch)."""
    import keras

    name = keras.config.backend()
    if name not in ("tensorflow", "jax", "torch"):
        raise RuntimeError(
            f"autodeep supports the tensorflow, jax and torch Keras backends; "
            f"KERAS_BACKEND is {name!r}."
        )
    return importlib.import_module(f"autodeep._backend.{name}")


def seed_everything(seed: int, deterministic: bool) -> None:
    """Seed Python, NumPy and the backend; optionally make its kernels deterministic.

    Determinism is a process-wide switch in TensorFlow, so it is only turned on when the
    user asked for repeatable results (an explicit ``random_state``).
    """
    import keras

    keras.utils.set_random_seed(seed)
    if deterministic:
        framework().enable_determinism()


# A full garbage collection every this many calls of :func:`release_memory`.
COLLECT_EVERY = 10
_releases = itertools.count(1)


def release_memory() -> None:
    """Drop Keras' global state so the last trial's model can be freed.

    Each trial's model, optimizer and traced functions form reference cycles that hold
    large framework buffers (about 9 MB a trial for a small MLP), and Python's full
    collection comes only when the number of long-lived objects has grown by a quarter:
    after dozens of trials in a process that has imported TensorFlow or JAX. So every
    ``COLLECT_EVERY``-th call runs one; a full ``gc.collect()`` costs 0.2-0.5 s there,
    too much to pay on every trial. After it, glibc is asked to give the freed heap
    back to the system (``malloc_trim``): without it the resident size stays at its
    high-water mark, about 55 MB more after 80 small TensorFlow trials.
    """
    import keras

    keras.backend.clear_session(free_memory=False)
    if next(_releases) % COLLECT_EVERY == 0:
        gc.collect()
        _trim_heap()


@cache
def _libc() -> Any:
    """glibc, where this process runs on it; None elsewhere (macOS, musl, Windows)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") else None


def _trim_heap() -> None:
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


@contextmanager
def traces_owned_by(owner: object) -> Iterator[None]:
    """Tie the framework's global state created inside to ``owner``'s lifetime.

    Wrap the calls that trace ``owner``'s functions (``model.fit``): what the framework
    registers process-wide while tracing them is dropped once ``owner`` is garbage, so
    a long search does not keep every trial's training graph.
    """
    with framework().traces_owned_by(owner):
        yield


def limit_threads(threads: int) -> None:
    """Use at most ``threads`` CPU threads for kernels (one of several worker processes).

    Call before the first operation runs: frameworks fix their thread pools then.
    """
    framework().limit_threads(threads)


def value_and_gradient(score: Any, inputs: Any) -> tuple[Any, Any]:
    """``score(x)`` and d(sum of score)/dx for a float array ``inputs``, as NumPy.

    ``score`` maps a backend tensor shaped like ``inputs`` to one value per row, using
    ``keras.ops`` and Keras layers only; the gradient comes from the backend's own
    autodiff (TensorFlow ``GradientTape``, ``jax.value_and_grad``, torch autograd).
    """
    return framework().value_and_gradient(score, inputs)
