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
    "cnn_space",
    "mlp_space",
    "sample",
]
