"""Camera motion from the background on generated frames (a textured scene seen through a known
similarity, an athlete moving on her own), and athlete tracking through a jerky pan."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from inference.pose.base import PersonPose
from inference.pose.camera_motion import (
    CameraMotion, chain_motions, invert_motion, transform_box, transform_points,
)
from inference.pose.tracking import AthleteTracker, StartBox, track_sequence

MARGIN = 200  # scene pixels around the first frame's view, so a moved view never leaves the scene


def scene(width, height, contrast=1.0, seed=0):
    """Blurred noise: corners everywhere, no repeating pattern. RGB uint8."""
    rng = np.random.default_rng(seed)
    big = (width + 2 * MARGIN, height + 2 * MARGIN)
    coarse = rng.uniform(0, 255, (big[1] // 4, big[0] // 4)).astype(np.float32)
    image = cv2.GaussianBlur(cv2.resize(coarse, big, interpolation=cv2.INTER_CUBIC), (0, 0), 2.0)
    image = 128 + (image - 128) * contrast
    return np.repeat(np.clip(image, 0, 255).astype(np.uint8)[:, :, None], 3, axis=2)


def similarity(angle_deg, scale, shift, centre):
    m = cv2.getRotationMatrix2D(centre, angle_deg, scale)
    m[:, 2] += shift
    return m


def view(background, motion, size):
    """The frame seen after the camera moved by `motion` (2x3, first frame -> this frame)."""
    to_first = np.array([[1.0, 0, -MARGIN], [0, 1.0, -MARGIN], [0, 0, 1]])
    full = np.vstack([motion, [0, 0, 1]]) @ to_first
    return cv2.warpAffine(background, full[:2], size, flags=cv2.INTER_LINEAR)


def draw_athlete(frame, box):
    """A body of random black and white blocks (the same on every frame): stronger corners than
    anything in the scene, and no period that a moved copy could be mistaken for."""
    x1, y1, x2, y2 = (int(round(v)) for v in box)
    blocks = np.random.default_rng(7).integers(0, 2, ((y2 - y1) // 8 + 1, (x2 - x1) // 8 + 1))
    cells = np.kron(blocks, np.ones((8, 8), np.uint8))[:y2 - y1, :x2 - x1]
    frame[y1:y2, x1:x2] = (cells * 255).astype(np.uint8)[:, :, None]


def corner_error(estimated, true, size):
    """Largest distance, over the frame's corners, between where the two motions send them."""
    w, h = size
    corners = np.array([[0, 0], [w, 0], [0, h], [w, h]], dtype=np.float64)
    return float(np.linalg.norm(transform_points(corners, estimated) - transform_points(corners, true), axis=1).max())


def moved(box, dx, dy):
    return (box[0] + dx, box[1] + dy, box[2] + dx, box[3] + dy)


@pytest.mark.parametrize("angle, scale, shift", [
    (0.0, 1.0, (-7.3, 2.6)),      # a plain pan
    (0.8, 1.02, (5.1, -3.4)),     # pan, roll and zoom together
    (-1.5, 0.98, (-18.0, 9.5)),   # a fast pan while zooming out
])
def test_recovers_the_background_motion_at_640x360(angle, scale, shift):
    size = (640, 360)
    true = similarity(angle, scale, shift, (320, 180))
    background = scene(*size)
    previous, current = view(background, np.eye(3)[:2], size), view(background, true, size)
    athlete = (250, 80, 330, 260)
    draw_athlete(previous, athlete)
    draw_athlete(current, moved(athlete, 24, 12))
    motion = CameraMotion()
    first = motion.update(previous, [athlete])
    assert np.array_equal(first, np.eye(3)[:2]) and motion.last.fallback and motion.last.reason == "first frame"
    matrix = motion.update(current, [moved(athlete, 24, 12)])
    assert matrix.shape == (2, 3) and matrix.dtype == np.float64
    assert not motion.last.fallback and motion.last.reason == ""
    assert motion.last.inliers >= 50 and motion.last.inlier_ratio > 0.8
    assert corner_error(matrix, true, size) < 0.5


