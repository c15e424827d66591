"""A TensorFlow Lite graph rebuilt as a trainable torch module.

The pose networks inside the installed mediapipe wheel are TFLite flatbuffers. Parsing the file
(with the ``tflite`` package) and replaying its operators in torch gives the same function with
the same weights, but one that runs batched, on a GPU when there is one, and that can be
fine-tuned: every constant that feeds a convolution becomes an ``nn.Parameter``. The weights are
read from the user's installed wheel at run time; nothing of them is copied anywhere else.

Only the operators that BlazePose uses are supported (convolutions, depthwise convolutions,
additions, padding, bilinear resizing, max pooling, reshape, logistic, float16 dequantisation);
another operator raises :class:`UnsupportedGraph` naming it. Internally tensors are NCHW (the
layout torch's kernels want); graph inputs and 4-D outputs are NHWC, as in the file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


class UnsupportedGraph(ValueError):
    """The file is not a TFLite model, or uses an operator this rebuild does not know."""


_ACTIVATIONS = {0: None, 1: F.relu, 3: F.relu6}
_FLOAT_TYPES = {0: np.float32, 1: np.float16}


@dataclass(frozen=True)
class _Op:
    kind: str
    inputs: tuple[int, ...]
    output: int
    options: dict


def _builtin_names() -> dict[int, str]:
    import tflite

    return {v: k for k, v in vars(tflite.BuiltinOperator).items() if not k.startswith("_")}


def _options(op, cls) -> object:
    table = op.BuiltinOptions()
    options = cls()
    options.Init(table.Bytes, table.Pos)
    return options


def _same_padding(size: int, kernel: int, stride: int, dilation: int) -> tuple[int, int]:
    """TensorFlow's SAME padding: the extra pixel goes after, not before."""
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


