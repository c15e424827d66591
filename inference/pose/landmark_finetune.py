"""Fine-tuning the landmark network on an annotator's corrected frames.

The network (:class:`~inference.pose.blazepose.LandmarkNet`) starts from the weights inside the
installed mediapipe wheel and learns the annotator's joints in the project's schema: its 33
MediaPipe landmarks are mapped to that schema by the same linear rules
:func:`inference.skeletons.convert` uses (a fixed matrix, so the loss reaches every landmark
the schema is built from). Each labelled frame is shown as MediaPipe shows a body it follows,
a region centred on the hips and turned upright, then perturbed the way a tracker's region is
wrong: a turn of up to 45 degrees either way, a scale of 0.8-1.25, a shift of a tenth of the
side, a left-right mirror (the schema's sides swapped), blur and brightness. Not the +-180
degrees of networks trained from scratch (SLEAP): the product always shows this network a
region turned upright by the body's axis, so it only has to be right near upright, and
training it on inverted crops spends its capacity where it is never used.

The landmarks are read at their heatmap peaks (:func:`~inference.pose.blazepose.heatmap_peaks`),
so the heatmaps are taught too: each joint that is one landmark gets a Gaussian at its label on
that landmark's heatmap, and the other heatmaps are kept to the bundled network's. Points alone
would leave the heatmaps, and so the landmarks read from them, where they were.

Validation reads frames held out of training (PCKh@0.5, and the mean joint error in head
lengths that chooses the epoch kept), for the fine-tuned network and the bundled one alike,
the way auto-annotation sees a body it follows: one pass on the upright
region of the labels, then one on the region the network's own hip centre and body axis give.
That second region is the one the network was built for (on LSPET it lifts the bundled
network's PCKh from 0.60 to 0.64), so measuring on the labels' region alone would understate
both networks and could rank them wrongly.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np
import torch

from inference.metrics.keypoints import head_error, pckh
from inference.pose.blazepose import INPUT_SIZE, N_LANDMARKS, LandmarkNet, LandmarkRunner, Region, crop, region_of_box
from inference.pose.upright import region_of_pose
from inference.skeletons import convert, get_skeleton

# A labelled frame needs this many labelled joints to say where the body is.
MIN_LABELLED_JOINTS = 4
# The largest turn of a training region away from upright (see the module docstring).
MAX_TURN = math.pi / 4
# A held-out joint found further from its label than this many head lengths, or not found,
# counts as this far: one lost frame should not outweigh every other frame.
ERROR_CAP = 2.0
# Width (cells of the 64 x 64 heatmap) of a taught joint's target: about that of the bundled
# network's own heatmaps around a confident joint (1.45 cells, second moment, LSPET).
HEATMAP_SIGMA = 1.5


@dataclass(frozen=True)
class LabelledFrame:
    """One corrected frame: RGB image, joints (J, 2) pixels in `schema`, labelled (J,) bool."""

    image: np.ndarray
    keypoints: np.ndarray
    labelled: np.ndarray
    schema: str


@dataclass(frozen=True)
class FinetuneConfig:
    epochs: int = 8
    batch_size: int = 8
    learning_rate: float = 1e-5
    patience: int = 3
    seed: int = 0
    device: str = "cpu"
    flag_weight: float = 0.1  # keeps the network's "a person is here" flag up on labelled bodies
    keep_weight: float = 1.0  # how strongly the outputs the labels do not teach stay the bundled network's
    heatmap_weight: float = 1.0  # of the heatmaps' loss beside the points'
    # An epoch takes at least this many batches (as SLEAP's min_batches_per_epoch): the ten
    # frames of a clip corrected one in ten make two, and eight epochs of two steps teach the
    # network next to nothing.
    min_batches: int = 8


@dataclass(frozen=True)
class EpochResult:
    epoch: int
    train_loss: float
    val_pckh: float
    seconds: float
    val_error: float = math.nan


@dataclass
class FinetuneResult:
    net: LandmarkNet
    base_val_pckh: float
    val_pckh: float
    best_epoch: int
    history: list[EpochResult] = field(default_factory=list)
    base_val_error: float = math.nan
    val_error: float = math.nan


class Cancelled(Exception):
    """The caller asked to stop; nothing was kept."""


def schema_matrix(schema: str) -> np.ndarray:
    """(J, 33) weights taking MediaPipe-33 landmark coordinates to `schema`'s joints (rows of
    zeros where the schema has a joint MediaPipe cannot give). Found by converting unit
    vectors: every rule is a weighted mean of landmarks, so conversion is linear."""
    target = get_skeleton(schema)
    basis = np.zeros((N_LANDMARKS, N_LANDMARKS, 3))
    basis[:, :, 2] = 1.0
    basis[np.arange(N_LANDMARKS), np.arange(N_LANDMARKS), 0] = 1.0
    converted = convert(basis, "mp33", target).keypoints[..., 0]  # (33 sources, J)
    return np.nan_to_num(converted.T, nan=0.0)


def labelled_region(frame: LabelledFrame) -> Region | None:
    """The upright region MediaPipe would follow this body in, from its labelled joints."""
    points = np.concatenate([frame.keypoints, frame.labelled[:, None].astype(float)], axis=1)
    points[~frame.labelled, :2] = np.nan
    mp33 = convert(points, frame.schema, "mp33").keypoints
    region = region_of_pose(mp33)
    if region is not None:
        return region
    xy = frame.keypoints[frame.labelled]
    if len(xy) < MIN_LABELLED_JOINTS:
        return None
    (x1, y1), (x2, y2) = xy.min(axis=0), xy.max(axis=0)
    return region_of_box((x1, y1, x2, y2))


def compact(frame: LabelledFrame, margin: float = 1.6) -> LabelledFrame:
    """The frame cut down to the square around its labelled region, enlarged by `margin` (room
    for the training perturbations), joints shifted to match: a 1080p frame costs a fraction of
    its memory while its body stays pixel for pixel the same."""
    region = labelled_region(frame)
    if region is None:
        return frame
    half = region.side * margin / 2 * math.sqrt(2)  # a turned square still fits
    height, width = frame.image.shape[:2]
    x0, y0 = max(int(region.cx - half), 0), max(int(region.cy - half), 0)
    x1, y1 = min(int(math.ceil(region.cx + half)), width), min(int(math.ceil(region.cy + half)), height)
    if x1 <= x0 or y1 <= y0:
        return frame
    image = np.ascontiguousarray(frame.image[y0:y1, x0:x1])
    return LabelledFrame(image, frame.keypoints - np.array([x0, y0], float), frame.labelled, frame.schema)


def _augmented(frame: LabelledFrame, region: Region, rng: np.random.Generator, flip_pairs: np.ndarray):
    """(crop uint8 (256, 256, 3), target (J, 2) in crop pixels) for one random perturbation."""
    side = region.side * rng.uniform(0.8, 1.25)
    shift = rng.uniform(-0.1, 0.1, size=2) * region.side
    turn = rng.uniform(-MAX_TURN, MAX_TURN)
    region = Region(region.cx + shift[0], region.cy + shift[1], side, region.turn + turn)
    image = crop(frame.image, region)
    target = np.hstack([frame.keypoints, np.ones((len(frame.keypoints), 1))]) @ region.to_crop().T
    labelled = frame.labelled.copy()
    if rng.random() < 0.5:
        image = np.ascontiguousarray(image[:, ::-1])
        target[:, 0] = INPUT_SIZE - target[:, 0]
        target, labelled = target[flip_pairs], labelled[flip_pairs]
    if rng.random() < 0.3:
        image = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.5, 1.5))
    image = np.clip(image.astype(np.float32) * rng.uniform(0.7, 1.3), 0, 255).astype(np.uint8)
    return image, target, labelled


def predict_in_regions(runner: LandmarkRunner, frames: Sequence[LabelledFrame], schema: str) -> np.ndarray:
    """(N, J, 3) predictions in `schema`: a pass on each frame's labelled region, then one on the
    region the network's answer gives (NaN where the labels give no region)."""
    out = np.full((len(frames), get_skeleton(schema).num_joints, 3), np.nan)
    for i, frame in enumerate(frames):
        region = labelled_region(frame)
        if region is None:
            continue
        found = runner.run(frame.image, [region])[0]
        settled = found.next_region()
        if settled is not None:
            found = runner.run(frame.image, [settled])[0]
        out[i] = convert(found.points, "mp33", schema).keypoints
    return out


