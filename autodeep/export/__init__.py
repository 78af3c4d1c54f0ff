"""Deployment: a fitted estimator as one ONNX file that takes the raw columns.

``est.export("model.onnx")`` (or ``autodeep export MODEL -o model.onnx``) writes the
preprocessing and the network (an ensemble as one graph) as one ONNX graph; any
onnxruntime then predicts without autodeep, Keras or TensorFlow. See docs/deploy.md.
"""

from autodeep.export._feeds import onnx_inputs
from autodeep.export._onnx import export, onnx_info, to_onnx

__all__ = ["export", "onnx_info", "onnx_inputs", "to_onnx"]
