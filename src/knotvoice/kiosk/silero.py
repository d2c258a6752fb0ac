"""silero's voice-activity model (v6, 16 kHz), run by numpy.

faster-whisper ships the model as ONNX. Its graph is small and fixed: a short-time Fourier
transform done as a convolution, four convolutions, one LSTM cell and a sigmoid. Run by
onnxruntime it costs the kiosk about 50 MB (the runtime and its session); here its weights
(1.2 MB) are read straight from the ONNX file and the same arithmetic is done in numpy, a few
small products per 32 ms frame. ``tests/test_silero.py`` holds it to onnxruntime's output.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["CONTEXT", "FRAME", "SileroModel", "silero_model_path"]

FRAME = 512
"""Samples the model hears at a time (32 ms at 16 kHz)."""
CONTEXT = 64
"""Samples of the frame before that it hears with each frame."""
_HOP = 128
"""The Fourier transform's step, and its reflected padding on each side."""

Array = npt.NDArray[np.float32]

_FLOAT, _INT64 = 1, 7
"""ONNX's codes for the two tensor types the file holds."""

_WEIGHTS = (
    "encoder.feature_extractor.forward_basis_buffer",
    *(f"encoder.conv_layers.{i}.{part}" for i in range(4) for part in ("weight", "bias")),
    "decoder.conv1d.weight",
    "decoder.conv1d.bias",
)
_STRIDES = (1, 2, 2, 1)
"""The encoder's four convolutions' strides (each has kernel 3, padding 1)."""


def silero_model_path() -> Path:
    """silero's voice-activity model, as faster-whisper ships it (found without importing
    faster-whisper, which a vosk kiosk does not need)."""
    spec = importlib.util.find_spec("faster_whisper")
    if spec is None or spec.origin is None:
        raise ValueError("faster-whisper, which ships silero's model, is not installed")
    return Path(spec.origin).parent / "assets" / "silero_vad_v6.onnx"


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if at >= len(data):
            raise ValueError("the file is cut short")
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, at
        shift += 7


def _fields(data: bytes) -> list[tuple[int, int | bytes]]:
    """A protobuf message's fields in order: (number, value), a length-delimited value as
    its bytes and a fixed-width one as its raw integer."""
    fields: list[tuple[int, int | bytes]] = []
    at = 0
    while at < len(data):
        key, at = _varint(data, at)
        number, wire = key >> 3, key & 7
        value: int | bytes
        if wire == 0:
            value, at = _varint(data, at)
        elif wire == 2:
            length, at = _varint(data, at)
            if at + length > len(data):
                raise ValueError("the file is cut short")
            value, at = data[at : at + length], at + length
        elif wire in (1, 5):
            width = 8 if wire == 1 else 4
            if at + width > len(data):
                raise ValueError("the file is cut short")
            value, at = int.from_bytes(data[at : at + width], "little"), at + width
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        fields.append((number, value))
    return fields


def _tensor(message: bytes) -> tuple[str, npt.NDArray[Any]]:
    """One ONNX ``TensorProto``: its name and its values."""
    dims: list[int] = []
    kind, name, raw, floats = 0, "", b"", b""
    for number, value in _fields(message):
        if number == 1:  # dims, packed or one by one
            if isinstance(value, bytes):
                at = 0
                while at < len(value):
                    dim, at = _varint(value, at)
                    dims.append(dim)
            else:
                dims.append(value)
        elif number == 2 and isinstance(value, int):
            kind = value
        elif number == 4 and isinstance(value, bytes):  # float_data, packed
            floats = value
        elif number == 8 and isinstance(value, bytes):
            name = value.decode()
        elif number == 9 and isinstance(value, bytes):
            raw = value
    if kind == _FLOAT:
        array = np.frombuffer(raw or floats, dtype="<f4")
    elif kind == _INT64:
        array = np.frombuffer(raw, dtype="<i8")
    else:
        return name, np.empty(0)
    return name, array.reshape(dims).copy()


def read_graph(path: Path) -> tuple[dict[str, npt.NDArray[Any]], list[tuple[str, list[str]]]]:
    """An ONNX model file's named constant tensors, and its nodes as (operator, inputs)."""
    tensors: dict[str, npt.NDArray[Any]] = {}
    nodes: list[tuple[str, list[str]]] = []
    for number, graph in _fields(path.read_bytes()):
        if number != 7 or not isinstance(graph, bytes):  # ModelProto.graph
            continue
        for field, message in _fields(graph):
            if field == 5 and isinstance(message, bytes):  # GraphProto.initializer
                name, array = _tensor(message)
                tensors[name] = array
            elif field == 1 and isinstance(message, bytes):  # GraphProto.node
                parts = _fields(message)
                inputs = [v.decode() for n, v in parts if n == 1 and isinstance(v, bytes)]
                kind = next((v.decode() for n, v in parts if n == 4 and isinstance(v, bytes)), "")
                nodes.append((kind, inputs))
    return tensors, nodes