@dataclass(frozen=True)
class Validation:
    """How a network reads held-out frames: PCKh@0.5, and the mean distance of its joints from
    the labels in head lengths (a joint not found, or further than ERROR_CAP, counts ERROR_CAP)."""

    pckh: float
    error: float


def validate(runner: LandmarkRunner, frames: Sequence[LabelledFrame], schema: str) -> Validation:
    """The runner's network on frames (the schema must have MPII's head joints)."""
    predicted = predict_in_regions(runner, frames, schema)
    truth = np.stack([f.keypoints for f in frames])
    labelled = np.stack([f.labelled for f in frames])
    return Validation(float(pckh(predicted, truth, labelled).overall),
                      head_error(predicted, truth, labelled, ERROR_CAP))


def validation_pckh(runner: LandmarkRunner, frames: Sequence[LabelledFrame], schema: str) -> float:
    """PCKh@0.5 of the runner's network on frames (the schema must have MPII's head joints)."""
    return validate(runner, frames, schema).pckh


def _kept_outputs_loss(points: torch.Tensor, base_points: torch.Tensor, untaught: torch.Tensor) -> torch.Tensor:
    """How far the outputs the labels do not teach moved from the bundled network's on the same
    crops: the hip centre and body axis point (the next frame's region is built from them, so a
    drift there loses the body however good the joints are), the landmarks the schema is not
    made from, and every landmark's visibility and presence (the joints' confidences)."""
    taught_xy = torch.cat([~untaught, torch.zeros(len(points[0]) - len(untaught), dtype=torch.bool,
                                                  device=untaught.device)])
    xy = torch.nn.functional.smooth_l1_loss(points[..., :2] / INPUT_SIZE, base_points[..., :2] / INPUT_SIZE,
                                            reduction="none", beta=0.02).sum(-1)
    position = xy[:, ~taught_xy].mean()
    confidence = torch.nn.functional.mse_loss(torch.sigmoid(points[:, :N_LANDMARKS, 3:5]),
                                              torch.sigmoid(base_points[:, :N_LANDMARKS, 3:5]))
    return position + confidence


