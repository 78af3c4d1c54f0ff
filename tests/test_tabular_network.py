"""The tabular network's parts: periodic and piecewise-linear numeric embeddings, label
smoothing, and the cosine learning-rate schedule, each as a searchable dimension."""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import r2_score

from autodeep import TabularClassifier, TabularRegressor, load
from autodeep._layers import (
    PeriodicEmbedding,
    PiecewiseLinearEncoding,
    SmoothedSparseCrossentropy,
)
from autodeep.preprocessing import TabularPreprocessor
from autodeep.search_spaces import mlp_space
from autodeep.search_spaces.tabular import MLP_DEFAULTS, learning_rate_schedule
from tests.conftest import FAST

ONE_TRIAL = {**FAST, "ensemble_size": 1, "reference_model": False}


def wiggly(n, seed):
    """y = sin(12 x) on one feature, plus a noise feature: an effect a plain MLP on
    the raw value bends to slowly, and periodic features express directly."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"x": rng.uniform(-1, 1, n), "noise": rng.normal(size=n)})
    return X, np.sin(12 * X["x"].to_numpy())


def test_continuous_columns_come_first_and_are_counted():
    X = pd.DataFrame(
        {
            "a": [1.0, None, 3.0, 4.0],
            "b": [0.5, 0.1, 0.2, 0.3],
            "city": ["x", "y", "x", None],
        }
    )
    pre = TabularPreprocessor().fit(X)
    # a and b scaled, then a's missing-value indicator, then the one-hot columns.
    assert pre.n_continuous_ == 2
    assert pre.source_columns()[:3] == ["a", "b", "a"]
    assert TabularPreprocessor().fit(X[["city"]]).n_continuous_ == 0


def test_periodic_embedding_embeds_leading_columns_and_passes_the_rest():
    layer = PeriodicEmbedding(2, frequencies=4, width=3, scale=1.0)
    x = np.array([[0.1, -0.2, 7.0], [0.3, 0.4, -7.0]], dtype=np.float32)
    out = keras.ops.convert_to_numpy(layer(x))
    assert out.shape == (2, 2 * 3 + 1)
    np.testing.assert_allclose(out[:, -1], [7.0, -7.0])  # passed through unchanged
    assert (out[:, :-1] >= 0).all()  # ReLU of each column's embedding
    # A column's embedding depends on that column alone.
    changed = x.copy()
    changed[0, 1] = 5.0
    again = keras.ops.convert_to_numpy(layer(changed))
    np.testing.assert_allclose(again[0, :3], out[0, :3])
    assert not np.allclose(again[0, 3:6], out[0, 3:6])


def test_piecewise_encoding_places_each_value_in_its_bins_and_passes_the_rest():
    # Column 0: three bins; column 1: one bin (padded to three with zeros).
    layer = PiecewiseLinearEncoding([[0.0, 1.0, 2.0, 4.0], [-1.0, 1.0]])
    x = np.array(
        [[0.5, 0.0, 9.0], [3.0, 3.0, 8.0], [-1.0, -2.0, 7.0], [6.0, 1.0, 6.0]],
        dtype=np.float32,
    )
    out = keras.ops.convert_to_numpy(layer(x))
    assert out.shape == (4, 2 * 3 + 1)
    np.testing.assert_allclose(
        out[:, :3],
        [
            [0.5, 0.0, 0.0],  # inside the first bin
            [1.0, 1.0, 0.5],  # past two bins, halfway through the third
            [-1.0, 0.0, 0.0],  # below the edges: only the first bin goes negative
            [1.0, 1.0, 2.0],  # above them: only the last bin goes past 1
        ],
    )
    np.testing.assert_allclose(out[:, 3], [0.5, 2.0, -0.5, 1.0])  # one bin: linear
    np.testing.assert_allclose(out[:, 4:6], 0.0)  # padding
    np.testing.assert_allclose(out[:, -1], x[:, -1])  # passed through
    # Lossless: the first edge plus the bins' widths weighted by their values.
    np.testing.assert_allclose(out[:, :3] @ [1.0, 1.0, 2.0], x[:, 0])
    again = PiecewiseLinearEncoding.from_config(layer.get_config())
    np.testing.assert_allclose(keras.ops.convert_to_numpy(again(x)), out)


def test_tabular_searches_draw_piecewise_only_when_asked_and_frames_with_text_do():
    from autodeep.search_spaces import apply_overrides
    from autodeep.search_spaces.multimodal import multimodal_defaults, multimodal_space

    assert mlp_space()["numeric_embedding"].options == ("none", "periodic")
    asked = apply_overrides(mlp_space(), {"numeric_embedding": ["none", "piecewise"]})
    assert asked["numeric_embedding"].options == ("none", "piecewise")
    frame_space = multimodal_space(text=True, image_size=None)
    assert "piecewise" in frame_space["numeric_embedding"].options
    assert multimodal_defaults(text=True, image=False)["numeric_embedding"] == (
        "piecewise"
    )


def test_bin_edges_are_quantiles_of_the_training_rows():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        {
            "skewed": rng.lognormal(0, 2, 1000),
            "flat": 3.0,
            "two": rng.integers(0, 2, 1000),
        }
    )
    pre = TabularPreprocessor().fit(X)
    scaled = pre.transform(X)[:, : pre.n_continuous_]
    skewed, flat, two = pre.bin_edges_
    assert len(skewed) == 17  # 16 bins with as many rows each
    counts = np.histogram(scaled[:, 0], bins=skewed)[0]
    assert counts.min() >= 55 and counts.max() <= 70, counts
    assert len(flat) == 2 and len(two) == 2  # constant: one bin; two values: one bin
    # Fit on the rows given to fit, not on those transformed later.
    pre.transform(X * 10)
    assert pre.bin_edges_[0] == skewed


def one_trial_scores(data, embeddings, **space):
    """Test R² of one 30-epoch trial per numeric embedding on ``data``'s rows."""
    X, y = data(1500, seed=0)
    X_test, y_test = data(500, seed=1)
    scores = {}
    for embedding in embeddings:
        model = TabularRegressor(
            **{**ONE_TRIAL, "max_epochs": 30},
            search_space={"numeric_embedding": embedding, **space},
        ).fit(X, y)
        scores[embedding] = r2_score(y_test, model.predict(X_test))
    return scores


