"""``scaler="quantile"`` (scikit-learn's ``QuantileTransformer`` with a normal output)
as ONNX nodes, in double precision.

Each column goes through the piecewise-linear map from its fit quantiles to
``[0, 1]`` (averaged over both directions, as scikit-learn does for repeated
quantiles), then through the standard normal's inverse distribution function. ONNX has
no inverse error function, so the graph evaluates Wichura's rational approximation
(algorithm AS 241, "PPND16", accurate to about 1e-16), with the probabilities clipped
first to where scikit-learn clips its output.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autodeep.export._graph import Graph

# scikit-learn's margin at the ends of [0, 1] (sklearn.preprocessing._data).
BOUNDS_THRESHOLD = 1e-7

# AS 241: the central region |p - 0.5| <= 0.425, then r = sqrt(-log(min(p, 1 - p)))
# up to 5, then the far tails. Numerator and denominator coefficients, lowest first.
CENTRAL = (
    (
        3.3871328727963666080e0,
        1.3314166789178437745e2,
        1.9715909503065514427e3,
        1.3731693765509461125e4,
        4.5921953931549871457e4,
        6.7265770927008700853e4,
        3.3430575583588128105e4,
        2.5090809287301226727e3,
    ),
    (
        1.0,
        4.2313330701600911252e1,
        6.8718700749205790830e2,
        5.3941960214247511077e3,
        2.1213794301586595867e4,
        3.9307895800092710610e4,
        2.8729085735721942674e4,
        5.2264952788528545610e3,
    ),
)
NEAR = (
    (
        1.42343711074968357734e0,
        4.63033784615654529590e0,
        5.76949722146069140550e0,
        3.64784832476320460504e0,
        1.27045825245236838258e0,
        2.41780725177450611770e-1,
        2.27238449892691845833e-2,
        7.74545014278341407640e-4,
    ),
    (
        1.0,
        2.05319162663775882187e0,
        1.67638483018380384940e0,
        6.89767334985100004550e-1,
        1.48103976427480074590e-1,
        1.51986665636164571966e-2,
        5.47593808499534494600e-4,
        1.05075007164441684324e-9,
    ),
)
FAR = (
    (
        6.65790464350110377720e0,
        5.46378491116411436990e0,
        1.78482653991729133580e0,
        2.96560571828504891230e-1,
        2.65321895265761230930e-2,
        1.24266094738807843860e-3,
        2.71155556874348757815e-5,
        2.01033439929228813265e-7,
    ),
    (
        1.0,
        5.99832206555887937690e-1,
        1.36929880922735805310e-1,
        1.48753612908506148525e-2,
        7.86869131145613259100e-4,
        1.84631831751005468180e-5,
        1.42151175831644588870e-7,
        2.04426310338993978564e-15,
    ),
)


def quantile_scale(graph: Graph, transformer: Any, x: str) -> str:
    """``transformer.transform`` of the doubles ``x`` (rows by columns, no NaN: the
    imputer comes first)."""
    if transformer.output_distribution != "normal":
        raise NotImplementedError(
            "ONNX export reads QuantileTransformer(output_distribution='normal') only."
        )
    knots = np.asarray(transformer.quantiles_, dtype=np.float64)  # (n, columns)
    references = np.asarray(transformer.references_, dtype=np.float64)
    forward = _interp(graph, x, knots, references)
    backward = _interp(
        graph, graph.op("Neg", x), -knots[::-1], -references[::-1].copy()
    )
    p = graph.op(
        "Mul", graph.op("Sub", forward, backward), graph.const(np.float64(0.5))
    )
    # The ends: within BOUNDS_THRESHOLD of the extreme quantiles, exactly 0 or 1.
    upper = graph.op(
        "Greater",
        graph.op("Add", x, graph.const(np.float64(BOUNDS_THRESHOLD))),
        graph.const(knots[-1][None]),
    )
    lower = graph.op(
        "Less",
        graph.op("Sub", x, graph.const(np.float64(BOUNDS_THRESHOLD))),
        graph.const(knots[0][None]),
    )
    p = graph.op("Where", upper, graph.const(np.float64(1.0)), p)
    p = graph.op("Where", lower, graph.const(np.float64(0.0)), p)
    margin = BOUNDS_THRESHOLD - np.spacing(1)
    p = graph.op(
        "Clip", p, graph.const(np.float64(margin)), graph.const(np.float64(1 - margin))
    )
    return normal_quantile(graph, p)


def _interp(graph: Graph, x: str, knots: np.ndarray, values: np.ndarray) -> str:
    """``np.interp`` of each column of ``x`` on its own increasing ``knots`` column
    (repeats allowed), all columns sharing ``values``: between the last knot at or
    below ``x`` and the next one; ``values[0]`` below the first, ``values[-1]`` from
    the last on."""
    n = len(values)
    at_or_below = graph.op(
        "GreaterOrEqual",
        graph.op("Unsqueeze", x, graph.ints(1)),
        graph.const(knots[None], "quantiles"),
    )  # (batch, n, columns)
    count = graph.op(
        "ReduceSum",
        graph.op("Cast", at_or_below, to=7),
        graph.ints(1),
        keepdims=0,
    )  # (batch, columns): knots at or below x
    left = graph.op(
        "Clip",
        graph.op("Sub", count, graph.const(np.int64(1))),
        graph.const(np.int64(0)),
        graph.const(np.int64(n - 2)),
    )
    right = graph.op("Add", left, graph.const(np.int64(1)))
    table = graph.const(knots, "quantiles")
    x0 = graph.op("GatherElements", table, left, axis=0)
    x1 = graph.op("GatherElements", table, right, axis=0)
    y = graph.const(values, "references")
    y0, y1 = graph.op("Gather", y, left), graph.op("Gather", y, right)
    slope = graph.op("Div", graph.op("Sub", y1, y0), graph.op("Sub", x1, x0))
    inside = graph.op("Add", y0, graph.op("Mul", slope, graph.op("Sub", x, x0)))
    below = graph.op("Equal", count, graph.const(np.int64(0)))
    beyond = graph.op("GreaterOrEqual", count, graph.const(np.int64(n)))
    out = graph.op("Where", beyond, graph.const(np.float64(values[-1])), inside)
    return graph.op("Where", below, graph.const(np.float64(values[0])), out)


def _rational(graph: Graph, r: str, coefficients: tuple[tuple[float, ...], ...]) -> str:
    def polynomial(terms: tuple[float, ...]) -> str:
        total = graph.const(np.float64(terms[-1]))
        for term in reversed(terms[:-1]):  # Horner
            total = graph.op(
                "Add", graph.op("Mul", total, r), graph.const(np.float64(term))
            )
        return total

    numerator, denominator = coefficients
    return graph.op("Div", polynomial(numerator), polynomial(denominator))


def normal_quantile(graph: Graph, p: str) -> str:
    """The standard normal's quantile of the doubles ``p`` (strictly inside (0, 1))."""
    q = graph.op("Sub", p, graph.const(np.float64(0.5)))
    central_r = graph.op(
        "Sub", graph.const(np.float64(0.180625)), graph.op("Mul", q, q)
    )
    central = graph.op("Mul", q, _rational(graph, central_r, CENTRAL))
    tail = graph.op("Min", p, graph.op("Sub", graph.const(np.float64(1.0)), p))
    r = graph.op("Sqrt", graph.op("Neg", graph.op("Log", tail)))
    near = _rational(graph, graph.op("Sub", r, graph.const(np.float64(1.6))), NEAR)
    far = _rational(graph, graph.op("Sub", r, graph.const(np.float64(5.0))), FAR)
    tails = graph.op(
        "Where", graph.op("LessOrEqual", r, graph.const(np.float64(5.0))), near, far
    )
    tails = graph.op(
        "Where",
        graph.op("Less", q, graph.const(np.float64(0.0))),
        graph.op("Neg", tails),
        tails,
    )
    is_central = graph.op(
        "LessOrEqual", graph.op("Abs", q), graph.const(np.float64(0.425))
    )
    return graph.op("Where", is_central, central, tails)
