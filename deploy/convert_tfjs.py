"""Convert a TensorFlow.js graph model (model.json + weight shards) to an ONNX file.

    python deploy/convert_tfjs.py MODELS_DIR NAME OUT.onnx

Run once by `make setup` on the models of the npm package pinned in deploy/human-models.txt;
the runtime reads only the .onnx (onnxruntime). Needs numpy and onnx, nothing of TensorFlow.

A TensorFlow.js graph model is a TensorFlow GraphDef in JSON: nodes with an op, inputs and
attributes, and the constants' bytes in the shards (float32, or float16 / uint8 quantized).
Each op of the graphs facepipe uses maps to one or a few ONNX ops. Tensors stay in
TensorFlow's NHWC order; the convolutions and pools, which ONNX has in NCHW, are wrapped in
transposes, which onnxruntime's optimiser removes between neighbours. An op outside the
table stops the conversion with its name: a model that converts is converted whole.

tests/vision/test_tfjs_export.py checks the ONNX outputs against TensorFlow.js's own outputs
for the same inputs (deploy/tfjs_reference.mjs).
"""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from numpy.typing import NDArray
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
# The IR version of ONNX 1.14, which every onnxruntime facepipe allows (>= 1.23) reads.
IR_VERSION = 9
NHWC_TO_NCHW = [0, 3, 1, 2]
NCHW_TO_NHWC = [0, 2, 3, 1]
# TensorFlow ops that are one ONNX op of the same inputs.
ELEMENTWISE = {
    "Relu": "Relu",
    "Sigmoid": "Sigmoid",
    "Tanh": "Tanh",
    "Abs": "Abs",
    "Add": "Add",
    "AddV2": "Add",
    "Sub": "Sub",
    "Mul": "Mul",
    "RealDiv": "Div",
    "Maximum": "Max",
    "Minimum": "Min",
}
UNARY = {"Relu", "Sigmoid", "Tanh", "Abs"}
_DTYPES = {"float32": np.float32, "int32": np.int32, "float16": np.float16, "uint8": np.uint8}


def read_weights(folder: Path, manifest: list[dict[str, Any]]) -> dict[str, NDArray[Any]]:
    """The constants of the shards, dequantized to their original type."""
    data = b"".join((folder / path).read_bytes() for group in manifest for path in group["paths"])
    weights: dict[str, NDArray[Any]] = {}
    offset = 0
    for spec in (weight for group in manifest for weight in group["weights"]):
        shape = [int(size) for size in spec["shape"]]
        count = int(np.prod(shape)) if shape else 1
        quantization = spec.get("quantization")
        stored = np.dtype(_DTYPES[quantization["dtype"] if quantization else spec["dtype"]])
        raw = np.frombuffer(data, dtype=stored, count=count, offset=offset)
        offset += count * stored.itemsize
        if quantization and quantization["dtype"] == "uint8":
            values = raw.astype(np.float32) * quantization["scale"] + quantization["min"]
        else:
            values = raw.astype(_DTYPES[spec["dtype"]])
        weights[spec["name"]] = values.reshape(shape)
    return weights


def _strings(node: dict[str, Any], name: str) -> list[str]:
    return [base64.b64decode(s).decode() for s in node["attr"][name]["list"].get("s", [])]


def _string(node: dict[str, Any], name: str, default: str = "") -> str:
    value = node.get("attr", {}).get(name, {}).get("s")
    return base64.b64decode(value).decode() if value else default


def _ints(node: dict[str, Any], name: str) -> list[int]:
    return [int(i) for i in node["attr"][name]["list"].get("i", [])]


