"""Image inputs: folder listing, arrays, lazy file paths, and clear input errors."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from sklearn.base import clone

from autodeep.preprocessing.image import (
    ImagePaths,
    ImagePreprocessor,
    from_directory,
    is_image_paths,
)


def save(path: Path, mode: str, size: tuple[int, int], color: object = 0) -> str:
    """Write a solid image of Pillow ``size`` (width, height) and return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, color).save(path)
    return str(path)


def random_uint8(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


# from_directory


def test_from_directory_lists_images_sorted_by_class_then_name(tmp_path):
    save(tmp_path / "dog" / "b.jpg", "RGB", (12, 10))
    save(tmp_path / "dog" / "a.png", "L", (8, 8))
    save(tmp_path / "cat" / "z.PNG", "RGB", (8, 8))
    save(tmp_path / "cat" / "y.jpeg", "RGB", (20, 16))
    save(tmp_path / "cat" / ".hidden.png", "RGB", (8, 8))
    (tmp_path / "cat" / "notes.txt").write_text("not an image")
    save(tmp_path / "stray.png", "RGB", (8, 8))  # not in a class folder

    paths, labels = from_directory(tmp_path)

    names = [Path(p).relative_to(tmp_path).as_posix() for p in paths]
    assert names == ["cat/y.jpeg", "cat/z.PNG", "dog/a.png", "dog/b.jpg"]
    assert labels == ["cat", "cat", "dog", "dog"]


def test_from_directory_errors_name_the_problem(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        from_directory(tmp_path / "missing")
    with pytest.raises(ValueError, match="no class folders"):
        from_directory(tmp_path)
    (tmp_path / "cat").mkdir()
    (tmp_path / "cat" / "notes.txt").write_text("not an image")
    with pytest.raises(ValueError, match="No image files"):
        from_directory(tmp_path)


# arrays


@pytest.mark.parametrize(
    ("shape", "channels"),
    [((5, 6, 7), 1), ((5, 6, 7, 1), 1), ((5, 6, 7, 3), 3), ((5, 6, 7, 4), 3)],
)
def test_uint8_arrays_keep_their_dtype_and_memory(shape, channels):
    images = random_uint8(shape)
    pre = ImagePreprocessor().fit(images)
    out = pre.transform(images)

    assert (pre.input_kind_, pre.image_size_, pre.channels_) == (
        "array",
        (6, 7),
        channels,
    )
    assert out.shape == (5, 6, 7, channels)
    assert out.dtype == np.uint8
    assert np.shares_memory(out, images)  # no copy, let alone a float one
    expected = images.reshape(5, 6, 7, -1)[..., :channels].astype(np.float64)
    np.testing.assert_allclose(pre.mean_, expected.mean(axis=(0, 1, 2)), rtol=1e-5)
    np.testing.assert_allclose(pre.std_, expected.std(axis=(0, 1, 2)), rtol=1e-5)
    assert pre.mean_.dtype == pre.std_.dtype == np.float32


def test_float_arrays_become_float32():
    images = np.random.default_rng(0).random((4, 5, 5, 3))
    out = ImagePreprocessor().fit_transform(images)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, images, rtol=1e-6)


def test_statistics_come_from_the_fitted_images_only():
    train = random_uint8((6, 4, 4, 3), seed=0) // 2  # values 0..127
    other = random_uint8((6, 4, 4, 3), seed=1) // 2 + 128  # values 128..255
    pre = ImagePreprocessor().fit(train)
    mean, std = pre.mean_.copy(), pre.std_.copy()
    pre.transform(other)
    np.testing.assert_array_equal(pre.mean_, mean)
    np.testing.assert_array_equal(pre.std_, std)
    assert (pre.mean_ < 128).all()


def test_constant_images_get_a_positive_std():
    pre = ImagePreprocessor().fit(np.full((3, 4, 4), 9, dtype=np.uint8))
    assert pre.std_[0] == pytest.approx(1e-6)


def test_grayscale_is_repeated_for_a_colour_fit_but_not_the_reverse():
    pre = ImagePreprocessor().fit(random_uint8((3, 4, 4, 3)))
    gray = random_uint8((2, 4, 4))
    out = pre.transform(gray)
    assert out.shape == (2, 4, 4, 3)
    np.testing.assert_array_equal(out[..., 2], gray)

    gray_fit = ImagePreprocessor().fit(gray)
    with pytest.raises(ValueError, match="fitted on grayscale"):
        gray_fit.transform(random_uint8((2, 4, 4, 3)))


def test_clone_and_pickle_keep_the_fitted_state():
    images = random_uint8((3, 4, 4, 3))
    pre = ImagePreprocessor(max_size=64).fit(images)
    assert clone(pre).get_params() == {"max_size": 64}
    restored = pickle.loads(pickle.dumps(pre))
    np.testing.assert_array_equal(restored.transform(images), pre.transform(images))
    np.testing.assert_array_equal(restored.mean_, pre.mean_)


# file paths


@pytest.fixture
def mixed_files(tmp_path):
    """Three 10x8 colour images, one 20x20 grayscale image, one RGBA image."""
    return [
        save(tmp_path / "a.png", "RGB", (8, 10), (200, 100, 50)),
        save(tmp_path / "b.jpg", "RGB", (8, 10), (10, 20, 30)),
        save(tmp_path / "c.png", "L", (20, 20), 77),
        save(tmp_path / "d.png", "RGB", (8, 10), (0, 0, 255)),
        save(tmp_path / "e.png", "RGBA", (8, 10), (1, 2, 3, 0)),
    ]


def test_paths_use_the_most_common_size_and_colour(mixed_files):
    pre = ImagePreprocessor().fit(mixed_files)
    assert (pre.input_kind_, pre.image_size_, pre.channels_) == ("paths", (10, 8), 3)

    images = pre.transform(mixed_files)
    assert isinstance(images, ImagePaths)
    assert len(images) == 5
    assert len(pre.transform(images.subset([1, 3]))) == 2  # ImagePaths are paths too

    batch = images.take([0, 2, 4])
    assert batch.shape == (3, 10, 8, 3)
    assert batch.dtype == np.float32
    np.testing.assert_array_equal(batch[0, 0, 0], [200, 100, 50])  # raw values
    np.testing.assert_array_equal(batch[1], np.full((10, 8, 3), 77))  # gray, resized
    np.testing.assert_array_equal(batch[2, 0, 0], [1, 2, 3])  # alpha dropped


def test_path_statistics_match_the_decoded_pixels(mixed_files):
    pre = ImagePreprocessor().fit(pd.Series(mixed_files))
    pixels = pre.transform(mixed_files).take(np.arange(5)).astype(np.float64)
    np.testing.assert_allclose(pre.mean_, pixels.mean(axis=(0, 1, 2)), rtol=1e-5)
    np.testing.assert_allclose(pre.std_, pixels.std(axis=(0, 1, 2)), rtol=1e-5)


def test_grayscale_files_give_one_channel_and_large_files_are_capped(tmp_path):
    files = [save(tmp_path / f"{i}.png", "L", (600, 300), i) for i in range(3)]
    pre = ImagePreprocessor(max_size=100).fit([Path(f) for f in files])
    assert (pre.image_size_, pre.channels_) == ((50, 100), 1)
    assert pre.transform(files).take([1]).shape == (1, 50, 100, 1)


def test_sixteen_bit_files_are_mapped_onto_0_to_255(tmp_path):
    path = str(tmp_path / "deep.png")
    Image.fromarray(np.full((4, 4), 65535, dtype=np.uint16)).save(path)
    pixels = ImagePaths([path], image_size=(4, 4), channels=1).take([0])
    np.testing.assert_allclose(pixels, 255.0)


def test_image_paths_is_lazy_picklable_and_subsettable(mixed_files):
    images = ImagePaths(mixed_files, image_size=(6, 6), channels=1)
    restored = pickle.loads(pickle.dumps(images))
    assert list(restored.paths) == mixed_files
    assert restored.subset([4, 0]).paths.tolist() == [mixed_files[4], mixed_files[0]]
    mask = np.array([True, False, True, False, False])
    assert restored.take(mask).shape == (2, 6, 6, 1)
    assert restored.take([]).shape == (0, 6, 6, 1)
    with pytest.raises(ValueError, match="read-only"):
        images.paths[0] = "other.png"


def test_is_image_paths():
    assert is_image_paths(["a.png", Path("b.png")])
    assert is_image_paths(np.array(["a.png"]))
    assert is_image_paths(pd.Series(["a.png"]))
    assert not is_image_paths(random_uint8((2, 4, 4)))
    assert not is_image_paths([])
    assert not is_image_paths([1, 2])


# errors name the offending file or image


def test_corrupt_file_is_named_in_fit(tmp_path, mixed_files):
    bad = tmp_path / "x.png"
    bad.write_bytes(np.random.default_rng(0).bytes(200))
    with pytest.raises(ValueError, match=r"Image 5 \(.*x\.png.*not a readable image"):
        ImagePreprocessor().fit([*mixed_files, str(bad)])


def test_missing_file_is_named(tmp_path, mixed_files):
    missing = str(tmp_path / "gone.png")
    with pytest.raises(ValueError, match=r"Image 1 \(.*gone\.png.*does not exist"):
        ImagePreprocessor().fit([mixed_files[0], missing])
    pre = ImagePreprocessor().fit(mixed_files)
    with pytest.raises(ValueError, match=r"Image 2 \(.*gone\.png.*does not exist"):
        pre.transform([*mixed_files[:2], missing])


@pytest.mark.parametrize(
    ("images", "message"),
    [
        (np.zeros((4, 5), np.uint8), r"shape \(4, 5\); expected \(n_images"),
        (np.zeros((2, 4, 4, 3, 1), np.uint8), r"shape \(2, 4, 4, 3, 1\); expected"),
        (np.zeros((2, 4, 4, 2), np.uint8), "2 channels"),
        (np.zeros((0, 4, 4), np.uint8), "no images"),
        ([], "no images"),
        (np.array([{"a": 1}, None], dtype=object), "dtype object"),
    ],
)
def test_bad_arrays_are_rejected(images, message):
    with pytest.raises(ValueError, match=message):
        ImagePreprocessor().fit(images)


def test_non_finite_pixels_name_the_image():
    images = np.zeros((4, 3, 3), np.float32)
    images[2, 1, 1] = np.nan
    with pytest.raises(ValueError, match="Image 2 of X has NaN"):
        ImagePreprocessor().fit(images)


def test_wrong_size_at_transform_gives_the_expected_size():
    pre = ImagePreprocessor().fit(random_uint8((2, 8, 8)))
    with pytest.raises(ValueError, match=r"size \(9, 8\).*fitted on size \(8, 8\)"):
        pre.transform(random_uint8((2, 9, 8)))


def test_input_kind_must_match_fit(mixed_files):
    with pytest.raises(ValueError, match=r"fitted on array.*got paths"):
        ImagePreprocessor().fit(random_uint8((2, 8, 8))).transform(mixed_files)
    with pytest.raises(ValueError, match=r"fitted on paths.*got array"):
        ImagePreprocessor().fit(mixed_files).transform(random_uint8((2, 10, 8, 3)))


def test_truncated_file_is_named_when_decoded(tmp_path):
    path = tmp_path / "cut.png"
    save(path, "RGB", (40, 40), (1, 2, 3))
    path.write_bytes(path.read_bytes()[:60])  # header intact, pixels cut off
    with pytest.raises(ValueError, match=r"decode image 0 \(.*cut\.png"):
        ImagePaths([str(path)], image_size=(40, 40), channels=3).take([0])
    # fit reads the header of every file and the pixels of its statistics sample
    with pytest.raises(ValueError, match=r"decode image 0 \(.*cut\.png"):
        ImagePreprocessor().fit([str(path)])


def test_empty_input_at_transform_is_rejected(mixed_files):
    pre = ImagePreprocessor().fit(mixed_files)
    with pytest.raises(ValueError, match="no images"):
        pre.transform([])


def test_inspect_checks_files_and_sets_geometry_without_statistics(tmp_path):
    paths = []
    for i, size in enumerate([(10, 12), (10, 12), (20, 8)]):
        path = tmp_path / f"{i}.png"
        Image.new("RGB" if i == 2 else "L", size).save(path)
        paths.append(str(path))
    inspected = ImagePreprocessor().inspect(paths)
    fitted = ImagePreprocessor().fit(paths)
    assert inspected.input_kind_ == fitted.input_kind_ == "paths"
    assert inspected.image_size_ == fitted.image_size_ == (12, 10)
    assert inspected.channels_ == fitted.channels_ == 3
    assert not hasattr(inspected, "mean_")
    (tmp_path / "bad.png").write_bytes(b"not an image")
    with pytest.raises(ValueError, match=r"bad\.png"):
        ImagePreprocessor().inspect([*paths, str(tmp_path / "bad.png")])
