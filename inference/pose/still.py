"""The most prominent person of a still image, whatever their orientation.

A still has no previous frame to say which way the body points, so people are looked for in
the image as it is and turned a quarter, a half and three quarters (MediaPipe's person detector
only finds upright bodies), each answer mapped back to the image and refined on an upright
region (:mod:`inference.pose.upright`). A wide or tall image's small people are looked for
upright in its square tiles (:func:`inference.pose.base.square_tiles`, `upright_people`), where
a small body (a diver in a broadcast frame) is large enough for the detector; while every
reading is unsure, the tiles are searched at every turn, and then the whole image at several
turns. A body the detector finds again at another turn is read again while no
reading of it is sure; a reading the landmark network itself says is nobody is dropped. Of
the people found, the most prominent is kept: the largest in the picture among those nearly as
confident as the most confident one. Where the accurate network is installed, it reads each of
those and the choice is made among the ones it takes for a person, the next most confident
having their turn when it takes none: the fast network can be surer of a figure in a textured
background (crowd, foliage, patterned walls) than of the athlete, which the accurate one is not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from inference.pose.base import (
    PersonPose, PoseBackend, box_iou, box_of, inside_fraction, same_body_boxes, square_tiles,
)

if TYPE_CHECKING:  # torch is imported only when a network runs
    from inference.pose.blazepose import Landmarks
    from inference.pose.upright import UprightEstimator

# The landmark network's person flag below which its answer is nobody (MediaPipe's default
# tracking threshold on the same output).
MIN_PERSON_FLAG = 0.5
# Quarter turns (degrees clockwise) the detector is shown the image at.
DETECTOR_TURNS = (0, 90, 180, 270)
# A still's bodies are refined from the person detector's rough keypoints, whose axis can be
# far from the body's own, and re-centred on their own answer this many times: enough to compare
# them. The one kept is re-centred KEPT_PASSES times more before it is read (once more in all
# than a body followed through a video, whose previous frame's region is already close).
STILL_PASSES = 1
KEPT_PASSES = 1
# Readings at different turns whose boxes overlap more than this are one body.
SAME_BODY_IOU = 0.5
# A refined body this sure (flag x mean limb confidence) ends the search over turns.
SURE_SCORE = 0.8
# Of the people found, those at least this share of the best score compete on size.
PROMINENT_SHARE = 0.7
# When no reading is at least this sure (the network's flag and joints say "less likely a person
# than not"), a wide image is searched in its square tiles (the detector may have missed a small
# body), then the whole image at eighth turns (it may have boxed the body badly, or something
# else).
UNSURE_SCORE = 0.5
CHECK_TURNS = tuple(k * np.pi / 4 for k in range(8))
# A person whose box is this share of a square tile's side (the image's shorter side) is large
# enough for the detector's view of the whole image.
LARGE_IN_TILE = 0.5


def turn_image(image: np.ndarray, degrees: int) -> np.ndarray:
    """The image turned clockwise by 0, 90, 180 or 270 degrees."""
    return np.ascontiguousarray(np.rot90(image, k=-(degrees // 90) % 4))


def unturn_points(xy: np.ndarray, degrees: int, width: int, height: int) -> np.ndarray:
    """Pixel coordinates found in turn_image(image, degrees) -> coordinates in image (W x H).

    Continuous coordinates (pixel centres at +0.5), so a point maps exactly."""
    x, y = xy[..., 0], xy[..., 1]
    if degrees == 0:
        return xy.copy()
    if degrees == 90:
        return np.stack([y, height - x], axis=-1)
    if degrees == 180:
        return np.stack([width - x, height - y], axis=-1)
    if degrees == 270:
        return np.stack([width - y, x], axis=-1)
    raise ValueError(f"turns are multiples of 90 degrees, not {degrees}")


def turn_points(xy: np.ndarray, degrees: int, width: int, height: int) -> np.ndarray:
    """Pixel coordinates in an image (W x H) -> coordinates in turn_image(image, degrees)."""
    turned = (height, width) if degrees % 180 else (width, height)
    return unturn_points(xy, (360 - degrees) % 360, *turned)


# Joints at least this sure make up a person's box (all joints when fewer than four are):
# landmarks placed outside the image would otherwise stretch it.
BOX_CONFIDENCE = 0.5


def as_person(found: Landmarks, schema: str = "mp33", size: tuple[int, int] | None = None) -> PersonPose | None:
    """Landmarks as a PersonPose; the box is clipped to the image when size (width, height) is
    given."""
    points = found.points
    confident = points[points[:, 2] >= BOX_CONFIDENCE]
    box = box_of(confident if len(confident) >= 4 else points)
    if box is None:
        return None
    if size is not None:
        width, height = size
        clipped = (min(max(box[0], 0.0), width), min(max(box[1], 0.0), height),
                   min(max(box[2], 0.0), width), min(max(box[3], 0.0), height))
        if clipped[2] > clipped[0] and clipped[3] > clipped[1]:
            box = clipped
    return PersonPose(keypoints=points.copy(), bbox=box, score=found.score, schema=schema)


def upright_people(image: np.ndarray, detector: PoseBackend, tiles: bool) -> list[PersonPose] | None:
    """The people of a wide (or tall) still found upright, for find_person: the large ones as
    the detector sees the whole image, the others as it sees the image's square tiles, where a
    small body is larger. None for an image closer to square, or when `tiles` is False (the
    detector cannot search tiles). The detector's ``tiles`` setting, off for find_person's own
    searches, is turned on for the tiles' search alone.

    The detector sees the whole image at 224 pixels, where a body small in a broadcast frame is
    found roughly or not at all; a tile can cut a large body, so a tile's view of one is left
    out."""
    height, width = image.shape[:2]
    if not tiles or not square_tiles(width, height):
        return None
    detect = getattr(detector, "detect_still", detector.detect)
    whole = detect(image)
    large = [p for p in whole if _longer_side(p.bbox) >= LARGE_IN_TILE * min(width, height)]
    if whole and len(large) == len(whole):
        return whole
    previous, detector.tiles = detector.tiles, True  # type: ignore[attr-defined]
    try:
        in_tiles = [p for p in detect(image) if not _among(p, large)]
    finally:
        detector.tiles = previous  # type: ignore[attr-defined]
    small = [p for p in whole if not any(p is q for q in large)]
    missed = [p for p in small if not _among(p, in_tiles)]
    return large + in_tiles + missed


def _among(person: PersonPose, people: list[PersonPose]) -> bool:
    """Whether person's box is one of people's bodies, or a part of one."""
    return any(same_body_boxes(person.bbox, other.bbox, SAME_BODY_IOU) for other in people)


def _longer_side(box: Sequence[float]) -> float:
    return max(float(box[2]) - float(box[0]), float(box[3]) - float(box[1]))


def find_person(image: np.ndarray, detector: PoseBackend, upright: UprightEstimator,
                upright_people: list[PersonPose] | None = None, windows: bool = True) -> PersonPose | None:
    """The most prominent person of an RGB image in MediaPipe-33 landmarks, or None.
    upright_people: the detector's answer on the image as it is, when already known.
    windows: search the square tiles of a wide image while every reading is unsure (False for
    a detector that tiles wide images itself)."""
    height, width = image.shape[:2]
    bodies = _read_bodies(image, detector, upright, upright_people)
    if windows and not any(body.best.score >= UNSURE_SCORE for body in bodies):
        _read_bodies(image, detector, upright, windows=square_tiles(width, height), bodies=bodies)
    if not bodies or max(body.best.score for body in bodies) < UNSURE_SCORE:
        searched = upright.search(image, (0.0, 0.0, float(width), float(height)), CHECK_TURNS).best
        if searched.flag >= MIN_PERSON_FLAG:
            bodies.append(_Body(box_of(searched.points) or (0.0, 0.0, float(width), float(height)), [searched]))
    if not bodies:
        return None
    readings = [body.best for body in bodies]
    if upright.reader is not None:
        return as_person(_read_and_choose(image, upright, readings), size=(width, height))
    chosen = upright.settle(image, _most_prominent(readings, width, height), KEPT_PASSES)
    return as_person(upright.read(image, chosen, MIN_PERSON_FLAG), size=(width, height))


@dataclass
class _Body:
    """One person as the detector boxed them, and every reading of them so far."""

    box: tuple[float, float, float, float]
    readings: list[Landmarks]

    @property
    def best(self) -> Landmarks:
        return max(self.readings, key=lambda r: r.score)


def _read_bodies(image: np.ndarray, detector: PoseBackend, upright: UprightEstimator,
                 upright_people: list[PersonPose] | None = None, windows: Sequence[tuple[int, int, int, int]] | None = None,
                 bodies: list[_Body] | None = None) -> list[_Body]:
    """The people the detector finds at the quarter turns of the image (or of each square
    window (x, y, width, height) of it, a turn in every window before the next turn), each refined on an
    upright region of the whole image, added to `bodies`. A body found again at another turn
    is read again only while no reading of it is sure: the detector's keypoints at the new turn
    may start the refinement the right way up."""
    bodies = [] if bodies is None else bodies
    # A video backend's own detect() would follow the people of the turn before.
    detect = getattr(detector, "detect_still", detector.detect)
    views = [(0, 0, image)] if windows is None else [
        (x, y, np.ascontiguousarray(image[y:y + h, x:x + w])) for x, y, w, h in windows]
    for degrees in DETECTOR_TURNS:
        for x0, y0, seen in views:
            found_here = upright_people if degrees == 0 and windows is None and upright_people is not None else (
                detect(turn_image(seen, degrees)))
            for person in sorted(found_here, key=lambda p: -p.score):
                keypoints = np.asarray(person.keypoints, dtype=np.float64).copy()
                keypoints[:, :2] = unturn_points(keypoints[:, :2], degrees, seen.shape[1], seen.shape[0]) + (x0, y0)
                _add_reading(image, upright, keypoints, bodies)
        if any(body.best.score >= SURE_SCORE for body in bodies):
            break  # a body the network is sure of: further turns would find it again
    return bodies


def _add_reading(image: np.ndarray, upright: UprightEstimator, keypoints: np.ndarray, bodies: list[_Body]) -> None:
    """The detector's person refined and added to the body it overlaps (a new body if none),
    unless that body is already read surely or the network says nobody is there."""
    box = box_of(keypoints)
    if box is None:
        return
    same = next((body for body in bodies if box_iou(box, body.box) > SAME_BODY_IOU), None)
    if same is not None and same.best.score >= SURE_SCORE:
        return
    found = recognised(image, upright, keypoints)
    if found is None:
        return
    if same is None:
        bodies.append(_Body(box, [found]))
    else:
        same.readings.append(found)


def recognised(image: np.ndarray, upright: UprightEstimator, keypoints: np.ndarray,
               min_flag: float = MIN_PERSON_FLAG) -> Landmarks | None:
    """A detector's person (MediaPipe-33 keypoints) refined on an upright region, or None when
    the landmark network's person flag stays below min_flag."""
    found = upright.refine(image, keypoints, STILL_PASSES)
    if found is not None and found.flag < min_flag:
        # Not yet recognised as a person: re-centred as often as a kept body before it is given
        # up (the detector's axis may have been far off, for a piked or inverted body).
        found = upright.settle(image, found, KEPT_PASSES)
    return found if found is not None and found.flag >= min_flag else None


