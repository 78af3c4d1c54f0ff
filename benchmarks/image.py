"""ImageClassifier on scikit-learn's digits: accuracy, throughput from disk, memory.

1. Accuracy: a stratified 75/25 split of the 8x8 digits (``random_state=0``);
   ``ImageClassifier(max_trials=5)`` against ``LogisticRegression`` on the flattened
   pixels, with the test accuracy and wall time of each.
2. Throughput: the best configuration is trained again for a fixed number of epochs,
   once from an in-memory uint8 array and once from PNG files of the same images read
   lazily from disk; the table gives training images per second for each and the ratio.
3. Memory: the model trained from files is saved; a fresh process loads it and predicts
   20,000 image paths, and reports its peak resident memory.

Run from the repository root (about 10 minutes on a 2-core CPU)::

    python benchmarks/image.py
    python benchmarks/image.py --trials 5 --epochs 10 --predict-images 20000
    python benchmarks/image.py --scoring balanced_accuracy --accuracy-only
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
from _common import machine, table
from PIL import Image
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from autodeep import ImageClassifier

PREDICT_SCRIPT = """
import resource, sys, time
import numpy as np
import autodeep
model = autodeep.load(sys.argv[1])
paths = [line.strip() for line in open(sys.argv[2])]
start = time.perf_counter()
labels = model.predict(paths)
seconds = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{len(labels)} {seconds:.2f} {peak_mb:.0f}")
"""


def write_pngs(images: np.ndarray, folder: Path, copies: int = 1) -> list[str]:
    """``images`` (uint8, n x h x w) as PNG files, each written ``copies`` times."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for copy in range(copies):
        for i, image in enumerate(images):
            path = folder / f"{copy}_{i}.png"
            Image.fromarray(image).save(path)
            paths.append(str(path))
    return paths


def accuracy(args: argparse.Namespace, splits: list[np.ndarray]) -> ImageClassifier:
    X_train, X_test, y_train, y_test = splits
    start = time.perf_counter()
    clf = ImageClassifier(
        max_trials=args.trials, random_state=0, verbose=0, scoring=args.scoring
    )
    clf.fit(X_train, y_train)
    deep_seconds = time.perf_counter() - start
    start = time.perf_counter()
    baseline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
    baseline.fit(X_train.reshape(len(X_train), -1), y_train)
    base_seconds = time.perf_counter() - start
    print(
        f"## Digits, stratified 75/25 split (autodeep max_trials={args.trials}, "
        f"scoring={args.scoring})\n"
    )
    table(
        ["model", "test accuracy", "fit seconds"],
        [
            [
                "autodeep ImageClassifier",
                f"{clf.score(X_test, y_test):.4f}",
                f"{deep_seconds:.1f}",
            ],
            [
                "LogisticRegression (flattened pixels)",
                f"{baseline.score(X_test.reshape(len(X_test), -1), y_test):.4f}",
                f"{base_seconds:.2f}",
            ],
        ],
    )
    print(f"Best configuration: {clf.best_params_}\n")
    return clf


def throughput(
    args: argparse.Namespace,
    best: dict,
    X_train: np.ndarray,
    y_train: np.ndarray,
    folder: Path,
) -> ImageClassifier:
    paths = write_pngs(X_train, folder / "train")
    fixed = {
        "max_trials": 1,
        "max_epochs": args.epochs,
        "n_iter_no_change": args.epochs,
        "pruner": None,
        "refit": False,
        "search_space": best,
        "random_state": 0,
        "verbose": 0,
    }
    rows, rates = [], {}
    for name, X in (
        ("in-memory uint8 array", X_train),
        ("PNG files read from disk", paths),
    ):
        clf = ImageClassifier(**fixed).fit(X, y_train)
        train_rows = int(len(y_train) * (1 - clf.validation_fraction))
        seconds = clf.timings_["keras_train"]
        rates[name] = train_rows * args.epochs / seconds
        rows.append([name, f"{seconds:.1f}", f"{rates[name]:.0f}"])
    ratio = rates["in-memory uint8 array"] / rates["PNG files read from disk"]
    print(f"## Training throughput, best configuration, {args.epochs} epochs\n")
    table(["input", "Keras training seconds", "training images / second"], rows)
    print(
        f"In-memory is {ratio:.2f}x as fast as reading from disk (target: at most 1.5x).\n"
    )
    return clf


def memory(
    args: argparse.Namespace, clf: ImageClassifier, images: np.ndarray, folder: Path
) -> None:
    model_dir = folder / "model"
    clf.save(model_dir)
    copies = -(-args.predict_images // len(images))
    paths = write_pngs(images, folder / "predict", copies)[: args.predict_images]
    listing = folder / "paths.txt"
    listing.write_text("\n".join(paths))
    script = folder / "predict.py"
    script.write_text(PREDICT_SCRIPT)
    out = subprocess.run(
        [sys.executable, str(script), str(model_dir), str(listing)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    count, seconds, peak_mb = int(out[-3]), float(out[-2]), float(out[-1])
    print(f"## Predicting {count} image paths in a fresh process\n")
    table(
        ["images", "seconds", "images / second", "peak resident memory (MB)"],
        [[str(count), f"{seconds:.1f}", f"{count / seconds:.0f}", f"{peak_mb:.0f}"]],
    )
    print("Target: peak resident memory under 2048 MB.\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=10, help="throughput epochs")
    parser.add_argument("--predict-images", type=int, default=20000)
    parser.add_argument(
        "--scoring", default=None, help="autodeep's scoring= (default: the loss)"
    )
    parser.add_argument(
        "--accuracy-only", action="store_true", help="skip throughput and memory"
    )
    args = parser.parse_args()

    X, y = load_digits(return_X_y=True)
    images = (X.reshape(-1, 8, 8) * 16).clip(0, 255).astype(np.uint8)
    splits = train_test_split(images, y, test_size=0.25, stratify=y, random_state=0)
    clf = accuracy(args, splits)
    if args.accuracy_only:
        print(machine(["tensorflow", "keras", "optuna", "pillow"]))
        return
    with tempfile.TemporaryDirectory(prefix="autodeep-bench-") as tmp:
        folder = Path(tmp)
        from_disk = throughput(args, clf.best_params_, splits[0], splits[2], folder)
        memory(args, from_disk, splits[1], folder)
    print(machine(["tensorflow", "keras", "optuna", "pillow"]))


if __name__ == "__main__":
    main()
