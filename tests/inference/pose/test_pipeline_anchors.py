"""The annotator's corrected poses steer a model run (PoseRunner anchors): the athlete is
where the corrections put them, and followed on from there. The backend is a scripted
detector (two people side by side on every frame); the runner and tracker are real."""

from __future__ import annotations

import numpy as np

from inference.pose.base import PersonPose, box_iou
from inference.pose.pipeline import PoseRunner

SIZE = (640, 360)
FRAMES = 40


def _body(x: float, n: int) -> PersonPose:
    """A 16-joint standing body whose left edge is at x + 2n on frame n."""
    j = np.arange(16, dtype=np.float32)
    keypoints = np.stack([x + 2 * n + 2 * j, 80 + 10 * j, np.full(16, 0.9, np.float32)], axis=1)
    x1, y1 = keypoints[:, :2].min(axis=0)
    x2, y2 = keypoints[:, :2].max(axis=0)
    return PersonPose(keypoints, (float(x1), float(y1), float(x2), float(y2)), 0.9, "mpii16")


def left(n: int) -> PersonPose:
    return _body(60, n)


def right(n: int) -> PersonPose:
    return _body(330, n)  # nearer the centre: the automatic choice


class TwoWalkers:
    """Finds both people on every frame (the frame number is the first pixel's value)."""

    name = "two-walkers"
    schema = "mpii16"

    def detect(self, image: np.ndarray, timestamp_ms: int | None = None) -> list[PersonPose]:
        n = int(image[0, 0, 0])
        return [left(n), right(n)]

    def estimate(self, image: np.ndarray, bbox) -> PersonPose | None:
        people = self.detect(image)
        best = max(people, key=lambda p: box_iou(p.bbox, bbox))
        return best if box_iou(best.bbox, bbox) > 0.3 else None

    def close(self) -> None:
        pass


def _frame(n: int) -> np.ndarray:
    image = np.full((SIZE[1], SIZE[0], 3), 90, np.uint8)
    image[0, 0, 0] = n
    return image


def _run(anchors=None) -> list:
    runner = PoseRunner(TwoWalkers(), "mpii16", image_size=SIZE, follow_camera=False, anchors=anchors)
    return list(runner.run(((n, _frame(n), None) for n in range(FRAMES)), _frame))


def _who(results) -> list[str | None]:
    def name(r):
        if r.keypoints is None:
            return None
        return "left" if r.keypoints[0, 0] < 300 else "right"
    return [name(r) for r in results]


def _corrected(person: PersonPose) -> PersonPose:
    """The annotator's joints: a little off the model's, some not set."""
    keypoints = person.keypoints.copy()
    keypoints[:, :2] += 3.0
    keypoints[5:9, :2] = np.nan
    return PersonPose(keypoints, None, 1.0, "mpii16")


def test_without_corrections_the_run_follows_the_central_walker():
    assert _who(_run()) == ["right"] * FRAMES


def test_a_correction_after_the_start_moves_the_run_onto_the_corrected_athlete():
    results = _run({30: _corrected(left(30))})
    assert _who(results) == ["right"] * 30 + ["left"] * 10
    # On the corrected frame the model's own reading of that body is reported.
    np.testing.assert_allclose(results[30].keypoints[:, :2], left(30).keypoints[:, :2])


def test_a_correction_in_the_first_frames_chooses_the_athlete():
    assert _who(_run({5: _corrected(left(5))})) == ["left"] * FRAMES


def test_every_correction_steers_even_among_the_first_frames():
    """The first correction chooses the athlete; tracking starts right after it, so the next
    one, seven frames later and still within the frames an automatic choice looks over,
    steers too."""
    results = _run({5: _corrected(left(5)), 12: _corrected(right(12))})
    assert _who(results) == ["left"] * 12 + ["right"] * (FRAMES - 12)


def test_a_corrected_body_the_model_cannot_read_is_lost_for_the_model_not_given_to_another():
    """Nobody the model finds is near the corrected joints on frame 30: the model's layer has
    nobody there (the annotation keeps the corrected joints), not the walker beside."""
    nowhere = _corrected(left(30))
    nowhere.keypoints[:, 1] += 150  # below both walkers
    results = _run({30: nowhere, 31: _corrected(left(31))})
    assert _who(results)[29:32] == ["right", None, "left"]


def test_a_correction_with_joints_in_one_line_is_ignored():
    flat = _corrected(left(30))
    flat.keypoints[:, 1] = 100.0  # no height: no box to follow
    assert _who(_run({30: flat})) == ["right"] * FRAMES