@pytest.mark.slow
def test_periodic_embedding_fits_a_sharp_effect_the_plain_mlp_does_not():
    scores = one_trial_scores(wiggly, ("none", "periodic"), embedding_scale=1.0)
    assert scores["periodic"] > 0.9, scores
    assert scores["periodic"] > scores["none"] + 0.1, scores


def steps(n, seed):
    """y jumps at four thresholds of a skewed feature, plus a noise feature: what
    trees split on at once, and a plain MLP on the scaled value smooths over."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"x": rng.lognormal(0, 1, n), "noise": rng.normal(size=n)})
    return X, np.digitize(X["x"].to_numpy(), [0.5, 1.0, 2.0, 4.0]).astype(float)


@pytest.mark.slow
def test_piecewise_encoding_fits_steps_the_plain_mlp_smooths():
    scores = one_trial_scores(steps, ("none", "piecewise"))
    assert scores["piecewise"] > 0.97, scores
    assert scores["piecewise"] > scores["none"], scores


def test_label_smoothing_loss_spreads_the_target_over_the_classes():
    probabilities = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]], dtype=np.float32)
    codes = np.array([0, 2])
    smoothing = 0.3
    target = np.eye(3)[codes] * (1 - smoothing) + smoothing / 3
    expected = -(target * np.log(probabilities)).sum(axis=1).mean()
    loss = SmoothedSparseCrossentropy(smoothing)(codes, probabilities)
    assert float(loss) == pytest.approx(expected, rel=1e-5)
    plain = keras.losses.SparseCategoricalCrossentropy()(codes, probabilities)
    assert float(SmoothedSparseCrossentropy(0.0)(codes, probabilities)) == (
        pytest.approx(float(plain), rel=1e-5)
    )


def test_label_smoothing_is_a_classifier_dimension_only():
    assert "label_smoothing" in mlp_space()
    assert "label_smoothing" not in mlp_space(classification=False)
    X, y = wiggly(50, seed=0)
    with pytest.raises(ValueError, match="label_smoothing"):
        TabularRegressor(**ONE_TRIAL, search_space={"label_smoothing": 0.1}).fit(X, y)


@pytest.mark.slow
def test_smoothed_embedded_model_saves_and_reloads_to_the_same_predictions(
    cancer, tmp_path
):
    X_train, X_test, y_train, _ = cancer
    clf = TabularClassifier(
        **ONE_TRIAL,
        search_space={
            "numeric_embedding": "periodic",
            "label_smoothing": 0.1,
            "lr_schedule": "cosine",
        },
    ).fit(X_train, y_train)
    assert clf.model_.get_layer("numeric_embedding").n_numeric == X_train.shape[1]
    assert isinstance(clf.model_.loss, SmoothedSparseCrossentropy)
    clf.save(tmp_path / "model")
    again = load(tmp_path / "model")
    np.testing.assert_array_equal(
        again.predict_proba(X_test), clf.predict_proba(X_test)
    )


def test_cosine_schedule_decays_to_a_hundredth_over_max_epochs(cancer):
    params = {**MLP_DEFAULTS, "learning_rate": 0.01, "lr_schedule": "cosine"}
    rate = learning_rate_schedule(params, horizon=10)
    assert rate(0) == pytest.approx(0.01)
    assert rate(5) == pytest.approx(0.01 * (0.01 + 0.99 * 0.5))
    assert rate(10) == rate(50) == pytest.approx(1e-4)
    assert learning_rate_schedule(MLP_DEFAULTS, horizon=10) is None
    # The fitted model's optimizer ran at the rate of the refit's last epoch.
    X_train, _, y_train, _ = cancer
    clf = TabularClassifier(
        **ONE_TRIAL, search_space={"lr_schedule": "cosine", "learning_rate": 0.01}
    ).fit(X_train, y_train)
    last = learning_rate_schedule(
        {**params, "learning_rate": 0.01}, horizon=FAST["max_epochs"]
    )(clf.best_epochs_ - 1)
    assert float(clf.model_.optimizer.learning_rate) == pytest.approx(last, rel=1e-5)


@pytest.mark.slow
def test_robust_clip_scaler_keeps_the_middle_and_squashes_outliers(tmp_path):
    from autodeep.preprocessing.tabular import RobustClipScaler

    X = np.array([[1.0], [2.0], [3.0], [4.0], [5.0], [1000.0]])
    scaler = RobustClipScaler().fit(X)
    out = scaler.transform(X)[:, 0]
    assert scaler.center_[0] == 3.5 and scaler.scale_[0] == pytest.approx(2.5)
    assert abs(out[2]) < 0.25  # near the median: almost unchanged (-0.2)
    assert 2.9 < out[-1] < 3.0  # the outlier lands just under 3
    assert np.all(np.diff(out) > 0)  # order kept
    assert np.all(RobustClipScaler().fit_transform(np.ones((4, 1))) == 0)
    # Saved and loaded like the other scalers (a trusted type).
    frame = pd.DataFrame(
        {"a": np.r_[np.arange(60.0), 1e6], "b": np.tile([0.0, 1.0], 31)[:61]}
    )
    y = (frame["a"] % 2).to_numpy()
    model = TabularClassifier(**ONE_TRIAL, scaler="robust_clip").fit(frame, y)
    model.save(tmp_path / "model")
    np.testing.assert_array_equal(
        load(tmp_path / "model").predict_proba(frame), model.predict_proba(frame)
    )