def heatmap_landmarks(schema: str) -> tuple[np.ndarray, np.ndarray]:
    """(joints, landmarks): the schema's joints that are one MediaPipe landmark each, and those
    landmarks; their heatmaps are taught from the labels (a joint made of several landmarks,
    such as a pelvis between the hips, says nothing about any one landmark's heatmap)."""
    matrix = schema_matrix(schema)
    joints = [j for j, row in enumerate(matrix) if np.count_nonzero(row) == 1 and np.isclose(row.max(), 1.0)]
    return np.array(joints, int), np.array([int(np.flatnonzero(matrix[j])[0]) for j in joints], int)


def _heatmap_loss(heatmaps: torch.Tensor, base_heatmaps: torch.Tensor | None, target: torch.Tensor, mask: torch.Tensor,
                  joints: np.ndarray, landmarks: np.ndarray, keep_weight: float) -> torch.Tensor:
    """Binary cross-entropy of the taught landmarks' heatmaps (N, 39, 64, 64 logits) against a
    Gaussian at each labelled joint (target (N, J, 2) as fractions of the crop), plus, weighted
    by keep_weight, that of the other heatmaps against the bundled network's on the same crops.
    Per heatmap, summed over its cells and divided by its side, so both weigh like a point."""
    size = heatmaps.shape[-1]
    cells = torch.arange(size, dtype=heatmaps.dtype, device=heatmaps.device)
    # Cell c stands for crop pixel c x cell size (see blazepose.heatmap_peaks).
    centre = target[:, joints] * size
    gx = torch.exp(-(cells - centre[..., 0:1]) ** 2 / (2 * HEATMAP_SIGMA ** 2))
    gy = torch.exp(-(cells - centre[..., 1:2]) ** 2 / (2 * HEATMAP_SIGMA ** 2))
    gaussian = gy[..., :, None] * gx[..., None, :]
    taught = torch.nn.functional.binary_cross_entropy_with_logits(heatmaps[:, landmarks], gaussian, reduction="none")
    weight = mask[:, joints]
    loss = (taught.sum((-1, -2)) * weight).sum() / weight.sum().clamp(min=1.0) / size
    if keep_weight and base_heatmaps is not None:
        others = torch.ones(heatmaps.shape[1], dtype=torch.bool, device=heatmaps.device)
        others[torch.as_tensor(landmarks, device=heatmaps.device)] = False
        kept = torch.nn.functional.binary_cross_entropy_with_logits(heatmaps[:, others], torch.sigmoid(base_heatmaps[:, others]),
                                                                    reduction="none")
        loss = loss + keep_weight * kept.sum((-1, -2)).mean() / size
    return loss


