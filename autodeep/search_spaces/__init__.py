"""Declarative search spaces: primitives, the per-modality spaces, and model builders."""

from autodeep.search_spaces._space import (
    Choice,
    Dimension,
    Fixed,
    Float,
    Int,
    SearchSpace,
    apply_overrides,
    sample,
)
from autodeep.search_spaces.image import build_cnn, cnn_space
from autodeep.search_spaces.tabular import build_mlp, mlp_space
from autodeep.search_spaces.text import build_text_model, text_space

__all__ = [
    "Choice",
    "Dimension",
    "Fixed",
    "Float",
    "Int",
    "SearchSpace",
    "apply_overrides",
    "build_cnn",
    "build_mlp",
    "build_text_model",
    "cnn_space",
    "mlp_space",
    "sample",
    "text_space",
]
