"""Any exported top-down pose model (RTMPose, HRNet, ViTPose, ...) run by onnxruntime.

A top-down model estimates one person per crop: each person's box (from an injected
detector backend, or the whole image) is cut out with mmpose's affine warp, normalised with
mmpose's ImageNet mean/std, run through the model in one batch, decoded and mapped back to
image pixels. What the model outputs is read off the file:

* heatmaps ``(N, K, h, w)``: argmax + DARK refinement (see :func:`decode_heatmaps`);
  ``udp=True`` for models trained with UDP (ViTPose, ``*_udp`` HRNets);
* a SimCC pair ``(N, K, Wx)``, ``(N, K, Hy)`` (RTMPose): argmax / split ratio, where the
  split ratio is ``Wx / W`` read off the outputs (usually 2.0).

``K`` names the schema (17 coco17, 16 mpii16, 33 mp33) unless ``schema`` is given.
Confidences are the raw peak values clipped to [0, 1]; a joint whose peak is <= 0 is not
found (NaN x, y). Models must be exported without their post-processing (mmdeploy's
``end2end.onnx`` for a pose model, rtmlib's files and ``torch.onnx.export`` of the network
all qualify) and take one float ``(N, 3, H, W)`` RGB input.

Execution provider: CUDA, then TensorRT, DirectML, CoreML when onnxruntime offers them,
else CPU; :attr:`OnnxTopDown.provider` says which one runs the model. TensorRT (which would
build an engine for minutes on first use) only takes over when asked for first with
``providers=["TensorrtExecutionProvider", ...]``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from inference.pose.base import Box, PersonPose, PoseBackend, PoseBackendError, detect_top_down
from inference.pose.onnx_decode import (
    MMPOSE_MEAN,
    MMPOSE_STD,
    Refinement,
    affine_transform,
    apply_affine,
    box_to_center_scale,
    decode_heatmaps,
    decode_simcc,
    heatmap_to_input,
    resolve_schema,
    to_keypoints,
)

log = logging.getLogger(__name__)

PREFERRED_PROVIDERS = (
    "CUDAExecutionProvider",
    "TensorrtExecutionProvider",
    "DmlExecutionProvider",
    "CoreMLExecutionProvider",
    "CPUExecutionProvider",
)
CPU = "CPUExecutionProvider"

EXPECTED_LAYOUT = (
    "a top-down pose model exported to ONNX without post-processing: one float input "
    "(N, 3, H, W) and either one heatmap output (N, K, h, w) (HRNet, ViTPose, SimpleBaseline) "
    "or two SimCC outputs (N, K, Wx), (N, K, Hy) (RTMPose)"
)


def choose_providers(available: Sequence[str],
                     requested: Sequence[str | tuple[str, dict[str, Any]]] | None = None
                     ) -> list[str | tuple[str, dict[str, Any]]]:
    """The execution providers to ask onnxruntime for, best first.

    requested None: those of :data:`PREFERRED_PROVIDERS` that are `available`. Otherwise
    `requested` as given (names, or (name, options) pairs), each of which must be available;
    CPU is appended as the fallback for operators the others lack.

    Raises:
        PoseBackendError: a requested provider this onnxruntime does not have.
    """
    if requested is None:
        chosen: list[str | tuple[str, dict[str, Any]]] = [
            p for p in PREFERRED_PROVIDERS if p in available]
    else:
        chosen = list(requested)
        names = [p if isinstance(p, str) else p[0] for p in chosen]
        missing = [n for n in names if n not in available]
        if missing:
            raise PoseBackendError(
                f"onnxruntime here has no {', '.join(missing)}; available: "
                f"{', '.join(available)}. (GPU providers need the onnxruntime-gpu or "
                f"onnxruntime-directml package instead of onnxruntime.)")
    if CPU not in [p if isinstance(p, str) else p[0] for p in chosen]:
        chosen.append(CPU)
    return chosen


def _static(dim: Any) -> int | None:
    """An ONNX dimension as an int, or None when it is symbolic/unknown."""
    return dim if isinstance(dim, int) and dim > 0 else None


def _describe(args: Sequence[Any]) -> str:
    return ", ".join(f"{a.name} {list(a.shape) if a.shape is not None else '?'}" for a in args)


class OnnxTopDown:
    """A :class:`~inference.pose.base.PoseBackend` running a top-down ONNX pose model.

    Args:
        model_path: the ``.onnx`` file.
        schema: the model's joint schema; None reads it off the number of joints.
        detector: a backend whose :meth:`detect` finds the people (its boxes and scores are
            used); None treats the whole image as one person's box.
        providers: onnxruntime execution providers, best first; None picks the best present.
        input_size: (width, height) of the model input; only needed, and only allowed to
            differ from the file, when the file leaves them dynamic.
        mean, std: per-channel RGB normalisation, ``(pixel - mean) / std`` (mmpose's
            ImageNet values by default).
        bbox_padding: box growth before cropping (mmpose's 1.25).
        udp: the model was trained with UDP (ViTPose, ``*_udp`` configs): unbiased warp and
            heatmap-to-input scaling. Ignored for SimCC models.
        refine: heatmap sub-cell refinement, ``"dark"``, ``"quarter"`` or ``"none"``.
        blur_kernel_size: DARK's modulation kernel (11 for sigma-2 heatmaps, 17 for sigma-3).
        max_batch: most crops per run for a model with a dynamic batch.
        min_score: :meth:`estimate` returns None when the mean joint confidence is not above
            it (0: only when no joint at all is found).
        turn_below: when the upright crop's mean joint confidence is below this,
            :meth:`estimate` also tries the crop turned a quarter, a half and three quarters
            (one batch) and keeps the most confident answer: top-down models are trained on
            mostly upright people, and an inverted diver is read far better the right way up.
            0 disables.

    Raises:
        PoseBackendError: missing/unloadable file, unexpected input or output layout,
            unknown joint count without `schema`, unavailable provider.
    """

    name = "onnx"

    def __init__(
        self,
        model_path: str | Path,
        *,
        schema: str | None = None,
        detector: PoseBackend | None = None,
        providers: Sequence[str | tuple[str, dict[str, Any]]] | None = None,
        input_size: tuple[int, int] | None = None,
        mean: Sequence[float] = MMPOSE_MEAN,
        std: Sequence[float] = MMPOSE_STD,
        bbox_padding: float = 1.25,
        udp: bool = False,
        refine: Refinement = "dark",
        blur_kernel_size: int = 11,
        max_batch: int = 32,
        min_score: float = 0.0,
        turn_below: float = 0.5,
    ) -> None:
        self.model_path = Path(model_path)
        self.detector = detector
        self.mean = np.asarray(mean, dtype=np.float32).reshape(3)
        self.std = np.asarray(std, dtype=np.float32).reshape(3)
        if not np.all(self.std > 0):
            raise PoseBackendError(f"std must be positive, got {tuple(std)}")
        self.bbox_padding = float(bbox_padding)
        self.udp = bool(udp)
        if refine not in ("dark", "quarter", "none"):
            raise PoseBackendError(f"refine must be 'dark', 'quarter' or 'none', not {refine!r}")
        self.refine: Refinement = refine
        self.blur_kernel_size = int(blur_kernel_size)
        self.max_batch = max(1, int(max_batch))
        self.min_score = float(min_score)
        self.turn_below = float(turn_below)
        self._session = self._load(providers)
        self.providers: list[str] = list(self._session.get_providers())
        self.provider: str = self.providers[0]
        self._read_layout(input_size)
        self.schema, self._keep = resolve_schema(self.num_joints, schema, str(self.model_path))
        log.info("%s", self.description)

    # ----------------------------------------------------------------------------------------
    # Loading
    # ----------------------------------------------------------------------------------------

    def _load(self, providers: Sequence[str | tuple[str, dict[str, Any]]] | None):
        path = self.model_path
        if not path.exists():
            raise PoseBackendError(
                f"ONNX pose model not found: {path}. Point --model to {EXPECTED_LAYOUT}.")
        if not path.is_file():
            raise PoseBackendError(f"{path} is a folder; --model needs the .onnx file itself.")
        try:
            import onnxruntime as ort
        except ImportError as exc:  # pragma: no cover - onnxruntime is a base dependency
            raise PoseBackendError(
                f"The onnx backend needs onnxruntime: pip install onnxruntime ({exc})") from exc
        chosen = choose_providers(ort.get_available_providers(), providers)
        options = ort.SessionOptions()
        options.log_severity_level = 3  # errors only: no per-node placement warnings
        if "DmlExecutionProvider" in [p if isinstance(p, str) else p[0] for p in chosen]:
            options.enable_mem_pattern = False  # DirectML requires both
            options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        try:
            session = ort.InferenceSession(str(path), sess_options=options, providers=chosen)
        except Exception as exc:  # onnxruntime raises its own types for every parse failure
            detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise PoseBackendError(
                f"{path} is not an ONNX model onnxruntime can load ({detail}). Expected "
                f"{EXPECTED_LAYOUT}.") from exc
        active = session.get_providers()
        first = chosen[0] if isinstance(chosen[0], str) else chosen[0][0]
        if active and active[0] != first:
            log.warning("onnxruntime could not start %s; %s runs the model instead",
                        first, active[0])
        return session

    def _read_layout(self, input_size: tuple[int, int] | None) -> None:
        path = self.model_path
        inputs = self._session.get_inputs()
        outputs = self._session.get_outputs()
        if len(inputs) != 1:
            raise PoseBackendError(
                f"{path} has {len(inputs)} inputs ({_describe(inputs)}); expected "
                f"{EXPECTED_LAYOUT}.")
        inp = inputs[0]
        shape = list(inp.shape) if inp.shape is not None else []
        if len(shape) != 4 or (_static(shape[1]) not in (3, None)):
            if len(shape) == 4 and _static(shape[3]) == 3:
                why = "its input is channels-last (N, H, W, 3)"
            else:
                why = f"its input is {inp.name} {shape}"
            raise PoseBackendError(f"{path}: {why}; expected {EXPECTED_LAYOUT}.")
        dtypes = {"tensor(float)": np.float32, "tensor(float16)": np.float16}
        if inp.type not in dtypes:
            raise PoseBackendError(
                f"{path}: its input {inp.name} is {inp.type}; expected {EXPECTED_LAYOUT}.")
        self._input_name = inp.name
        self._input_dtype = dtypes[inp.type]
        self.fixed_batch = _static(shape[0])
        self.dynamic_batch = self.fixed_batch is None
        h, w = _static(shape[2]), _static(shape[3])
        if input_size is not None:
            iw, ih = (int(v) for v in input_size)
            if (w is not None and w != iw) or (h is not None and h != ih):
                raise PoseBackendError(
                    f"{path} takes {w}x{h} (width x height) crops, not input_size={iw}x{ih}.")
            w, h = iw, ih
        if w is None or h is None:
            raise PoseBackendError(
                f"{path} leaves its input size open ({inp.name} {shape}); give the size the "
                f"model was trained on as input_size=(width, height), e.g. (192, 256).")
        self.input_size: tuple[int, int] = (w, h)

        ranks = [len(o.shape) if o.shape is not None else None for o in outputs]
        if ranks and ranks[0] == 4:
            self.output_kind = "heatmap"
            self._output_names = [outputs[0].name]
            self.num_joints = _static(outputs[0].shape[1])
        elif len(outputs) >= 2 and ranks[:2] == [3, 3]:
            self.output_kind = "simcc"
            first, second = outputs[0], outputs[1]
            # x before y, as mmpose exports them, unless the names say otherwise.
            if first.name.lower().endswith("y") and second.name.lower().endswith("x"):
                first, second = second, first
            self._output_names = [first.name, second.name]
            kx, ky = _static(first.shape[1]), _static(second.shape[1])
            if kx is not None and ky is not None and kx != ky:
                raise PoseBackendError(
                    f"{path}: its SimCC outputs disagree on the number of joints "
                    f"({_describe(outputs)}); expected {EXPECTED_LAYOUT}.")
            self.num_joints = kx if kx is not None else ky
        else:
            raise PoseBackendError(
                f"{path}: outputs {_describe(outputs)} are neither heatmaps nor a SimCC pair; "
                f"expected {EXPECTED_LAYOUT}.")

    @property
    def description(self) -> str:
        """One line for logs and provenance: file, layout, schema, provider."""
        w, h = self.input_size
        kind = "SimCC" if self.output_kind == "simcc" else ("UDP heatmaps" if self.udp
                                                            else "heatmaps")
        return (f"onnx: {self.model_path.name} ({kind}, {w}x{h} input, {self.schema}) "
                f"on {self.provider}")

    # ----------------------------------------------------------------------------------------
    # PoseBackend
    # ----------------------------------------------------------------------------------------

    def detect(self, image: np.ndarray, timestamp_ms: int | None = None) -> list[PersonPose]:
        """Every person the detector finds (the whole image with no detector), best first.

        A person's box and score are the detector's; the joints are this model's.
        """
        image = _check_image(image)
        return detect_top_down(image, timestamp_ms, self.detector, self.estimate_many)

    def estimate(self, image: np.ndarray, bbox: Box) -> PersonPose | None:
        """The pose in `bbox`; score is the mean joint confidence. None when no joint is
        found (or the mean is not above ``min_score``) or the box is empty. An unsure upright
        answer is compared with the crop's quarter turns (see ``turn_below``)."""
        pose = self.estimate_many(image, [bbox])[0]
        if self.turn_below <= 0 or (pose is not None and pose.score >= self.turn_below):
            return pose
        turned = self.estimate_many(image, [bbox] * len(QUARTER_TURNS), turns=QUARTER_TURNS)
        found = [p for p in (pose, *turned) if p is not None]
        return max(found, key=lambda p: p.score) if found else None

    def estimate_many(self, image: np.ndarray, boxes: Sequence[Box],
                      turns: Sequence[float] | None = None) -> list[PersonPose | None]:
        """:meth:`estimate` for several boxes of one image, run as one batch, without the turn
        search. turns: per box, radians the crop's content is turned about the box centre
        (keypoints are mapped back to the image either way)."""
        image = _check_image(image)
        if self._session is None:
            raise PoseBackendError(f"{self.description} is closed")
        results: list[PersonPose | None] = [None] * len(boxes)
        valid = [i for i, b in enumerate(boxes) if _usable_box(b)]
        if not valid:
            return results
        box_arr = np.array([boxes[i][:4] for i in valid], dtype=np.float64)
        w, h = self.input_size
        centers, scales = box_to_center_scale(box_arr, w / h, self.bbox_padding)
        crops = np.empty((len(valid), 3, h, w), dtype=np.float32)
        turn_of = [0.0 if turns is None else float(turns[i]) for i in valid]
        matrices = [turned_about(affine_transform(c, s, (w, h), udp=self.udp), c, t)
                    for c, s, t in zip(centers, scales, turn_of)]
        for j, m in enumerate(matrices):
            crop = cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_LINEAR)
            crops[j] = ((crop.astype(np.float32) - self.mean) / self.std).transpose(2, 0, 1)
        coords, scores = self._infer(crops)  # input pixels
        for j, m in enumerate(matrices):
            inv = cv2.invertAffineTransform(m)
            kp = to_keypoints(apply_affine(coords[j], inv), scores[j])[: self._keep]
            conf = float(kp[:, 2].mean()) if len(kp) else 0.0
            if conf <= self.min_score:
                continue
            i = valid[j]
            results[i] = PersonPose(keypoints=kp, bbox=tuple(float(v) for v in boxes[i][:4]),
                                    score=conf, schema=self.schema)
        return results

    def close(self) -> None:
        """Release the model, and the detector given at construction. Safe to call twice."""
        self._session = None
        if self.detector is not None:
            detector, self.detector = self.detector, None
            detector.close()

    def __enter__(self) -> OnnxTopDown:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------------------------------
    # Running the model
    # ----------------------------------------------------------------------------------------

    def _infer(self, crops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(B, 3, H, W) normalised crops -> coords (B, K, 2) in input pixels, scores (B, K)."""
        chunk = self.fixed_batch or self.max_batch
        coords, scores = [], []
        for start in range(0, len(crops), chunk):
            part = crops[start:start + chunk]
            n = len(part)
            if self.fixed_batch is not None and n < self.fixed_batch:
                pad = np.zeros((self.fixed_batch - n,) + part.shape[1:], dtype=part.dtype)
                part = np.concatenate([part, pad])
            try:
                outs = self._session.run(self._output_names,
                                         {self._input_name: part.astype(self._input_dtype)})
            except Exception as exc:
                raise PoseBackendError(
                    f"{self.model_path} failed to run on a batch of {len(part)} "
                    f"{self.input_size[0]}x{self.input_size[1]} crops: {exc}") from exc
            c, s = self._decode([np.asarray(o, dtype=np.float32)[:n] for o in outs])
            coords.append(c)
            scores.append(s)
        return np.concatenate(coords), np.concatenate(scores)

    def _decode(self, outs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        w, h = self.input_size
        if self.output_kind == "heatmap":
            heatmaps = outs[0]
            if heatmaps.ndim != 4:
                raise PoseBackendError(f"{self.model_path} returned heatmaps of shape "
                                       f"{heatmaps.shape}; expected (N, K, h, w)")
            coords, scores = decode_heatmaps(heatmaps, self.refine, self.blur_kernel_size)
            hm_size = (heatmaps.shape[3], heatmaps.shape[2])
            return heatmap_to_input(coords, hm_size, (w, h), udp=self.udp), scores
        simcc_x, simcc_y = outs
        split = (simcc_x.shape[-1] / w, simcc_y.shape[-1] / h)
        return decode_simcc(simcc_x, simcc_y, split)


# The turns estimate() tries on an unsure crop, radians.
QUARTER_TURNS = (math.pi / 2, math.pi, -math.pi / 2)


def turned_about(matrix: np.ndarray, center: Sequence[float], turn: float) -> np.ndarray:
    """The 2x3 image->crop matrix preceded by turning the image by `turn` about `center`."""
    if turn == 0.0:
        return matrix
    c, s = math.cos(turn), math.sin(turn)
    cx, cy = float(center[0]), float(center[1])
    rotate = np.array([[c, -s, cx - c * cx + s * cy], [s, c, cy - s * cx - c * cy], [0.0, 0.0, 1.0]])
    return (np.vstack([matrix, [0.0, 0.0, 1.0]]) @ rotate)[:2]


def _check_image(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"expected an RGB uint8 (H, W, 3) image, got {image.dtype} "
                         f"{image.shape}")
    return np.ascontiguousarray(image)  # cv2 refuses views with negative strides


def _usable_box(box: Sequence[float]) -> bool:
    """A box with finite corners and some extent (one of width, height > 0, neither < 0)."""
    if len(box) < 4:
        return False
    x1, y1, x2, y2 = (float(v) for v in box[:4])
    if not all(np.isfinite([x1, y1, x2, y2])):
        return False
    bw, bh = x2 - x1, y2 - y1
    return bw >= 0 and bh >= 0 and (bw > 0 or bh > 0)