def epoch_order(usable: list[int], config: FinetuneConfig, rng: np.random.Generator) -> np.ndarray:
    """The training frames of one epoch: each once in a random order, and a small set passed
    over again (each pass in a new order, with new perturbations) until min_batches are filled."""
    if not usable:
        return np.array([], int)
    wanted = max(len(usable), config.min_batches * config.batch_size)
    passes = math.ceil(wanted / len(usable))
    return np.concatenate([rng.permutation(usable) for _ in range(passes)])[:wanted]


def finetune(train: Sequence[LabelledFrame], val: Sequence[LabelledFrame], config: FinetuneConfig,
             base: LandmarkNet | None = None, progress: Callable[[EpochResult], None] | None = None,
             cancelled: Callable[[], bool] | None = None) -> FinetuneResult:
    """Fine-tune a copy of `base` (default: the bundled network) on `train`, keeping the epoch
    whose joints are nearest the labels of `val` on average (see Validation); stops after
    `patience` epochs without improvement. Not PCKh: it counts a joint as right or wrong at
    half a head length, and on the few frames a project holds out two networks often tie on
    it (or both reach 1.0) while one is plainly nearer.
    Raises Cancelled when `cancelled()` turns true (checked between batches)."""
    import time

    schema = train[0].schema
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    device = torch.device(config.device)
    net = copy.deepcopy(base) if base is not None else LandmarkNet()
    net = net.to(device)
    matrix = torch.as_tensor(schema_matrix(schema), dtype=torch.float32, device=device)
    flip_pairs = np.asarray(get_skeleton(schema).flip_indices)
    regions = [labelled_region(f) for f in train]
    usable = [i for i, r in enumerate(regions) if r is not None]
    heat_joints, heat_landmarks = heatmap_landmarks(schema)
    # Untrained heatmaps would pull the points back to the bundled network's answer.
    net.located_by_heatmaps = bool(config.heatmap_weight)
    evaluator = LandmarkRunner(net, device)
    teacher = (copy.deepcopy(base) if base is not None else LandmarkNet()).to(device).eval()
    for parameter in teacher.parameters():
        parameter.requires_grad_(False)
    untaught = torch.as_tensor(~schema_matrix(schema).any(axis=0), device=device)
    base_val = validate(LandmarkRunner(base or LandmarkNet(), device), val, schema)
    best_val, best_epoch, best_state = validate(evaluator, val, schema), 0, copy.deepcopy(net.state_dict())
    optimizer = torch.optim.Adam(net.parameters(), lr=config.learning_rate)
    history: list[EpochResult] = []
    stale = 0
    for epoch in range(1, config.epochs + 1):
        start = time.perf_counter()
        net.train()
        order = epoch_order(usable, config, rng)
        losses = []
        for first in range(0, len(order), config.batch_size):
            if cancelled is not None and cancelled():
                raise Cancelled("fine-tuning was cancelled")
            batch = [_augmented(train[i], regions[i], rng, flip_pairs) for i in order[first:first + config.batch_size]]
            images = torch.from_numpy(np.stack([b[0] for b in batch]).astype(np.float32) / 255.0).to(device)
            target = torch.as_tensor(np.stack([b[1] for b in batch]) / INPUT_SIZE, dtype=torch.float32, device=device)
            mask = torch.as_tensor(np.stack([b[2] for b in batch]), dtype=torch.float32, device=device)
            points, flags, heatmaps = net(images)
            predicted = torch.einsum("jk,nkc->njc", matrix, points[:, :N_LANDMARKS, :2] / INPUT_SIZE)
            error = torch.nn.functional.smooth_l1_loss(predicted, target, reduction="none", beta=0.02).sum(-1)
            loss = (error * mask).sum() / mask.sum().clamp(min=1.0)
            loss = loss - config.flag_weight * torch.log(flags.clamp(min=1e-6)).mean()
            base_heatmaps = None
            if config.keep_weight:
                with torch.no_grad():
                    base_points, _, base_heatmaps = teacher(images)
                loss = loss + config.keep_weight * _kept_outputs_loss(points, base_points, untaught)
            if config.heatmap_weight:
                loss = loss + config.heatmap_weight * _heatmap_loss(heatmaps, base_heatmaps, target, mask, heat_joints,
                                                                    heat_landmarks, config.keep_weight)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        net.eval()
        checked = validate(evaluator, val, schema)
        result = EpochResult(epoch, float(np.mean(losses)) if losses else math.nan, checked.pckh,
                             time.perf_counter() - start, checked.error)
        history.append(result)
        if progress is not None:
            progress(result)
        if checked.error < best_val.error:
            best_val, best_epoch, best_state, stale = checked, epoch, copy.deepcopy(net.state_dict()), 0
        else:
            stale += 1
            if stale >= config.patience:
                break
    net.load_state_dict(best_state)
    net.eval()
    return FinetuneResult(net.cpu(), base_val.pckh, best_val.pckh, best_epoch, history, base_val.error, best_val.error)


