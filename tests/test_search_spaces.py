"""The declarative search space: overrides, conditions, per-layer dimensions."""

from __future__ import annotations

import random

import pytest

from autodeep import Choice, Fixed, Float, Int
from autodeep.search_spaces import apply_overrides, mlp_space, sample


def random_suggest(rng):
    def draw(name, dim):
        if isinstance(dim, Int):
            return rng.randint(dim.low, dim.high)
        if isinstance(dim, Float):
            return rng.uniform(dim.low, dim.high)
        return rng.choice(list(dim.options))

    return draw


def test_overrides_fix_narrow_widen_and_choose():
    space = apply_overrides(
        mlp_space(),
        {
            "optimizer": "adam",
            "depth": (1, 8),
            "learning_rate": (1e-5, 1e-3),
            "batch_size": [64],
        },
    )
    assert space["optimizer"] == Fixed("adam")
    assert space["depth"] == Int(1, 8)
    assert space["learning_rate"] == Float(1e-5, 1e-3, log=True)  # keeps the log scale
    assert space["batch_size"] == Choice([64])
    assert mlp_space()["depth"] == Int(1, 4)  # the default is untouched


def test_unknown_key_lists_valid_ones():
    with pytest.raises(
        ValueError, match=r"Unknown search_space key\(s\) \['widht'\].*'units'"
    ):
        apply_overrides(mlp_space(), {"widht": 3})


def test_conditions_and_per_layer_units():
    rng = random.Random(0)
    space = mlp_space()
    for _ in range(50):
        params = sample(space, random_suggest(rng))
        units = [k for k in params if k.startswith("units_")]
        assert len(units) == params["depth"]
        assert ("momentum" in params) == (params["optimizer"] in ("sgd", "rmsprop"))
        assert ("weight_decay" in params) == (params["optimizer"] == "adamw")


def test_fixed_values_never_reach_the_engine():
    space = apply_overrides(
        mlp_space(), {"depth": 2, "units": 32, "optimizer": "adamw"}
    )
    seen = []

    def suggest(name, dim):
        seen.append(name)
        return random_suggest(random.Random(1))(name, dim)

    params = sample(space, suggest)
    assert params["units_0"] == params["units_1"] == 32
    assert "depth" not in seen and "units_0" not in seen
    assert "weight_decay" in seen


@pytest.mark.parametrize(
    "build",
    [
        lambda: Int(5, 1),
        lambda: Float(0.0, 1.0, log=True),
        lambda: Choice([]),
        lambda: Choice([[1]]),
    ],
)
def test_invalid_dimensions(build):
    with pytest.raises((ValueError, TypeError)):
        build()


def test_per_layer_keys_fix_one_layer_so_best_params_can_be_passed_back():
    from autodeep.search_spaces import Choice, apply_overrides, mlp_space, sample

    best = {"depth": 2, "units_0": 7, "units_1": (3, 4), "activation": "gelu"}
    space = apply_overrides(mlp_space(), best)

    def lowest(name, dim):
        return dim.options[0] if isinstance(dim, Choice) else dim.low

    params = sample(space, lowest)
    assert params["units_0"] == 7 and params["units_1"] == 3
    assert params["activation"] == "gelu" and "units_2" not in params
    with pytest.raises(ValueError, match="units_0"):
        apply_overrides(mlp_space(), {"unitz_0": 3})
