"""The landmark network run by ONNX Runtime: the same function, about twice as fast on a CPU.

Torch replays the rebuilt TFLite graph operator by operator, paying Python and dispatch costs on
each of its hundred-odd small convolutions; ONNX Runtime runs the exported graph with fused
kernels. Following a body costs one network pass per frame, so this is most of what auto-annotation
adds to MediaPipe's own pass. The network is exported once (under a second) when the runner is
made, so its weights are read then: a network still being trained keeps the torch runner.
"""

from __future__ import annotations

import functools
import hashlib
import io
import warnings
from pathlib import Path

import numpy as np
import torch

from inference.files import write_bytes_atomically
from inference.pose.blazepose import LandmarkNet, bundled_landmark_model

_INPUT = "crops"
_OUTPUTS = ("points", "flags", "heatmaps")
_OPSET = 17


def _export(net: LandmarkNet) -> bytes:
    buffer = io.BytesIO()
    example = torch.zeros(1, 256, 256, 3)
    with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
        # The TorchScript exporter is deprecated in favour of one that needs onnxscript, and
        # warns that the padding decided from the fixed input size is traced as a constant:
        # both are right for this plain convolutional graph, which it exports exactly.
        warnings.simplefilter("ignore")
        torch.onnx.export(net.eval().cpu(), (example,), buffer, input_names=[_INPUT],
                          output_names=list(_OUTPUTS), dynamic_axes={_INPUT: {0: "n"}},
                          opset_version=_OPSET, dynamo=False)
    return buffer.getvalue()


def _session(model: bytes):  # noqa: ANN202 - onnxruntime.InferenceSession, imported here
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3  # its warnings about unused initialisers are noise here
    # Idle worker threads would otherwise spin after each pass, taking the cores MediaPipe's
    # own graph runs on between passes (a still's search alternates the two).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])


@functools.lru_cache(maxsize=2)
def _file_session(path: str | None):  # noqa: ANN202
    """The session of a network file as it is (None: the bundled one), loaded once per process:
    every backend uses it (a session may run from several threads at once)."""
    source = Path(path) if path is not None else bundled_landmark_model()
    try:
        return _session(_file_export(source))
    except Exception:  # noqa: BLE001 - onnxruntime's own errors: a damaged cached export
        return _session(_file_export(source, fresh=True))


def _file_export(source: Path, fresh: bool = False) -> bytes:
    """The ONNX export of a .tflite network, kept in the user's cache under a name made of the
    file's digest and the exporter's versions, so each start need not trace the network again
    (about 2 s for the heavy one). A cached file that cannot be read (or, fresh, any) is made
    again."""
    from inference.pose.mediapipe_bundle import default_cache_dir

    digest = hashlib.sha256(source.read_bytes())
    digest.update(f"{torch.__version__}:{_OPSET}:{','.join(_OUTPUTS)}".encode())
    cached = default_cache_dir() / f"{source.stem}-{digest.hexdigest()[:16]}.onnx"
    if not fresh:
        try:
            return cached.read_bytes()
        except OSError:
            pass
    model = _export(LandmarkNet(source))
    try:
        write_bytes_atomically(cached, model)
    except OSError:
        pass  # a read-only cache: the export is made again next time
    return model


class OnnxLandmarkNet:
    """A LandmarkNet's function on (N, 256, 256, 3) float32 crops in [0, 1], numpy in and out:
    points (N, 39, 5), flags (N,), heatmaps (N, 39, 64, 64). net None: the network of `path`
    (a .tflite file; None: the bundled one) with its weights as they are in the file."""

    def __init__(self, net: LandmarkNet | None = None, path: str | None = None) -> None:
        self.session = _file_session(path) if net is None else _session(_export(net))

    def __call__(self, crops: np.ndarray, heatmaps: bool = True) -> tuple[np.ndarray, ...]:
        wanted = list(_OUTPUTS if heatmaps else _OUTPUTS[:2])
        out = self.session.run(wanted, {_INPUT: np.ascontiguousarray(crops, dtype=np.float32)})
        return out[0], out[1], (out[2] if heatmaps else None)
