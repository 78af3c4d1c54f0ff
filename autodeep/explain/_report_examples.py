"""The report's examples section: 6 to 12 explained examples chosen by kind (most
confident right and wrong, borderline; or most accurate, furthest off, typical),
each with a picture and one sentence."""

from __future__ import annotations

import numpy as np
from markupsafe import Markup

from autodeep.explain import _figures as figures
from autodeep.explain import _html
from autodeep.explain._explanation import Explanation
from autodeep.explain._report_data import (
    Context,
    Section,
    column,
    list_words,
    output_scale,
)

BORDERLINE = "Borderline"
# A prediction is borderline when its two most likely classes are this close.
BORDERLINE_MARGIN = 0.2
GROUP_WORDS = {
    "Most confident, right": "the right predictions the model was most sure of",
    "Most confident, wrong": "the wrong ones it was most sure of",
    BORDERLINE: (
        "borderline ones (the two most likely classes within "
        f"{BORDERLINE_MARGIN * 100:.0f} percentage points)"
    ),
    "Most accurate": "the most accurate predictions",
    "Furthest off": "the furthest off",
    "Typical": "typical ones (errors from the median up)",
}


def examples(context: Context, explanation: Explanation) -> Section:
    section = Section("examples", "Examples, explained")
    picked = _pick_examples(context)
    shown = [group for group, positions in picked if positions]
    intro = [f"Chosen automatically: {list_words([GROUP_WORDS[g] for g in shown])}."]
    if context.classifier and BORDERLINE not in shown:
        intro.append(
            "None was borderline: for every explained example the most likely class "
            f"led the next one by at least {BORDERLINE_MARGIN * 100:.0f} percentage "
            "points of probability."
        )
    intro.append(_legend(context, explanation))
    section.blocks.append(_html.paragraphs([" ".join(intro)]))
    for group, positions in picked:
        for position in positions:
            section.cards.append(_example(context, explanation, group, position))
    return section


def _legend(context: Context, explanation: Explanation) -> str:
    """What the colours mean, for the kind of model and method shown."""
    if not explanation.signed:
        if context.kind == "image":
            return (
                "Each map is laid over its image: the brighter the colour, the more "
                "that area mattered (the method gives strength, not direction)."
            )
        return (
            "Longer bars and stronger colours mattered more (the method gives "
            "strength, not direction)."
        )
    if context.classifier:
        return "Blue pushed toward the predicted class, red away from it."
    return "Blue raised the predicted value, red lowered it."


