"""What a user can check on an Explanation without private code: the explained rows'
index, and for additive methods the output and reference output the attributions
split, with the completeness gap between them."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def regressor(diabetes_model):
    return diabetes_model


def test_to_frame_keeps_the_index_of_X(cancer_model, cancer_with_categories):
    _, X_test, _, _ = cancer_with_categories
    rows = X_test.iloc[[3, 1, 4]]
    frame = cancer_model.explain(rows).to_frame()
    assert list(frame.index) == list(rows.index)
    assert list(frame.columns) == list(X_test.columns)


def test_integrated_gradients_carry_their_completeness_gap(regressor, diabetes):
    _, X_test, _, _ = diabetes
    rows = X_test.iloc[:20]
    coarse = regressor.explain(rows, steps=4)
    fine = regressor.explain(rows, steps=256)
    # The output is the network's, on the standardized target: in the user's units
    # it is the prediction.
    mean, scale = regressor.target_transform_.mean_, regressor.target_transform_.scale_
    np.testing.assert_allclose(
        fine.output * scale + mean, regressor.predict(rows), rtol=1e-4, atol=1e-3
    )
    assert fine.reference_output.shape == (20,)
    assert np.ptp(fine.reference_output) < 1e-5  # one baseline for every row
    spread = np.abs(fine.output - fine.reference_output).mean()
    assert np.abs(fine.completeness_gap).max() < 0.02 * spread + 1e-3
    assert np.abs(coarse.completeness_gap).mean() > np.abs(fine.completeness_gap).mean()


def test_gradient_times_input_is_measured_from_zero_and_magnitudes_have_no_gap(
    regressor, diabetes
):
    _, X_test, _, _ = diabetes
    rows = X_test.iloc[:10]
    product = regressor.explain(rows, method="gradient_x_input")
    assert product.completeness_gap is not None and product.completeness_gap.shape == (
        10,
    )
    integrated = regressor.explain(rows, steps=64)  # the default baseline is zeros too
    np.testing.assert_allclose(
        product.reference_output, integrated.reference_output, atol=1e-5
    )
    assert regressor.explain(rows, method="saliency").completeness_gap is None
