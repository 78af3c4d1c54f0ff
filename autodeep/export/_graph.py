"""A small builder for ONNX graphs: named constants, nodes and typed inputs/outputs.

Every node gets a fresh output name from a hint, so converters compose without
coordinating names; constants become initializers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# ONNX's default domain, and the one with LabelEncoder (string -> code lookups).
OPSET = 17
ML_OPSET = 2
ML_DOMAIN = "ai.onnx.ml"


class Graph:
    """Nodes, initializers, inputs and outputs of one ONNX graph under construction."""

    def __init__(self) -> None:
        from onnx import helper

        self._helper = helper
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self.inputs: list[Any] = []
        self.outputs: list[Any] = []
        self._count = 0

    def fresh(self, hint: str) -> str:
        self._count += 1
        return f"{hint}_{self._count}"

    def const(self, value: Any, hint: str = "const", dtype: Any = None) -> str:
        """An initializer holding ``value``; its name."""
        from onnx import numpy_helper

        array = np.asarray(value, dtype=dtype)
        if array.dtype.kind in "OUS":
            array = array.astype(object)
        name = self.fresh(hint)
        self.initializers.append(numpy_helper.from_array(array, name))
        return name

    def ints(self, *values: int) -> str:
        """A 1-D int64 initializer: the axes, shapes and bounds that operators take."""
        return self.const(np.array(values, dtype=np.int64), "ints")

    def op(
        self, op_type: str, *inputs: str, hint: str | None = None, **attributes: Any
    ) -> str:
        """Add a node of the default domain with one output; the output's name."""
        return self._node(op_type, inputs, "", hint, attributes)

    def output_of(
        self,
        op_type: str,
        *inputs: str,
        index: int,
        hint: str | None = None,
        **attributes: Any,
    ) -> str:
        """Add a node with several outputs and keep output ``index`` only (the
        optional outputs before it go unnamed); that output's name."""
        output = self.fresh(hint or op_type.lower())
        outputs = [""] * index + [output]
        self.nodes.append(
            self._helper.make_node(op_type, list(inputs), outputs, **attributes)
        )
        return output

    def ml(
        self, op_type: str, *inputs: str, hint: str | None = None, **attributes: Any
    ) -> str:
        """Add a node of the ``ai.onnx.ml`` domain with one output."""
        return self._node(op_type, inputs, ML_DOMAIN, hint, attributes)

    def _node(
        self,
        op_type: str,
        inputs: tuple[str, ...],
        domain: str,
        hint: str | None,
        attributes: dict[str, Any],
    ) -> str:
        output = self.fresh(hint or op_type.lower())
        self.nodes.append(
            self._helper.make_node(
                op_type, list(inputs), [output], domain=domain, **attributes
            )
        )
        return output

    def rename(self, value: str, name: str) -> str:
        """Give ``value`` the graph-level name ``name`` (an Identity node)."""
        self.nodes.append(self._helper.make_node("Identity", [value], [name]))
        return name

    def add_input(self, name: str, elem_type: int, shape: list[Any]) -> str:
        self.inputs.append(self._helper.make_tensor_value_info(name, elem_type, shape))
        return name

    def add_output(self, name: str, elem_type: int, shape: list[Any]) -> None:
        self.outputs.append(self._helper.make_tensor_value_info(name, elem_type, shape))

    def model(self, name: str, metadata: dict[str, str]) -> Any:
        """The checked ``ModelProto``, with ``metadata`` as its metadata properties."""
        import onnx

        helper = self._helper
        graph = helper.make_graph(
            self.nodes, name, self.inputs, self.outputs, self.initializers
        )
        model = helper.make_model(
            graph,
            opset_imports=[
                helper.make_opsetid("", OPSET),
                helper.make_opsetid(ML_DOMAIN, ML_OPSET),
            ],
            producer_name="autodeep",
        )
        # onnxruntime reads IR versions up to what its own onnx release wrote.
        model.ir_version = 8
        helper.set_model_props(model, metadata)
        onnx.checker.check_model(model, full_check=True)
        return model