def _pick_examples(context: Context) -> list[tuple[str, list[int]]]:
    """Positions (within the explained sample) of 6 to 12 examples, by kind."""
    rows = context.sample
    y, pred = context.y[rows], context.pred[rows]
    if context.classifier:
        proba = np.sort(context.proba[rows], axis=1)
        confidence, margin = proba[:, -1], proba[:, -1] - proba[:, -2]
        right = np.flatnonzero(y == pred)
        wrong = np.flatnonzero(y != pred)
        near = np.argsort(margin)
        groups: list[tuple[str, np.ndarray]] = [
            ("Most confident, right", right[np.argsort(-confidence[right])]),
            ("Most confident, wrong", wrong[np.argsort(-confidence[wrong])]),
            (BORDERLINE, near[margin[near] < BORDERLINE_MARGIN]),
        ]
    else:
        error = np.abs(column(pred) - column(y))
        order = np.argsort(error)
        middle = order[len(order) // 2 :]
        groups = [
            ("Most accurate", order),
            ("Furthest off", order[::-1]),
            ("Typical", middle),
        ]
    chosen: list[tuple[str, list[int]]] = []
    used: set[int] = set()
    quota = {name: 3 for name, _ in groups}
    shortfall = 0
    for name, candidates in groups:
        picked = [int(p) for p in candidates if p not in used][
            : quota[name] + shortfall
        ]
        used.update(picked)
        shortfall = quota[name] + shortfall - len(picked)
        chosen.append((name, picked))
    if shortfall and len(used) < 6:  # too few wrong or borderline: more right ones
        extra = [int(p) for p in groups[0][1] if p not in used][: 6 - len(used)]
        chosen[0] = (chosen[0][0], chosen[0][1] + extra)
    return [(name, picked) for name, picked in chosen if picked]


def _example(
    context: Context, explanation: Explanation, group: str, position: int
) -> Markup:
    row = context.sample[position]
    values = explanation.attributions[position]
    caption = _caption(context, explanation, row, position)
    if context.kind == "image":
        picture = figures.attribution_overlay(
            explanation.image(position),
            _in_output_units(context, explanation, position),
            explanation.signed,
            _bar_label(context, explanation),
        )
        body = _html.image(picture, width=360)
    elif context.kind == "text":
        body = _html.tokens(
            explanation.unit_names[position], values, str(explanation.inputs[position])
        )
    else:
        body = _html.image(
            figures.signed_bars(
                explanation.unit_names[position],
                _in_output_units(context, explanation, position),
                _bar_label(context, explanation),
            ),
            width=460,
        )
        body += _details(context, explanation, position)
    return _html.example(group, body, caption)


def _details(context: Context, explanation: Explanation, position: int) -> Markup:
    """Within each text column its tokens, within each image column its pixels, for
    a frame with such columns (gradient methods)."""
    parts = []
    scale = output_scale(context, explanation, position)
    for name, detail in (explanation.details or {}).items():
        heading = _html.paragraphs([f"Within {_html.quote(name)}:"])
        if detail["kind"] == "text":
            values = detail["values"][position] * scale
            text = str(explanation.inputs[name].iloc[position])
            parts.append(
                heading + _html.tokens(detail["tokens"][position], values, text)
            )
        else:
            image = np.asarray(detail["images"][position], np.float64)
            low, high = float(image.min()), float(image.max())
            picture = figures.attribution_overlay(
                (image - low) / (high - low or 1.0),
                detail["maps"][position] * scale,
                explanation.signed,
                _bar_label(context, explanation),
            )
            parts.append(heading + _html.image(picture, width=300))
    return Markup("").join(parts)


def _in_output_units(
    context: Context, explanation: Explanation, position: int
) -> np.ndarray:
    """Row ``position``'s attributions; a regressor's signed ones in the target's
    units (the network predicts the standardized target: its outputs, and the
    additive attributions that split them, are scaled by the target's spread)."""
    return explanation.attributions[position] * output_scale(
        context, explanation, position
    )


def _bar_label(context: Context, explanation: Explanation) -> str:
    if not explanation.signed:
        return "strength of influence"
    if context.classifier:
        return "attribution (blue toward, red away)"
    return "change in the predicted value"


def _caption(
    context: Context, explanation: Explanation, row: int, position: int
) -> str:
    """One sentence: the prediction, the truth, and what mattered most."""
    truth, predicted = context.y[row], context.pred[row]
    if context.classifier:
        confidence = float(context.proba[row].max())
        sure = "over 99%" if confidence > 0.99 else f"{confidence:.0%}"
        verdict = "right" if truth == predicted else "wrong"
        opening = (
            f"Predicted {_html.quote(predicted)} with {sure} confidence (true class "
            f"{_html.quote(truth)}: {verdict})"
        )
    else:
        opening = (
            f"Predicted {float(column([predicted])[0]):.3g} against a true value of "
            f"{float(column([truth])[0]):.3g}"
        )
    values = _in_output_units(context, explanation, position)
    if context.kind == "image":
        if not explanation.signed:
            return f"{opening}; the brightest area is what the model relied on most."
        if context.classifier:
            return f"{opening}; blue areas pushed toward the prediction, red away."
        return f"{opening}; blue areas raised the prediction, red lowered it."
    if len(values) == 0:
        return f"{opening}; the text is empty, so there is nothing to highlight."
    strongest = int(np.argmax(np.abs(values)))
    top = _html.quote(explanation.unit_names[position][strongest])
    value = float(values[strongest])
    if not explanation.signed:
        return f"{opening}; {top} mattered most."
    if context.classifier:
        way = "toward" if value > 0 else "away from"
        return (
            f"{opening}; {top} mattered most, pushing {way} "
            f"{_html.quote(explanation.targets[position])}."
        )
    way = "raised" if value > 0 else "lowered"
    return (
        f"{opening}; {top} mattered most: it {way} the prediction by {abs(value):.3g}."
    )