def _conv(x: Array, weight: Array, bias: Array, stride: int) -> Array:
    """A 1-D convolution of ``x`` (channels, time) with kernel 3 and padding 1, then ReLU;
    ``weight`` is (out, kernel x in)."""
    edge = np.zeros((x.shape[0], 1), dtype=x.dtype)
    padded = np.concatenate([edge, x, edge], axis=1)
    span = stride * ((x.shape[1] - 1) // stride) + 1
    taps = np.concatenate([padded[:, k : k + span : stride] for k in range(3)])
    out: Array = weight @ taps + bias
    np.maximum(out, 0.0, out=out)
    return out


class SileroModel:
    """The model's weights; ``probability`` runs one frame and carries the LSTM's state."""

    def __init__(self, path: Path) -> None:
        weights, nodes = read_graph(path)
        lstm = next((inputs for kind, inputs in nodes if kind == "LSTM"), [])
        missing = [name for name in (*_WEIGHTS, *lstm[1:4]) if name not in weights]
        if missing or len(lstm) < 4:
            raise ValueError(f"{path.name} is not silero's v6 voice model")
        basis = weights["encoder.feature_extractor.forward_basis_buffer"]
        self._basis = basis[:, 0, :].T.astype(np.float32)  # (256, 258)
        self._convs = [
            (
                _taps_last(weights[f"encoder.conv_layers.{i}.weight"]),
                weights[f"encoder.conv_layers.{i}.bias"].astype(np.float32)[:, None],
                stride,
            )
            for i, stride in enumerate(_STRIDES)
        ]
        # ONNX's LSTM: input weights W, recurrent weights R and both biases, gates in the
        # order input, output, forget, cell.
        w, r, bias = (weights[name] for name in lstm[1:4])
        if w.shape != (1, 512, 128) or r.shape != (1, 512, 128) or bias.shape != (1, 1024):
            raise ValueError(f"{path.name}: an LSTM of an unexpected shape")
        self._w = np.concatenate([w[0], r[0]], axis=1).astype(np.float32)  # (512, 256)
        self._b = (bias[0, :512] + bias[0, 512:]).astype(np.float32)
        self._out_w = weights["decoder.conv1d.weight"].reshape(-1).astype(np.float32)
        self._out_b = float(weights["decoder.conv1d.bias"].reshape(-1)[0])

    @staticmethod
    def initial_state() -> tuple[Array, Array]:
        return np.zeros(128, dtype=np.float32), np.zeros(128, dtype=np.float32)

    def probability(self, heard: Array, h: Array, c: Array) -> tuple[float, Array, Array]:
        """Speech probability of ``heard`` (``CONTEXT + FRAME`` samples in [-1, 1]), and
        the LSTM's state after it."""
        x = heard.astype(np.float32, copy=False)
        # Reflected by _HOP on each side, the frames are windows of two hops, a hop apart;
        # the model drops the first.
        padded = np.concatenate([x[_HOP:0:-1], x, x[-2 : -_HOP - 2 : -1]])
        windows = (len(padded) - 2 * _HOP) // _HOP + 1
        hops = padded[_HOP : _HOP + windows * _HOP].reshape(windows, _HOP)
        spectrum = hops[:-1] @ self._basis[:_HOP] + hops[1:] @ self._basis[_HOP:]
        half = spectrum.shape[1] // 2
        x = np.sqrt(spectrum[:, :half] ** 2 + spectrum[:, half:] ** 2).T
        for weight, bias, stride in self._convs:
            x = _conv(x, weight, bias, stride)
        gates = self._w @ np.concatenate([x[:, 0], h]) + self._b
        i, o, f, g = np.split(gates, 4)
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        h = _sigmoid(o) * np.tanh(c)
        logit = float(np.maximum(h, 0.0) @ self._out_w) + self._out_b
        return 1.0 / (1.0 + np.exp(-logit)), h.astype(np.float32), c.astype(np.float32)


def _taps_last(weight: npt.NDArray[np.floating[Any]]) -> Array:
    """A convolution's (out, in, kernel) weights as (out, kernel x in), for ``_conv``."""
    out = weight.shape[0]
    return np.ascontiguousarray(weight.transpose(0, 2, 1).reshape(out, -1), dtype=np.float32)


def _sigmoid(x: Array) -> Array:
    result = np.exp(-x)
    result += 1.0
    return np.reciprocal(result, out=result)
