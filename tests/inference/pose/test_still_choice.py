"""Which reading of a still the person finder keeps, with the detector and the landmark network
replaced by scripted answers: the choice between readings is what is tested here (the real
networks are exercised in test_upright.py)."""

from __future__ import annotations

import numpy as np
import pytest

from inference.pose.base import PersonPose
from inference.pose.blazepose import Landmarks, Region
from inference.pose.still import CHECK_TURNS, find_person, turn_points

WIDTH, HEIGHT = 200, 300


def _stick(box: tuple[float, float, float, float], confidence: float) -> np.ndarray:
    """33 landmarks spread over a box, all with one confidence."""
    x1, y1, x2, y2 = box
    rng = np.random.default_rng(0)
    kp = np.zeros((33, 3))
    kp[:, 0] = rng.uniform(x1, x2, 33)
    kp[:, 1] = rng.uniform(y1, y2, 33)
    kp[[0, 1], :2] = (x1, y1), (x2, y2)
    kp[:, 2] = confidence
    return kp


def _reading(points: np.ndarray, flag: float = 1.0) -> Landmarks:
    hip = points[[23, 24], :2].mean(axis=0)
    return Landmarks(points.astype(np.float32), hip, hip - (0, 40), flag, Region(*hip, 100.0))


class Detector:
    """Finds the same body at some quarter turns (given in the unturned image's pixels)."""

    name = "scripted"

    def __init__(self, found_at: dict[int, np.ndarray], skip_upright: bool = False) -> None:
        self.found_at = found_at
        self.skip_upright = skip_upright  # the image as it is will not be asked about
        self.turns_seen: list[int] = []

    def detect(self, image: np.ndarray) -> list[PersonPose]:
        degrees = {(HEIGHT, WIDTH): (0, 180), (WIDTH, HEIGHT): (90, 270)}[image.shape[:2]]
        degrees = next(d for d in degrees if d not in self.turns_seen and not (d == 0 and self.skip_upright))
        self.turns_seen.append(degrees)
        if degrees not in self.found_at:
            return []
        kp = self.found_at[degrees].copy()
        kp[:, :2] = turn_points(kp[:, :2], degrees, WIDTH, HEIGHT)
        return [PersonPose(kp.astype(np.float32), (0, 0, 1, 1), 0.9, "mp33")]


class Upright:
    """Reads a body as confidently as the detector's keypoints say, with the network's person
    flag `flag`; the whole-image search answers `searched`."""

    def __init__(self, searched: Landmarks | None = None, flag: float = 1.0) -> None:
        self.searched, self.flag = searched, flag
        self.searches: list[tuple] = []

    def refine(self, image: np.ndarray, keypoints: np.ndarray) -> Landmarks:
        return _reading(keypoints, self.flag)

    def search(self, image, box, turns):  # noqa: ANN001, ANN201 - the UprightEstimator's signature
        self.searches.append((box, turns))
        return type("Search", (), {"best": self.searched})()


def test_a_body_read_unsurely_is_read_again_from_another_turn() -> None:
    box = (50.0, 60.0, 150.0, 260.0)
    detector = Detector({0: _stick(box, 0.2), 180: _stick(box, 0.95)})
    person = find_person(np.zeros((HEIGHT, WIDTH, 3), np.uint8), detector, Upright(_reading(_stick(box, 0.1), 0.2)))
    assert person is not None
    assert person.score > 0.9
    assert detector.turns_seen == [0, 90, 180]  # a sure reading ends the turns


def test_a_body_read_surely_is_not_read_again() -> None:
    box = (50.0, 60.0, 150.0, 260.0)
    detector = Detector({0: _stick(box, 0.9), 90: _stick(box, 0.99)})
    upright = Upright()
    person = find_person(np.zeros((HEIGHT, WIDTH, 3), np.uint8), detector, upright)
    assert person.score == pytest.approx(0.9)
    assert detector.turns_seen == [0] and upright.searches == []


def test_when_every_reading_is_unsure_the_whole_image_is_searched() -> None:
    weak = _stick((10.0, 10.0, 60.0, 90.0), 0.3)
    sure = _reading(_stick((40.0, 50.0, 170.0, 280.0), 0.9), flag=0.95)
    upright = Upright(sure)
    person = find_person(np.zeros((HEIGHT, WIDTH, 3), np.uint8), Detector({0: weak}), upright)
    assert [s[1] for s in upright.searches] == [CHECK_TURNS]
    assert upright.searches[0][0] == (0.0, 0.0, float(WIDTH), float(HEIGHT))
    assert person.score == pytest.approx(sure.score)


def test_nobody_when_neither_the_detector_nor_the_search_finds_a_person() -> None:
    nobody = _reading(_stick((10.0, 10.0, 60.0, 90.0), 0.3), flag=0.1)
    assert find_person(np.zeros((HEIGHT, WIDTH, 3), np.uint8), Detector({}), Upright(nobody)) is None


def test_a_detection_the_landmark_network_says_is_nobody_is_dropped() -> None:
    logo = _stick((150.0, 10.0, 190.0, 40.0), 0.9)
    nobody = _reading(_stick((10.0, 10.0, 60.0, 90.0), 0.3), flag=0.1)
    upright = Upright(nobody, flag=0.2)
    assert find_person(np.zeros((HEIGHT, WIDTH, 3), np.uint8), Detector({0: logo}), upright) is None
    assert len(upright.searches) == 1


def test_people_already_found_on_the_image_as_it_is_are_not_looked_for_again() -> None:
    box = (50.0, 60.0, 150.0, 260.0)
    detector = Detector({90: _stick(box, 0.95)}, skip_upright=True)
    known = [PersonPose(_stick(box, 0.2).astype(np.float32), box, 0.9, "mp33")]
    person = find_person(np.zeros((HEIGHT, WIDTH, 3), np.uint8), detector, Upright(), upright_people=known)
    assert person.score > 0.9
    assert detector.turns_seen == [90]