class Converter:
    """One graph's conversion: ONNX nodes and initializers, built op by op."""

    def __init__(self, nodes: list[dict[str, Any]], weights: dict[str, NDArray[Any]]) -> None:
        self.nodes = nodes
        self.weights = weights
        self.onnx_nodes: list[onnx.NodeProto] = []
        self.initializers: dict[str, onnx.TensorProto] = {}
        self.inputs: list[onnx.ValueInfoProto] = []
        self._count = 0

    # -- helpers ---------------------------------------------------------------------------

    def fresh(self, base: str) -> str:
        self._count += 1
        return f"{base}__{self._count}"

    def constant(self, name: str) -> NDArray[Any]:
        base = name.split(":", maxsplit=1)[0]
        if base not in self.weights:
            raise ValueError(f"{base} is not a constant")
        return self.weights[base]

    def initializer(self, name: str, value: NDArray[Any]) -> str:
        self.initializers[name] = numpy_helper.from_array(np.ascontiguousarray(value), name)
        return name

    def add(self, op: str, inputs: list[str], output: str | None = None, **attrs: Any) -> str:
        output = output or self.fresh(op)
        self.onnx_nodes.append(helper.make_node(op, inputs, [output], **attrs))
        return output

    def in_nchw(self, source: str, build: Callable[[str], str], output: str) -> None:
        """Run `build` on `source` transposed to NCHW, and transpose its result back."""
        nchw = self.add("Transpose", [source], perm=NHWC_TO_NCHW)
        self.add("Transpose", [build(nchw)], output, perm=NCHW_TO_NHWC)

    def activation(self, fused: list[str], source: str, output: str, extra: list[str]) -> None:
        """The activation a fused op ends with (after BiasAdd), written to `output`."""
        kinds = [op for op in fused if op != "BiasAdd"]
        if not kinds:
            self.add("Identity", [source], output)
        elif kinds == ["Relu"]:
            self.add("Relu", [source], output)
        elif kinds == ["Relu6"]:
            self.add("Clip", [source, self._scalar(0.0), self._scalar(6.0)], output)
        elif kinds == ["Sigmoid"]:
            self.add("Sigmoid", [source], output)
        elif kinds == ["Elu"]:
            self.add("Elu", [source], output)
        elif kinds == ["Prelu"]:
            self.add("PRelu", [source, extra[0]], output)
        else:
            raise NotImplementedError(f"fused activation {kinds}")

    def _scalar(self, value: float) -> str:
        return self.initializer(self.fresh("scalar"), np.array(value, dtype=np.float32))

    @staticmethod
    def _padding(node: dict[str, Any]) -> dict[str, Any]:
        padding = _string(node, "padding", "VALID")
        if padding == "SAME":
            return {"auto_pad": "SAME_UPPER"}
        if padding == "VALID":
            return {"auto_pad": "VALID"}
        raise NotImplementedError(f"padding {padding}")

    # -- ops -------------------------------------------------------------------------------

    def convert(self) -> None:
        for node in self.nodes:
            op, name = node["op"], node["name"]
            inputs = [entry.split(":")[0] for entry in node.get("input", [])]
            if op in ELEMENTWISE:
                arity = 1 if ELEMENTWISE[op] in UNARY else 2
                self.add(ELEMENTWISE[op], inputs[:arity], name)
                continue
            handler = self._handlers().get(op)
            if handler is None:
                raise NotImplementedError(f"op {op} (node {name})")
            handler(node, name, inputs)

    def _handlers(self) -> dict[str, Callable[[dict[str, Any], str, list[str]], None]]:
        """The converter of each TensorFlow op that is not `ELEMENTWISE`."""
        return {
            "Const": self._const,
            "Placeholder": self._placeholder,
            "Identity": self._identity,
            "_FusedConv2D": self._fused_conv2_d,
            "Conv2D": self._conv2_d,
            "DepthwiseConv2dNative": self._depthwise_conv2d_native,
            "FusedDepthwiseConv2dNative": self._fused_depthwise_conv2d_native,
            "MaxPool": self._max_pool,
            "AvgPool": self._avg_pool,
            "_FusedMatMul": self._fused_mat_mul,
            "MatMul": self._mat_mul,
            "Square": self._square,
            "Rsqrt": self._rsqrt,
            "Softmax": self._softmax,
            "Reshape": self._reshape,
            "Mean": self._mean,
            "Sum": self._sum,
            "Max": self._max,
            "Squeeze": self._squeeze,
        }

    def _const(self, node: dict[str, Any], name: str, _: list[str]) -> None:
        value = self.weights[name]
        # ONNX takes shapes and axes as int64.
        self.initializer(name, value.astype(np.int64) if value.dtype == np.int32 else value)

    def _placeholder(self, node: dict[str, Any], name: str, _: list[str]) -> None:
        dims = [int(d["size"]) for d in node["attr"]["shape"]["shape"]["dim"]]
        shape: list[int | str] = ["batch" if d < 0 else d for d in dims]
        self.inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, shape))

    def _identity(self, _: dict[str, Any], name: str, inputs: list[str]) -> None:
        self.add("Identity", inputs[:1], name)

    def _conv(self, node: dict[str, Any], name: str, inputs: list[str], depthwise: bool) -> None:
        kernel = self.constant(inputs[1])
        if depthwise:
            # H, W, C, M -> C*M, 1, H, W: each input channel is its own group, and output
            # channel c*M + m is TensorFlow's.
            height, width, channels, multiplier = kernel.shape
            weight = kernel.reshape(height, width, channels * multiplier).transpose(2, 0, 1)
            weight, group = weight[:, None], channels
        else:  # H, W, I, O -> O, I, H, W
            weight, group = kernel.transpose(3, 2, 0, 1), 1
        fused = _strings(node, "fused_ops") if "fused_ops" in node.get("attr", {}) else []
        operands = [self.initializer(self.fresh(f"{name}/weight"), weight.astype(np.float32))]
        if "BiasAdd" in fused:
            operands.append(inputs[2])
        strides = _ints(node, "strides")[1:3]
        dilations = _ints(node, "dilations")[1:3] if "dilations" in node["attr"] else [1, 1]
        attrs = {"strides": strides, "dilations": dilations, "group": group, **self._padding(node)}
        convolved = self.fresh(f"{name}/conv")

        def build(nchw: str) -> str:
            return self.add("Conv", [nchw, *operands], **attrs)

        self.in_nchw(inputs[0], build, convolved)
        self.activation(fused, convolved, name, inputs[3:])

    def _fused_conv2_d(self, node: dict[str, Any], name: str, inputs: list[str]) -> None:
        self._conv(node, name, inputs, depthwise=False)

    def _conv2_d(self, node: dict[str, Any], name: str, inputs: list[str]) -> None:
        self._conv(node, name, inputs, depthwise=False)

    def _depthwise_conv2d_native(self, node: dict[str, Any], name: str, inputs: list[str]) -> None:
        self._conv(node, name, inputs, depthwise=True)

    def _fused_depthwise_conv2d_native(
        self, node: dict[str, Any], name: str, inputs: list[str]
    ) -> None:
        self._conv(node, name, inputs, depthwise=True)

    def _pool(self, node: dict[str, Any], name: str, inputs: list[str], op: str) -> None:
        attrs = {
            "kernel_shape": _ints(node, "ksize")[1:3],
            "strides": _ints(node, "strides")[1:3],
            **self._padding(node),
        }
        if op == "AveragePool":
            attrs["count_include_pad"] = 0  # TensorFlow averages over the pixels inside only

        def build(nchw: str) -> str:
            return self.add(op, [nchw], **attrs)

        self.in_nchw(inputs[0], build, name)

    def _max_pool(self, node: dict[str, Any], name: str, inputs: list[str]) -> None:
        self._pool(node, name, inputs, "MaxPool")

    def _avg_pool(self, node: dict[str, Any], name: str, inputs: list[str]) -> None:
        self._pool(node, name, inputs, "AveragePool")

    def _fused_mat_mul(self, node: dict[str, Any], name: str, inputs: list[str]) -> None:
        attr = node["attr"]
        left, right = inputs[0], inputs[1]
        if attr.get("transpose_a", {}).get("b"):
            left = self.add("Transpose", [left], perm=[1, 0])
        if attr.get("transpose_b", {}).get("b"):
            right = self.add("Transpose", [right], perm=[1, 0])
        fused = _strings(node, "fused_ops")
        product = self.add("MatMul", [left, right])
        if "BiasAdd" in fused:
            product = self.add("Add", [product, inputs[2]])
        self.activation(fused, product, name, inputs[3:])

    def _mat_mul(self, node: dict[str, Any], name: str, inputs: list[str]) -> None:
        node = {**node, "attr": {**node["attr"], "fused_ops": {"list": {}}}}
        self._fused_mat_mul(node, name, inputs)

    def _square(self, _: dict[str, Any], name: str, inputs: list[str]) -> None:
        self.add("Mul", [inputs[0], inputs[0]], name)

    def _rsqrt(self, _: dict[str, Any], name: str, inputs: list[str]) -> None:
        self.add("Reciprocal", [self.add("Sqrt", inputs[:1])], name)

    def _softmax(self, _: dict[str, Any], name: str, inputs: list[str]) -> None:
        self.add("Softmax", inputs[:1], name, axis=-1)

    def _reshape(self, _: dict[str, Any], name: str, inputs: list[str]) -> None:
        self.add("Reshape", inputs[:2], name)

    def _reduce(self, node: dict[str, Any], name: str, inputs: list[str], op: str) -> None:
        axes = [int(a) for a in np.atleast_1d(self.constant(inputs[1]))]
        keep = int(bool(node.get("attr", {}).get("keep_dims", {}).get("b", False)))
        if op == "ReduceSum":  # opset 13 takes ReduceSum's axes as an input
            axes_name = self.initializer(self.fresh("axes"), np.array(axes, dtype=np.int64))
            self.add(op, [inputs[0], axes_name], name, keepdims=keep)
        else:
            self.add(op, [inputs[0]], name, axes=axes, keepdims=keep)

    def _mean(self, node: dict[str, Any], name: str, inputs: list[str]) -> None:
        self._reduce(node, name, inputs, "ReduceMean")

    def _sum(self, node: dict[str, Any], name: str, inputs: list[str]) -> None:
        self._reduce(node, name, inputs, "ReduceSum")

    def _max(self, node: dict[str, Any], name: str, inputs: list[str]) -> None:
        self._reduce(node, name, inputs, "ReduceMax")

    def _squeeze(self, node: dict[str, Any], name: str, inputs: list[str]) -> None:
        axes = _ints(node, "squeeze_dims")
        axes_name = self.initializer(self.fresh("axes"), np.array(axes, dtype=np.int64))
        self.add("Squeeze", [inputs[0], axes_name], name)


