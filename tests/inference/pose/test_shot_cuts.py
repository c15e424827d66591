"""Cuts between shots: the content measure, and the pipeline starting afresh after a cut."""

from __future__ import annotations

import json

import cv2
import numpy as np

from app.auto_annotate import PoseOptions, detect_to_file
from inference.pose.shot_cuts import CUT_THRESHOLD, TRACK_CHECK_FROM, ShotCuts, background_follows, content_change
from tests.conftest import shared_data


TINTS = {1: (0.5, 1.0, 0.6), 2: (1.0, 0.45, 0.3)}  # a green field; a red hall


def _scene(seed: int, shift: int = 0) -> np.ndarray:
    """A textured scene of its own colours; `shift` pans the camera by that many pixels."""
    rng = np.random.default_rng(seed)
    texture = cv2.GaussianBlur(rng.integers(0, 255, (240, 420, 3), dtype=np.uint8), (0, 0), 4).astype(float)
    texture = (texture - texture.mean()) * 4 + 128
    image = np.clip(texture * np.array(TINTS[seed]), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(np.roll(image, shift, axis=1)[:, :320])


def test_a_pan_is_not_a_cut_and_another_scene_is() -> None:
    cuts = ShotCuts()
    assert not cuts.is_cut(_scene(1))
    assert not any(cuts.is_cut(_scene(1, shift)) for shift in range(4, 40, 4)), "a pan, a few pixels a frame"
    assert cuts.is_cut(_scene(2))
    assert content_change(_scene(1), _scene(2)) > CUT_THRESHOLD > content_change(_scene(1), _scene(1, 6))


def _fine_scene(seed: int, shift: int = 0) -> np.ndarray:
    """A finely textured green scene: a pan changes it as much as another such scene does."""
    rng = np.random.default_rng(seed)
    texture = cv2.GaussianBlur(rng.integers(0, 255, (240, 420, 3), dtype=np.uint8), (0, 0), 2).astype(float)
    image = np.clip(((texture - texture.mean()) * 2 + 128) * np.array(TINTS[1]), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(np.roll(image, shift, axis=1)[:, :320])


def test_between_similar_colours_the_background_track_tells_a_pan_from_another_picture() -> None:
    first, panned, other = _fine_scene(1), _fine_scene(1, 12), _fine_scene(5)
    for second in (panned, other):  # the content measure alone cannot tell these apart
        assert TRACK_CHECK_FROM < content_change(first, second) < CUT_THRESHOLD
    cuts = ShotCuts()
    assert not cuts.is_cut(first)
    assert not cuts.is_cut(panned)
    assert cuts.is_cut(other)


def test_a_small_change_is_no_cut_even_where_the_background_cannot_be_followed() -> None:
    """Below the band the track is not asked: faint, blurred texture (fog, water) may be
    impossible to follow, yet a frame that hardly changed is the same shot."""
    def faint(seed: int) -> np.ndarray:
        rng = np.random.default_rng(seed)
        texture = cv2.GaussianBlur(rng.integers(0, 255, (240, 320, 3), dtype=np.uint8), (0, 0), 8).astype(float)
        return np.clip(((texture - texture.mean()) + 128) * np.array(TINTS[1]), 0, 255).astype(np.uint8)

    assert content_change(faint(1), faint(5)) < TRACK_CHECK_FROM
    assert not background_follows(faint(1), faint(5))
    cuts = ShotCuts()
    assert not cuts.is_cut(faint(1)) and not cuts.is_cut(faint(5))


def _frames(video, first: int, count: int, size=(640, 360)) -> list[np.ndarray]:
    from app.media.frame_source import FrameSource

    with FrameSource(video) as source:
        return [cv2.resize(np.asarray(source.frame(i)), size, interpolation=cv2.INTER_AREA)
                for i in range(first, first + count)]


def _detect(tmp_path, name: str, frames: list[np.ndarray]) -> dict[int, tuple]:
    folder = tmp_path / name
    folder.mkdir()
    for i, rgb in enumerate(frames):
        cv2.imwrite(str(folder / f"{i:03d}.png"), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    out = tmp_path / f"{name}.json"
    detect_to_file(folder, out, PoseOptions())
    return {f["index"]: tuple(f["bbox"]) for f in json.loads(out.read_text())["frames"] if f["bbox"]}


def _iou(a, b) -> float:
    from inference.pose.base import box_iou

    return box_iou(a, b)


def test_after_a_cut_the_athlete_is_found_again_in_the_new_shot(tmp_path) -> None:
    """A folder of two shots (a backflip, then a runner in another place): across the cut the
    runner is far beyond the tracker's gates; the new shot is read on its own, as if alone."""
    flip = _frames(shared_data("sports2d-demo", "demo.mp4"), 60, 6)
    run = _frames(shared_data("phalp-running", "vid.mp4"), 30, 6)
    both = _detect(tmp_path, "both", flip + run)
    alone = _detect(tmp_path, "alone", run)
    assert len([i for i in both if i < 6]) >= 5 and len([i for i in both if i >= 6]) >= 5, sorted(both)
    for i, box in alone.items():
        assert i + 6 in both and _iou(both[i + 6], box) > 0.5, f"frame {i} of the second shot"


def test_a_folder_of_frames_from_different_scenes_is_read_frame_by_frame(tmp_path) -> None:
    """Frames of two clips interleaved: every frame its own shot, each read as a still."""
    flip = _frames(shared_data("sports2d-demo", "demo.mp4"), 60, 3)
    run = _frames(shared_data("phalp-running", "vid.mp4"), 30, 3)
    mixed = [frame for pair in zip(flip, run) for frame in pair]
    found = _detect(tmp_path, "mixed", mixed)
    singles = {i: _detect(tmp_path, f"single{i}", [rgb]) for i, rgb in enumerate(mixed)}
    assert len(found) >= 5, sorted(found)
    for i, box in found.items():
        assert singles[i] and _iou(box, singles[i][0]) > 0.5, f"frame {i} is read as it is on its own"
