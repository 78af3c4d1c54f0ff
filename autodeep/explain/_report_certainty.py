"""The report's "How sure it is" section: whether the classifier's stated confidence
matches how often it is right on the report's data, before and after the temperature
scaling fitted at fit time (:mod:`autodeep._calibration`)."""

from __future__ import annotations

import numpy as np

from autodeep._calibration import calibration_error, reliability, scaled
from autodeep.explain import _figures as figures
from autodeep.explain import _html
from autodeep.explain._report_data import Context, Section

# Fewer rows than this make the calibration error too noisy to compare.
FEW_ROWS = 200
# Confidence bins of the diagram and the error (fewer than the library's default:
# the report's data is often small).
BINS = 10


def certainty(context: Context) -> Section | None:
    """The section for classifiers; None for regressors."""
    if not context.classifier:
        return None
    section = Section("certainty", "How sure it is")
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
            "Each dot is a group of answers given with similar confidence; on the "
            "dashed line the model is right exactly as often as it says.",
        )
    )
    return section
