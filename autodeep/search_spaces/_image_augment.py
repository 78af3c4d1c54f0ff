"""Image augmentation in the CNN search space: the dimensions that ``augmentation=``
asks for, the settings a sampled configuration names, and the Keras preprocessing
layers that apply them (random, active only in training)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from autodeep.search_spaces._space import Choice, Fixed, Float, SearchSpace

AUGMENTATIONS = ("flip", "rotation", "zoom", "translation", "contrast")
FLIP_MODES = ("horizontal", "vertical", "horizontal_and_vertical")


def augmentation_dims(augmentation: bool | Mapping[str, Any]) -> SearchSpace:
    if isinstance(augmentation, bool):
        if not augmentation:
            return {}
        return {
            "augment": Choice([False, True]),
            "augment_strength": Float(0.05, 0.3, when={"augment": [True]}),
        }
    if not isinstance(augmentation, Mapping):
        raise TypeError(
            "augmentation must be True, False or a dict such as "
            f"{{'flip': 'horizontal', 'rotation': 0.1}}; got {augmentation!r}."
        )
    unknown = sorted(set(augmentation) - set(AUGMENTATIONS))
    if unknown:
        raise ValueError(
            f"Unknown augmentation key(s) {unknown}; valid keys are "
            f"{list(AUGMENTATIONS)}."
        )
    space: SearchSpace = {"augment": Fixed(True)}
    for key, value in augmentation.items():
        _check_augmentation(key, value)
        space[f"augment_{key}"] = Fixed(value)
    return space


def _check_augmentation(key: str, value: Any) -> None:
    if key == "flip":
        if value not in (None, False, *FLIP_MODES):
            raise ValueError(
                f"augmentation['flip'] must be one of {list(FLIP_MODES)} or None; "
                f"got {value!r}."
            )
    elif (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not (0 <= value <= 1)
    ):
        raise ValueError(
            f"augmentation[{key!r}] must be a number in [0, 1]; got {value!r}."
        )


def augmentation_settings(params: Mapping[str, Any]) -> dict[str, Any]:
    """The augmentation a sample asks for, as ``{"flip": mode, "rotation": f, ...}``.

    With ``augment_strength`` ``s``: horizontal flip, rotation ``s / 3`` of a full
    turn, zoom, translation and contrast ``s``. Empty when ``augment`` is off.
    """
    if not params.get("augment", False):
        return {}
    if "augment_strength" in params:
        strength = float(params["augment_strength"])
        return {
            "flip": "horizontal",
            "rotation": strength / 3,
            "zoom": strength,
            "translation": strength,
            "contrast": strength,
        }
    return {
        key: params[f"augment_{key}"]
        for key in AUGMENTATIONS
        if params.get(f"augment_{key}")
    }


def augment(x: Any, settings: Mapping[str, Any]) -> Any:
    import keras

    layers = keras.layers
    make = {
        "flip": layers.RandomFlip,
        "rotation": layers.RandomRotation,
        "zoom": layers.RandomZoom,
        "translation": lambda f, name: layers.RandomTranslation(f, f, name=name),
        "contrast": layers.RandomContrast,
    }
    # On raw pixels: RandomContrast clips to its value_range, (0, 255).
    for key in AUGMENTATIONS:
        if settings.get(key):
            x = make[key](settings[key], name=f"augment_{key}")(x)
    return x
