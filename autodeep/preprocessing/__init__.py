"""Preprocessing that runs in front of the network: columns, images, imbalance."""

from autodeep.preprocessing.image import (
    ImagePaths,
    ImagePreprocessor,
    from_directory,
)
from autodeep.preprocessing.tabular import TabularPreprocessor

__all__ = ["ImagePaths", "ImagePreprocessor", "TabularPreprocessor", "from_directory"]
