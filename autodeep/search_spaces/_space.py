"""Declarative search-space primitives shared by every search engine.

A search space is an ordered mapping from a name to a dimension. Dimensions are plain,
immutable data (no engine imports here) so that one declaration drives Optuna today and
KerasTuner tomorrow, and so that a user can narrow, widen or fix any of them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

Condition = Mapping[str, Sequence[Any]]
# What values a dimension can take at all: ``rule(value)`` says what is wrong with
# ``value``, or returns None. Declared on the default spaces, kept through overrides.
Rule = Callable[[Any], "str | None"]


@dataclass(frozen=True)
class Int:
    """An integer dimension in ``[low, high]``, optionally sampled on a log scale.

    Parameters
    ----------
    low, high : int
        Inclusive bounds.
    log : bool, default=False
        Sample uniformly in log space (good for widths).
    when : mapping of str to sequence, optional
        Only sample this dimension when each named parent took one of the listed values,
        e.g. ``when={"optimizer": ["sgd"]}``.
    per_layer : str, optional
        Name of an integer dimension (such as ``"depth"``); one value is sampled per
        layer, named ``<name>_0``, ``<name>_1``, ...

    Examples
    --------
    >>> from autodeep import Int
    >>> Int(16, 512, log=True)
    Int(low=16, high=512, log=True, when=None, per_layer=None)
    """

    low: int
    high: int
    log: bool = False
    when: Condition | None = field(default=None, compare=False)
    per_layer: str | None = None
    valid: Rule | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        _check_bounds(self, self.low, self.high)
        if self.log and self.low < 1:
            raise ValueError(f"Int(log=True) needs low >= 1, got low={self.low}.")


@dataclass(frozen=True)
class Float:
    """A float dimension in ``[low, high]``, optionally sampled on a log scale.

    Examples
    --------
    >>> from autodeep import Float
    >>> Float(1e-4, 1e-1, log=True)
    Float(low=0.0001, high=0.1, log=True, when=None, per_layer=None)
    """

    low: float
    high: float
    log: bool = False
    when: Condition | None = field(default=None, compare=False)
    per_layer: str | None = None
    valid: Rule | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        _check_bounds(self, self.low, self.high)
        if self.log and self.low <= 0:
            raise ValueError(f"Float(log=True) needs low > 0, got low={self.low}.")


@dataclass(frozen=True)
class Choice:
    """A categorical dimension over a fixed list of options (str, int, float or bool).

    Examples
    --------
    >>> from autodeep import Choice
    >>> Choice(["adam", "sgd"])
    Choice(options=('adam', 'sgd'), when=None, per_layer=None)
    """

    options: Sequence[Any]
    when: Condition | None = field(default=None, compare=False)
    per_layer: str | None = None
    valid: Rule | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        options = tuple(self.options)
        if not options:
            raise ValueError("Choice needs at least one option.")
        for option in options:
            if not isinstance(option, (str, int, float, bool)) and option is not None:
                raise TypeError(
                    f"Choice options must be str, int, float, bool or None; got "
                    f"{option!r} of type {type(option).__name__}."
                )
        object.__setattr__(self, "options", options)


@dataclass(frozen=True)
class Fixed:
    """A dimension that always takes one value (what ``{"name": value}`` becomes)."""

    value: Any
    when: Condition | None = field(default=None, compare=False)
    per_layer: str | None = None
    valid: Rule | None = field(default=None, compare=False, repr=False)


Dimension = Int | Float | Choice | Fixed
SearchSpace = dict[str, Dimension]
# An engine-specific sampler: (name, dimension) -> value.
Suggest = Callable[[str, Dimension], Any]


def _check_bounds(dim: Any, low: float, high: float) -> None:
    if not (math.isfinite(low) and math.isfinite(high)) or low > high:
        raise ValueError(
            f"{type(dim).__name__} needs finite bounds with low <= high; "
            f"got low={low}, high={high}."
        )


def apply_overrides(
    space: Mapping[str, Dimension], overrides: Mapping[str, Any] | None
) -> SearchSpace:
    """Return a copy of ``space`` with the user's ``search_space=`` overrides applied.

    A scalar fixes a dimension, a ``(low, high)`` tuple narrows or widens a numeric one
    (keeping its log scale), a list becomes a :class:`Choice`, and a dimension object
    replaces the default. Unknown names are an error that lists the valid ones.
    """
    result: SearchSpace = dict(space)
    if overrides is None:
        return result
    if not isinstance(overrides, Mapping):
        raise TypeError(
            "search_space must be a dict mapping dimension names to values, ranges or "
            f"dimensions, e.g. {{'optimizer': 'adam', 'depth': (1, 3)}}; got "
            f"{type(overrides).__name__}."
        )
    unknown = sorted(k for k in overrides if _base_dimension(space, k) is None)
    if unknown:
        raise ValueError(
            f"Unknown search_space key(s) {unknown}. Valid keys are: {sorted(space)}, "
            "and <name>_<layer> (e.g. 'units_0') for per-layer dimensions."
        )
    for name, value in overrides.items():
        default = space.get(name) or _base_dimension(space, name)
        result[name] = _override(name, default, value)  # type: ignore[arg-type]
        check_values(name, result[name])
    return result


def check_values(name: str, dim: Dimension) -> None:
    """Refuse, before any training, a value that ``dim``'s rule says no trial can use.

    Fixed values and choices are checked one by one, ranges at both ends.
    """
    if dim.valid is None:
        return
    if isinstance(dim, Fixed):
        values: Sequence[Any] = [dim.value]
    elif isinstance(dim, Choice):
        values = dim.options
    else:
        values = [dim.low, dim.high]
    for value in values:
        problem = dim.valid(value)
        if problem is not None:
            raise ValueError(
                f"search_space[{name!r}] = {value!r} cannot be used: {problem}."
            )


def one_of(options: Sequence[Any]) -> Rule:
    """A rule: the value must be one of ``options``."""
    allowed = tuple(options)

    def rule(value: Any) -> str | None:
        if any(value == option and type(value) is type(option) for option in allowed):
            return None
        return f"choose from {list(allowed)}"

    return rule


def number(
    low: float | None = None,
    high: float | None = None,
    *,
    integer: bool = False,
    open_low: bool = False,
    open_high: bool = False,
) -> Rule:
    """A rule: a number (an integer if ``integer``) between ``low`` and ``high``."""
    kind = "an integer" if integer else "a number"
    bounds = []
    if low is not None:
        bounds.append(f"{'>' if open_low else '>='} {low}")
    if high is not None:
        bounds.append(f"{'<' if open_high else '<='} {high}")
    wanted = kind + (" " + " and ".join(bounds) if bounds else "")

    def rule(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"it must be {wanted}"
        if integer and not float(value).is_integer():
            return f"it must be {wanted}"
        if low is not None and (value <= low if open_low else value < low):
            return f"it must be {wanted}"
        if high is not None and (value >= high if open_high else value > high):
            return f"it must be {wanted}"
        return None

    return rule


# -- recording overrides as plain data (a study's user attributes) ----------------------

DIMENSIONS: dict[str, type] = {
    "Int": Int,
    "Float": Float,
    "Choice": Choice,
    "Fixed": Fixed,
}


def overrides_to_plain(overrides: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """``search_space=`` as JSON-ready data that :func:`overrides_from_plain` reverses.

    JSON has no tuples, so a ``(low, high)`` range would come back as a list (a set of
    choices); ranges and dimension objects are written as tagged dicts.
    """
    if overrides is None:
        return None
    plain: dict[str, Any] = {}
    for name, value in overrides.items():
        if isinstance(value, tuple):
            plain[name] = {"range": list(value)}
        elif isinstance(value, (Int, Float, Choice, Fixed)):
            fields = {
                key: getattr(value, key)
                for key in ("low", "high", "log", "options", "value")
                if hasattr(value, key)
            }
            if "options" in fields:
                fields["options"] = list(fields["options"])
            plain[name] = {"dimension": type(value).__name__, **fields}
        else:
            plain[name] = value
    return plain


def overrides_from_plain(plain: Any) -> dict[str, Any] | None:
    """The ``search_space=`` that :func:`overrides_to_plain` wrote."""
    if plain is None:
        return None
    if not isinstance(plain, Mapping):
        raise ValueError(f"A recorded search_space must be a dict; got {plain!r}.")
    overrides: dict[str, Any] = {}
    for name, value in plain.items():
        if isinstance(value, Mapping) and "range" in value:
            overrides[name] = tuple(value["range"])
        elif isinstance(value, Mapping) and "dimension" in value:
            fields = dict(value)
            kind = fields.pop("dimension")
            if kind not in DIMENSIONS:
                raise ValueError(
                    f"A recorded search_space names dimension {kind!r}; expected one "
                    f"of {list(DIMENSIONS)}."
                )
            overrides[name] = DIMENSIONS[kind](**fields)
        else:
            overrides[name] = value
    return overrides


def _base_dimension(space: Mapping[str, Dimension], name: str) -> Dimension | None:
    """``space[name]``, or the per-layer dimension that ``name`` (``units_0``) is one
    layer of: so that a trial's ``best_params_`` can be passed back as overrides."""
    if name in space:
        return space[name]
    base, _, layer = name.rpartition("_")
    dim = space.get(base)
    if dim is not None and dim.per_layer is not None and layer.isdigit():
        return dim
    return None