def _read_and_choose(image: np.ndarray, upright: UprightEstimator, readings: list[Landmarks]) -> Landmarks:
    """The most prominent person as the accurate network reads them: the readings nearly as
    confident as the surest are settled once more and read (one batch), and the choice is made
    among those it takes for a person. When it takes none of them for one, the next most
    confident readings have their turn: the fast network can be surer of a figure in a
    textured background than of the athlete. When it takes nobody for a person, the fast
    network's choice stands, as it read it."""
    height, width = image.shape[:2]
    remaining, first = list(readings), None
    while remaining:
        contenders = _contenders(remaining)
        settled = [upright.settle(image, r, KEPT_PASSES) for r in contenders]
        people = [r for r in upright.read_each(image, settled) if r.flag >= MIN_PERSON_FLAG]
        if people:
            return _most_prominent(people, width, height)
        first = first or settled
        remaining = [r for r in remaining if not any(r is c for c in contenders)]
    return _most_prominent(first, width, height)


def _contenders(found: list[Landmarks]) -> list[Landmarks]:
    """The readings nearly as confident as the most confident one."""
    best = max(r.score for r in found)
    return [r for r in found if r.score >= PROMINENT_SHARE * best]


def _most_prominent(found: list[Landmarks], width: int, height: int) -> Landmarks:
    contenders = _contenders(found)

    def area(r: Landmarks) -> float:
        """The part of the reading's box inside the image: a reading that places most of a
        body outside the picture has seen little of one in it."""
        box = box_of(r.points)
        if box is None:
            return 0.0
        return (box[2] - box[0]) * (box[3] - box[1]) * inside_fraction(box, (0.0, 0.0, width, height))

    return max(contenders, key=area)