def test_the_athletes_own_motion_does_not_bias_the_estimate():
    """The athlete's corners outnumber the faint scene's: unmasked, they win the fit."""
    size = (640, 360)
    true = similarity(0.0, 1.0, (-6.0, 3.0), (320, 180))
    background = scene(*size, contrast=0.3)
    athlete = (180, 40, 420, 320)
    frames = [view(background, np.eye(3)[:2], size), view(background, true, size)]
    draw_athlete(frames[0], athlete)
    draw_athlete(frames[1], moved(athlete, 12, 6))  # the athlete moves +18, +3 relative to the scene

    unmasked = CameraMotion()
    unmasked.update(frames[0])
    biased = unmasked.update(frames[1])
    assert corner_error(biased, true, size) > 5  # the scenario is a real trap

    masked = CameraMotion()
    masked.update(frames[0], [athlete])
    matrix = masked.update(frames[1], [moved(athlete, 12, 6)])
    assert not masked.last.fallback
    assert corner_error(matrix, true, size) < 0.5


def test_full_hd_costs_about_the_same_and_stays_sub_pixel():
    size = (1920, 1080)
    true = similarity(0.5, 1.01, (-20.0, 8.0), (960, 540))
    background = scene(*size, seed=1)
    motion = CameraMotion()
    motion.update(view(background, np.eye(3)[:2], size))
    matrix = motion.update(view(background, true, size))
    # the estimate is made on a 320 px wide copy: one sixth of a work pixel is 1 px here
    assert corner_error(matrix, true, size) < 1.0


def test_a_textureless_frame_gives_the_identity_flagged_as_a_fallback():
    flat = np.full((360, 640, 3), 90, np.uint8)
    motion = CameraMotion()
    motion.update(flat)
    matrix = motion.update(flat.copy())
    assert np.array_equal(matrix, np.eye(3)[:2])
    assert motion.last.fallback and motion.last.reason == "too few features"
    assert motion.last.inliers == 0 and motion.last.inlier_ratio == 0.0


def test_a_cut_to_unrelated_content_falls_back():
    size = (640, 360)
    motion = CameraMotion()
    motion.update(view(scene(*size, seed=1), np.eye(3)[:2], size))
    matrix = motion.update(view(scene(*size, seed=2), np.eye(3)[:2], size))
    assert np.array_equal(matrix, np.eye(3)[:2]) and motion.last.fallback


def test_size_change_resets_and_grey_or_rgba_frames_are_accepted():
    size = (640, 360)
    true = similarity(0.0, 1.0, (4.0, -2.0), (320, 180))
    background = scene(*size)
    a, b = view(background, np.eye(3)[:2], size), view(background, true, size)
    motion = CameraMotion()
    motion.update(cv2.cvtColor(a, cv2.COLOR_RGB2GRAY))
    assert corner_error(motion.update(cv2.cvtColor(b, cv2.COLOR_RGB2RGBA)), true, size) < 0.5
    motion.update(cv2.resize(b, (320, 180)))
    assert motion.last.fallback and motion.last.reason == "size changed"
    motion.reset()
    motion.update(a)
    assert motion.last.reason == "first frame"
    with pytest.raises(ValueError, match="uint8"):
        motion.update(a.astype(np.float32))
    with pytest.raises(ValueError, match="shape"):
        motion.update(np.zeros((4, 4, 2), np.uint8))


def test_transform_box_maps_the_centre_and_scales_the_size():
    box = (100.0, 50.0, 140.0, 130.0)
    shift_zoom = np.array([[1.1, 0.0, 7.0], [0.0, 1.1, -3.0]])
    corners = transform_points(np.array([[100, 50], [140, 130]]), shift_zoom)
    assert transform_box(box, shift_zoom) == pytest.approx(tuple(corners.ravel()))  # the hull, exactly
    roll = similarity(30.0, 1.0, (0.0, 0.0), (120, 90))  # about the box centre
    assert transform_box(box, roll) == pytest.approx(box)  # the hull would grow by |sin| + |cos|
    m = similarity(3.0, 1.05, (12.0, -4.0), (0, 0))
    back = transform_box(transform_box(box, m), invert_motion(m))
    assert back == pytest.approx(box)
    assert chain_motions([m, None, invert_motion(m)]) == pytest.approx(np.eye(3)[:2])
    with pytest.raises(ValueError, match="2x3"):
        transform_box(box, np.eye(3))


# --- Tracking through a pan -----------------------------------------------------------------

T = 40
# Fixed in the scene: a judge by the pool and someone on a lower platform beside the diver's line.
BYSTANDERS = {"judge": (330, 330, 360, 390), "platform": (345, 200, 373, 260)}


def person(box, score=0.9):
    x1, y1, x2, y2 = box
    kp = np.stack([np.linspace(x1, x2, 16), np.linspace(y1, y2, 16), np.full(16, score)], -1)
    return PersonPose(kp.astype(np.float32), (float(x1), float(y1), float(x2), float(y2)), score, "mpii16")