# --- model files ---------------------------------------------------------------------------

MODEL_KIND = "pose-landmarks"


def base_model_digest() -> str:
    """sha256 (first 16 hex digits) of the bundled landmark network a fine-tune starts from."""
    import hashlib

    from inference.pose.blazepose import bundled_landmark_model

    return hashlib.sha256(bundled_landmark_model().read_bytes()).hexdigest()[:16]


def save_landmark_model(path, net: LandmarkNet, schema: str, extra: dict | None = None):
    """Write the fine-tuned weights (only they: the network is rebuilt from the installed
    wheel when loaded) atomically, with the base network's digest and whether its landmarks
    are read at their heatmap peaks."""
    from inference.assess.checkpoint import save_checkpoint

    config = {"base": base_model_digest(), "heatmaps": net.located_by_heatmaps}
    return save_checkpoint(path, kind=MODEL_KIND, schema=schema, config=config, state_dict=net.state_dict(), extra=extra)


def load_landmark_model(path, schema: str | None = None) -> tuple[LandmarkNet, dict]:
    """(network, extra) from a file of save_landmark_model. Raises PoseBackendError with a
    one-line reason: not a pose model file, another skeleton, damaged, newer, or fine-tuned from
    another base network than the installed one."""
    from inference.assess.checkpoint import CheckpointError, load_checkpoint
    from inference.pose.base import PoseBackendError

    try:
        checkpoint = load_checkpoint(path, kind=MODEL_KIND, schema=schema)
    except CheckpointError as exc:
        raise PoseBackendError(str(exc)) from exc
    if checkpoint.config.get("base") != base_model_digest():
        raise PoseBackendError(f"{path} was fine-tuned from another version of the bundled pose network; "
                               "fine-tune it again with `plumb train PROJECT --task pose`")
    net = LandmarkNet()
    try:
        net.load_state_dict(checkpoint.state_dict)
    except RuntimeError as exc:
        raise PoseBackendError(f"{path} does not fit the bundled pose network ({exc.__class__.__name__})") from exc
    # Files from before heatmaps were fine-tuned say nothing: their heatmaps are the bundled ones.
    net.located_by_heatmaps = bool(checkpoint.config.get("heatmaps", False))
    return net.eval(), checkpoint.extra