def _override(name: str, default: Dimension, value: Any) -> Dimension:
    keep: dict[str, Any] = {
        "when": default.when,
        "per_layer": default.per_layer,
        "valid": default.valid,
    }
    if isinstance(value, (Int, Float, Choice, Fixed)):
        return replace(value, **keep)
    if isinstance(value, tuple):
        if len(value) != 2 or not all(_is_number(v) for v in value):
            raise ValueError(
                f"search_space[{name!r}]: a tuple means a (low, high) range of numbers; "
                f"got {value!r}. Use a list for a set of choices."
            )
        low, high = value
        if isinstance(default, Int) or (
            not isinstance(default, Float) and all(isinstance(v, int) for v in value)
        ):
            if not all(float(v).is_integer() for v in value):
                raise ValueError(
                    f"search_space[{name!r}] is an integer dimension; got {value!r}."
                )
            log = default.log if isinstance(default, Int) else False
            return Int(int(low), int(high), log=log and low >= 1, **keep)
        log = default.log if isinstance(default, Float) else False
        return Float(float(low), float(high), log=log and low > 0, **keep)
    if isinstance(value, list):
        return Choice(value, **keep)
    return Fixed(value, **keep)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def sample(space: Mapping[str, Dimension], suggest: Suggest) -> dict[str, Any]:
    """Sample one configuration, in declaration order, honouring conditions.

    ``suggest(name, dimension)`` is the engine's primitive (an Optuna trial's
    ``suggest_*``, a KerasTuner ``hp``); fixed dimensions never reach it.
    """
    params: dict[str, Any] = {}
    for name, dim in space.items():
        if not _active(dim, params) or _is_layer_override(space, name):
            continue
        if dim.per_layer is None:
            params[name] = _draw(name, dim, suggest)
            continue
        count = params.get(dim.per_layer)
        if not isinstance(count, int):
            raise ValueError(
                f"Dimension {name!r} is per_layer={dim.per_layer!r}, which must be an "
                "integer dimension declared before it."
            )
        for layer in range(count):
            key = f"{name}_{layer}"
            params[key] = _draw(key, space.get(key, dim), suggest)
    return params


