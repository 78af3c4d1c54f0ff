"""Preprocessing that runs in front of the network: column handling and imbalance."""

from autodeep.preprocessing.tabular import TabularPreprocessor

__all__ = ["TabularPreprocessor"]