def convert(folder: Path, name: str) -> onnx.ModelProto:
    """The ONNX model of `folder/name.json`; its outputs are the model's signature's (in
    order), or the graph's sinks when it has none."""
    model = json.loads((folder / f"{name}.json").read_text())
    nodes = model["modelTopology"]["node"]
    converter = Converter(nodes, read_weights(folder, model["weightsManifest"]))
    converter.convert()
    # The model's declared outputs (its signature, in order), else the graph's sinks.
    declared = model.get("signature", {}).get("outputs", {})
    consumed = {entry.split(":")[0] for node in nodes for entry in node.get("input", [])}
    sinks = [entry["name"].split(":")[0] for entry in declared.values()] or [
        node["name"] for node in nodes if node["name"] not in consumed and node["op"] != "Const"
    ]
    graph = helper.make_graph(
        converter.onnx_nodes,
        name,
        converter.inputs,
        [helper.make_tensor_value_info(sink, TensorProto.FLOAT, None) for sink in sinks],
        list(converter.initializers.values()),
    )
    # Constants folded into new ones (transposed kernels, int64 axes) are left unused.
    used = {name for node in converter.onnx_nodes for name in node.input}
    for unused in [i for i in graph.initializer if i.name not in used]:
        graph.initializer.remove(unused)
    onnx_model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="facepipe",
        ir_version=IR_VERSION,
    )
    # The outputs' shapes, which the checker requires, from ONNX's own shape inference.
    inferred = onnx.shape_inference.infer_shapes(onnx_model).graph.output
    for output, shaped in zip(onnx_model.graph.output, inferred, strict=True):
        output.CopyFrom(shaped)
    onnx.checker.check_model(onnx_model)
    return onnx_model


def main() -> None:
    folder, name, out = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(convert(folder, name), out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