def _is_layer_override(space: Mapping[str, Dimension], name: str) -> bool:
    """``units_1`` when ``units`` is a per-layer dimension: drawn in its layer's turn."""
    base, _, layer = name.rpartition("_")
    dim = space.get(base)
    return dim is not None and dim.per_layer is not None and layer.isdigit()


def _active(dim: Dimension, params: Mapping[str, Any]) -> bool:
    if not dim.when:
        return True
    return all(params.get(parent) in values for parent, values in dim.when.items())


def _draw(name: str, dim: Dimension, suggest: Suggest) -> Any:
    if isinstance(dim, Fixed):
        return dim.value
    if isinstance(dim, Choice) and len(dim.options) == 1:
        return dim.options[0]
    if isinstance(dim, (Int, Float)) and dim.low == dim.high:
        return dim.low
    return suggest(name, dim)


def per_layer_values(params: Mapping[str, Any], name: str, count: int) -> list[Any]:
    """The values ``<name>_0 .. <name>_{count-1}`` that :func:`sample` produced."""
    return [params[f"{name}_{layer}"] for layer in range(count)]


def contains(dim: Dimension, value: Any) -> bool:
    """Whether ``value`` lies in ``dim`` (a choice among its options, or within a
    numeric range; never in a fixed dimension)."""
    if isinstance(dim, Choice):
        return value in dim.options
    if isinstance(dim, (Int, Float)):
        return dim.low <= value <= dim.high
    return False
