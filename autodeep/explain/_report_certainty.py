"""The report's "How sure it is" section: whether the classifier's stated confidence
matches how often it is right on the report's data, before and after the temperature
scaling fitted at fit time (:mod:`autodeep._calibration`), and the conformal sets or
intervals (:mod:`autodeep._conformal`) with how often they held the truth here."""

from __future__ import annotations

from typing import Any

import numpy as np

from autodeep._calibration import calibration_error, reliability, scaled
from autodeep._conformal import fewest_rows
from autodeep.explain import _figures as figures
from autodeep.explain import _html
from autodeep.explain._report_data import Context, Section

# Fewer rows than this make the calibration error too noisy to compare.
FEW_ROWS = 200
# Confidence bins of the diagram and the error (fewer than the library's default:
# the report's data is often small).
BINS = 10
# The conformal level the report shows.
ALPHA = 0.1


def certainty(context: Context) -> Section:
    section = Section("certainty", "How sure it is")
    if context.classifier:
        _calibration(context, section)
    _conformal(context, section)
    return section


def _calibration(context: Context, section: Section) -> None:
    codes = np.searchsorted(context.classes, context.y)
    shown = context.proba
    temperature = context.estimator.temperature_
    error = calibration_error(shown, codes, BINS)
    tables = {}
    sentences = [
        "When the model says it is, say, 80 % sure of an answer, it should be right "
        f"about 80 % of the time. On these {len(codes)} {context.noun}s its stated "
        f"confidence is off by {100 * error:.1f} percentage points on average (the "
        "expected calibration error; 0 is perfect)."
    ]
    if temperature is None:
        sentences.append(
            "Its probabilities are the network's own: no calibration was fitted."
        )
        tables["the model"] = reliability(shown, codes, BINS)
    else:
        raw = scaled(shown, 1.0 / temperature)  # undoes the scaling
        before = calibration_error(raw, codes, BINS)
        tables["after calibration"] = reliability(shown, codes, BINS)
        tables["the network alone"] = reliability(raw, codes, BINS)
        verdict = "it helped here" if error < before else "it did not help here"
        if temperature == 1.0:
            sentences.append(
                "On validation data no temperature made the network's probabilities "
                "better calibrated, so they are its own."
            )
        else:
            change = "softened" if temperature > 1 else "sharpened"
            direction = "too sure" if temperature > 1 else "not sure enough"
            sentences.append(
                f"On validation data the network alone was {direction} of itself, so "
                f"its probabilities are {change} (temperature {temperature:.2f}); "
                f"without that the error here would be {100 * before:.1f} points: "
                f"{verdict}. The predicted classes are the same either way."
            )
    if len(codes) < FEW_ROWS:
        sentences.append(
            f"With {len(codes)} {context.noun}s these numbers are rough: each of the "
            f"{BINS} bins holds few of them."
        )
    section.blocks.append(_html.paragraphs(sentences))
    section.blocks.append(
        _html.figure(
            figures.reliability(tables),
            "Each dot is a group of answers given with similar confidence, bigger "
            "when the group is larger (a group of one or two answers can only be "
            "right 0 % or 100 % of the time); on the dashed line the model is right "
            "exactly as often as it says.",
        )
    )


def _conformal(context: Context, section: Section) -> None:
    """Sets (classifiers) or intervals (regressors) at 90 %, and how often they held
    the true answer on the report's data; a sentence saying why when there are no
    conformal scores."""
    import warnings

    estimator, level = context.estimator, round(100 * (1 - ALPHA))
    if getattr(estimator, "conformity_scores_", None) is None:  # older saves
        section.blocks.append(
            _html.paragraphs(
                [
                    "No prediction sets or intervals: the model has no conformal "
                    "scores (its best trial ran in another worker process, or it was "
                    "saved by an older autodeep)."
                ]
            )
        )
        return
    scored = len(estimator.conformity_scores_)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # too few scores: said below
        if context.classifier:
            sets = estimator.predict_set(context.X, ALPHA)
            codes = np.searchsorted(context.classes, context.y)
            held = sets[np.arange(len(codes)), codes]
            size = sets.sum(axis=1)
            sentences = [
                f"Instead of one answer, the model can give a short list meant to "
                f"hold the right one for at least {level} % of new cases (a conformal "
                f"prediction set, calibrated on {scored} validation {context.noun}s "
                f"the search's model did not train on). Here the lists hold {size.mean():.2f} "
                f"classes on average ({100 * np.mean(size == 1):.0f} % hold one, "
                f"{100 * np.mean(size == 0):.0f} % none), and they held the right "
                f"class for {100 * held.mean():.1f} % of these {len(codes)} "
                f"{context.noun}s."
            ]
        else:
            bounds = estimator.predict_interval(context.X, ALPHA)
            truth = context.y.reshape(len(context.y), -1)[:, 0]
            first = bounds.reshape(len(bounds), -1, 2)[:, 0]
            held = (first[:, 0] <= truth) & (truth <= first[:, 1])
            half = float(np.mean(first[:, 1] - first[:, 0]) / 2)
            sentences = [
                f"For {level} % of new cases the true value is meant to lie within "
                f"±{half:.4g} of the prediction (a conformal interval, calibrated on "
                f"{scored} validation {context.noun}s the search's model did not "
                "train on). "
                f"On these {len(truth)} {context.noun}s it held "
                f"{100 * held.mean():.1f} % of the true values."
            ]
    if scored < fewest_rows(ALPHA):
        sentences.append(
            f"With only {scored} validation {context.noun}s scored, that is not "
            f"enough for {level} %: the sets hold every class (the intervals are "
            "unbounded)."
        )
    if _was_refit(estimator):
        sentences.append(
            "They were calibrated with the search's model of this design; the model "
            "you have was refit on all the rows afterwards, validation rows included."
        )
    section.blocks.append(_html.paragraphs(sentences))


def _was_refit(estimator: Any) -> bool:
    """Whether the shipped model was trained again on all rows after the search:
    its refit's curves say so (empty when it was kept as trained, by ``refit=False``,
    ``refit="auto"`` or a budget that left no time); a model saved before they were
    recorded has only the parameter to go by."""
    curves = getattr(estimator, "refit_history_", None)
    return bool(curves) if curves is not None else estimator.refit is True