def diver_in_scene(f):
    """Falling from the platform under gravity, drifting right, tucking and opening."""
    cx, cy = 300 + 1.5 * f, 100 + 0.25 * f * f
    half_w = 15 + 4 * math.sin(f / 3)
    return (cx - half_w, cy - 30, cx + half_w, cy + 30)


def scene_to_image(f):
    """The operator holds still, then re-centres on the diver every 6 frames; a slow zoom in."""
    k = f // 6 * 6
    x1, y1, x2, y2 = diver_in_scene(k)
    zoom = 1 + 0.004 * f
    return np.array([[zoom, 0, 320 - zoom * (x1 + x2) / 2], [0, zoom, 180 - zoom * (y1 + y2) / 2]])


def panning_clip(drop=()):
    """Detections per frame (image coordinates), names by id, cameras[f]: frame f-1 -> f."""
    frames, names, cameras = [], {}, [None]
    for f in range(T):
        to_image = scene_to_image(f)
        dets = []
        if f not in drop:
            diver = person(transform_box(diver_in_scene(f), to_image))
            names[id(diver)] = "diver"
            dets.append(diver)
        for name, box in BYSTANDERS.items():
            p = person(transform_box(box, to_image), 0.8)
            names[id(p)] = name
            dets.append(p)
        frames.append(dets)
        if f:
            cameras.append(chain_motions([invert_motion(scene_to_image(f - 1)), to_image]))
    return frames, names, cameras


def who(steps, names):
    return [None if s.pose is None else names[id(s.pose)] for s in steps]


def test_without_the_camera_the_tracker_jumps_to_a_bystander_with_it_keeps_the_diver():
    frames, names, cameras = panning_clip()
    start = StartBox(0, frames[0][0].bbox)
    plain = who(track_sequence(frames, start), names)
    assert plain != ["diver"] * T
    assert "platform" in plain  # the stale image velocity lands on the person the diver passes
    steps = track_sequence(frames, start, cameras=cameras)
    assert who(steps, names) == ["diver"] * T
    assert all(s.status == "tracked" for s in steps)


def test_a_missed_diver_stays_lost_during_the_pan_and_is_found_again():
    frames, names, cameras = panning_clip(drop={18, 19, 20})
    got = who(track_sequence(frames, StartBox(0, frames[0][0].bbox), cameras=cameras), names)
    assert got[18:21] == [None] * 3
    assert got[:18] == ["diver"] * 18 and got[21:] == ["diver"] * (T - 21)


def test_backward_tracking_uses_the_inverse_motions():
    frames, names, cameras = panning_clip()
    got = who(track_sequence(frames, StartBox(30, frames[30][0].bbox), cameras=cameras), names)
    assert got == ["diver"] * T


def test_no_or_identity_cameras_change_nothing():
    frames, names, _ = panning_clip()
    start = StartBox(0, frames[0][0].bbox)
    plain = track_sequence(frames, start)
    assert track_sequence(frames, start, cameras=[None] * T) == plain
    assert track_sequence(frames, start, cameras=[np.eye(3)[:2]] * T) == plain
    with pytest.raises(ValueError, match="one per frame"):
        track_sequence(frames, start, cameras=[None] * (T - 1))


def test_the_tracker_keeps_its_boxes_in_the_current_frames_coordinates():
    tracker = AthleteTracker(0, (100, 100, 130, 160))
    tracker.step(0, [person((100, 100, 130, 160))])
    tracker.step(1, [person((104, 100, 134, 160))])  # 4 px/frame to the right
    pan = np.array([[1.0, 0.0, -50.0], [0.0, 1.0, 0.0]])  # the camera pans 50 px right
    step = tracker.step(2, [person((58, 100, 88, 160))], camera=pan)
    assert step.predicted == pytest.approx((58, 100, 88, 160))
    assert step.status == "tracked"
    with pytest.raises(ValueError, match="2x3"):
        tracker.step(3, [], camera=np.eye(3))


def test_a_bystander_moved_by_the_pan_is_not_taken_for_a_missed_athlete():
    """The athlete vanishes just as the camera pans: the person beside her keeps their own
    identity because their box, too, was moved with the camera."""
    athlete, beside = (100, 100, 130, 160), (120, 100, 150, 160)
    tracker = AthleteTracker(0, athlete)
    for f in (0, 1):
        assert tracker.step(f, [person(athlete), person(beside, 0.8)]).box == athlete
    pan = np.array([[1.0, 0.0, -40.0], [0.0, 1.0, 0.0]])
    assert tracker.step(2, [person(transform_box(beside, pan), 0.8)], camera=pan).status == "lost"