class TFLiteGraph(nn.Module):
    """The operators of one TFLite subgraph that the named outputs depend on.

    Args:
        path: the ``.tflite`` file.
        outputs: names of the graph outputs to compute (default: all); operators that none of
            them needs are dropped, so an unused branch costs nothing.

    ``forward(x)`` takes the graph's single NHWC float input and returns a dict of the outputs
    by name.
    """

    def __init__(self, path: str | Path, outputs: tuple[str, ...] | None = None) -> None:
        super().__init__()
        try:
            import tflite
        except ImportError as exc:  # pragma: no cover - a dependency of the project
            raise UnsupportedGraph("the tflite package is needed to read .tflite files") from exc
        data = Path(path).read_bytes()
        if len(data) < 8 or data[4:8] != b"TFL3":
            raise UnsupportedGraph(f"{path} is not a TensorFlow Lite model")
        model = tflite.Model.GetRootAsModel(data, 0)
        graph = model.Subgraphs(0)
        names = _builtin_names()
        tensors = [graph.Tensors(i) for i in range(graph.TensorsLength())]
        self.tensor_names = [t.Name().decode() for t in tensors]
        self.shapes = [tuple(int(v) for v in t.ShapeAsNumpy()) if t.ShapeLength() else () for t in tensors]
        if graph.InputsLength() != 1:
            raise UnsupportedGraph(f"{path}: expected one input, found {graph.InputsLength()}")
        self.input_index = graph.Inputs(0)
        all_outputs = {self.tensor_names[graph.Outputs(i)]: graph.Outputs(i) for i in range(graph.OutputsLength())}
        wanted = tuple(all_outputs) if outputs is None else outputs
        unknown = [n for n in wanted if n not in all_outputs]
        if unknown:
            raise UnsupportedGraph(f"{path} has no output {unknown[0]!r}; it has {sorted(all_outputs)}")
        self.output_indices = {n: all_outputs[n] for n in wanted}

        constants: dict[int, np.ndarray] = {}
        for i, t in enumerate(tensors):
            buffer = model.Buffers(t.Buffer())
            if buffer is not None and buffer.DataLength() > 0:
                raw = buffer.DataAsNumpy().tobytes()
                dtype = _FLOAT_TYPES.get(t.Type(), np.int32 if t.Type() == 2 else None)
                if dtype is None:
                    raise UnsupportedGraph(f"{path}: constant {self.tensor_names[i]} has tensor type {t.Type()}")
                constants[i] = np.frombuffer(raw, dtype=dtype).reshape(self.shapes[i]).copy()

        ops: list[_Op] = []
        for i in range(graph.OperatorsLength()):
            op = graph.Operators(i)
            code = model.OperatorCodes(op.OpcodeIndex())
            kind = names.get(max(code.BuiltinCode(), code.DeprecatedBuiltinCode()), "?")
            inputs = tuple(int(op.Inputs(j)) for j in range(op.InputsLength()))
            output = int(op.Outputs(0))
            if kind == "DEQUANTIZE":
                constants[output] = constants[inputs[0]].astype(np.float32)
                continue
            ops.append(_Op(kind, inputs, output, self._read_options(kind, op, inputs, constants, path)))
        self._ops = self._needed(ops, set(self.output_indices.values()))

        # Convolution weights and biases become parameters (trainable); the rest are buffers.
        self.weights = nn.ParameterDict()
        for op in self._ops:
            if op.kind in ("CONV_2D", "DEPTHWISE_CONV_2D"):
                w = constants[op.inputs[1]]
                # TFLite: conv (out, kh, kw, in), depthwise (1, kh, kw, out) -> torch (out, in/groups, kh, kw)
                w = w.transpose(0, 3, 1, 2) if op.kind == "CONV_2D" else w.transpose(3, 0, 1, 2)
                self.weights[f"w{op.output}"] = nn.Parameter(torch.from_numpy(np.ascontiguousarray(w, np.float32)))
                if len(op.inputs) > 2 and op.inputs[2] >= 0:
                    self.weights[f"b{op.output}"] = nn.Parameter(torch.from_numpy(constants[op.inputs[2]].astype(np.float32)))
            elif op.kind == "ADD":
                for j in op.inputs:
                    if j in constants:
                        self.register_buffer(f"c{j}", self._nchw(torch.from_numpy(constants[j].astype(np.float32))))

    @staticmethod
    def _read_options(kind: str, op, inputs: tuple[int, ...], constants: dict, path) -> dict:
        import tflite

        if kind in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            cls = tflite.Conv2DOptions if kind == "CONV_2D" else tflite.DepthwiseConv2DOptions
            o = _options(op, cls)
            if kind == "DEPTHWISE_CONV_2D" and o.DepthMultiplier() not in (0, 1):
                raise UnsupportedGraph(f"{path}: depthwise convolution with depth multiplier {o.DepthMultiplier()}")
            return {"same": o.Padding() == 0, "stride": (o.StrideH(), o.StrideW()),
                    "dilation": (o.DilationHFactor(), o.DilationWFactor()), "act": _checked_act(o, path)}
        if kind == "ADD":
            return {"act": _checked_act(_options(op, tflite.AddOptions), path)}
        if kind == "MAX_POOL_2D":
            o = _options(op, tflite.Pool2DOptions)
            return {"same": o.Padding() == 0, "stride": (o.StrideH(), o.StrideW()),
                    "kernel": (o.FilterHeight(), o.FilterWidth()), "act": _checked_act(o, path)}
        if kind == "PAD":
            return {"pads": constants[inputs[1]].astype(int).tolist()}
        if kind == "RESIZE_BILINEAR":
            o = _options(op, tflite.ResizeBilinearOptions)
            if not o.HalfPixelCenters() or o.AlignCorners():
                raise UnsupportedGraph(f"{path}: bilinear resize without half-pixel centres")
            return {"size": tuple(int(v) for v in constants[inputs[1]])}
        if kind == "RESHAPE":
            return {}
        if kind == "LOGISTIC":
            return {}
        raise UnsupportedGraph(f"{path}: operator {kind} is not supported")

    @staticmethod
    def _needed(ops: list[_Op], targets: set[int]) -> list[_Op]:
        needed = set(targets)
        kept = []
        for op in reversed(ops):
            if op.output in needed:
                kept.append(op)
                needed.update(op.inputs)
        return kept[::-1]

    @staticmethod
    def _nchw(t: torch.Tensor) -> torch.Tensor:
        return t.permute(0, 3, 1, 2) if t.dim() == 4 else t

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        values: dict[int, torch.Tensor] = {self.input_index: x.permute(0, 3, 1, 2)}
        for op in self._ops:
            values[op.output] = self._run(op, values)
        out = {}
        for name, index in self.output_indices.items():
            t = values[index]
            out[name] = t.permute(0, 2, 3, 1) if t.dim() == 4 else t
        return out

    def _run(self, op: _Op, values: dict[int, torch.Tensor]) -> torch.Tensor:
        kind, o = op.kind, op.options
        if kind in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            x = values[op.inputs[0]]
            w = self.weights[f"w{op.output}"]
            b = self.weights[f"b{op.output}"] if f"b{op.output}" in self.weights else None
            padding: tuple[int, int] = (0, 0)
            if o["same"]:
                kh, kw = w.shape[2:]
                top, bottom = _same_padding(x.shape[2], kh, o["stride"][0], o["dilation"][0])
                left, right = _same_padding(x.shape[3], kw, o["stride"][1], o["dilation"][1])
                if top == bottom and left == right:
                    padding = (top, left)  # symmetric: the convolution pads, far cheaper than F.pad
                else:
                    x = F.pad(x, (left, right, top, bottom))
            groups = x.shape[1] if kind == "DEPTHWISE_CONV_2D" else 1
            return _activate(F.conv2d(x, w, b, o["stride"], padding, o["dilation"], groups), o["act"])
        if kind == "ADD":
            a, b = (values[j] if j in values else getattr(self, f"c{j}") for j in op.inputs)
            return _activate(a + b, o["act"])
        if kind == "PAD":
            # NHWC pads [[n0, n1], [h0, h1], [w0, w1], [c0, c1]] -> F.pad's (w, h, c) on NCHW.
            (_, _), (h0, h1), (w0, w1), (c0, c1) = o["pads"]
            return F.pad(values[op.inputs[0]], (w0, w1, h0, h1, c0, c1))
        if kind == "RESIZE_BILINEAR":
            return F.interpolate(values[op.inputs[0]], size=o["size"], mode="bilinear", align_corners=False)
        if kind == "MAX_POOL_2D":
            x = values[op.inputs[0]]
            if o["same"]:
                top, bottom = _same_padding(x.shape[2], o["kernel"][0], o["stride"][0], 1)
                left, right = _same_padding(x.shape[3], o["kernel"][1], o["stride"][1], 1)
                x = F.pad(x, (left, right, top, bottom), value=float("-inf"))
            return _activate(F.max_pool2d(x, o["kernel"], o["stride"]), o["act"])
        if kind == "RESHAPE":
            x = values[op.inputs[0]]
            if x.dim() == 4:
                x = x.permute(0, 2, 3, 1)  # reshape follows the file's NHWC element order
            shape = list(self.shapes[op.output])
            shape[0] = x.shape[0]
            out = x.reshape(shape)
            return out.permute(0, 3, 1, 2) if out.dim() == 4 else out
        if kind == "LOGISTIC":
            return torch.sigmoid(values[op.inputs[0]])
        raise UnsupportedGraph(f"operator {kind} is not supported")  # pragma: no cover


def _checked_act(options, path) -> object:
    code = options.FusedActivationFunction()
    if code not in _ACTIVATIONS:
        raise UnsupportedGraph(f"{path}: fused activation {code} is not supported")
    return code


def _activate(x: torch.Tensor, code: int) -> torch.Tensor:
    fn = _ACTIVATIONS[code]
    return x if fn is None else fn(x)
