"""Which upright people a wide still's search starts from: the detector's view of the whole
image for large bodies, its view of the square tiles for small ones (a scripted detector)."""

from __future__ import annotations

import numpy as np

from inference.pose.base import PersonPose
from inference.pose.still import upright_people

WIDE = np.zeros((256, 455, 3), np.uint8)  # a broadcast frame: two square tiles of 256


def _person(box: tuple[float, float, float, float]) -> PersonPose:
    return PersonPose(np.zeros((33, 3), np.float32), box, 0.9, "mp33")


class TilingDetector:
    """Answers `whole` for the whole image and `in_tiles` when told to search its tiles."""

    def __init__(self, whole: list[PersonPose], in_tiles: list[PersonPose]) -> None:
        self.whole, self.in_tiles = whole, in_tiles
        self.tiles = False
        self.asked: list[bool] = []

    def detect_still(self, image: np.ndarray) -> list[PersonPose]:
        self.asked.append(self.tiles)
        return list(self.in_tiles if self.tiles else self.whole)

    detect = detect_still


def test_a_large_body_is_taken_as_the_whole_image_shows_it_and_tiles_are_not_searched():
    standing = _person((100, 20, 180, 240))  # 220 px high: most of the frame
    detector = TilingDetector([standing], [_person((100, 20, 180, 130))])
    assert upright_people(WIDE, detector, tiles=True) == [standing]
    assert detector.asked == [False] and detector.tiles is False


def test_a_small_body_is_taken_as_a_tile_shows_it():
    rough, sharp = _person((200, 100, 250, 170)), _person((204, 96, 248, 176))  # a 70 px diver
    detector = TilingDetector([rough], [sharp])
    assert upright_people(WIDE, detector, tiles=True) == [sharp]
    assert detector.asked == [False, True] and detector.tiles is False


def test_tiles_add_bodies_the_whole_image_missed_but_not_parts_of_a_large_one():
    standing, diver = _person((20, 20, 100, 240)), _person((300, 40, 330, 100))
    half_of_standing = _person((20, 20, 100, 120))
    detector = TilingDetector([standing], [half_of_standing, diver])
    detector.whole.append(_person((400, 200, 420, 230)))  # small, and in no tile's answer
    found = upright_people(WIDE, detector, tiles=True)
    assert found[:2] == [standing, diver] and found[2].bbox == (400, 200, 420, 230) and len(found) == 3


def test_nothing_found_in_the_whole_image_searches_the_tiles():
    diver = _person((300, 40, 330, 100))
    assert upright_people(WIDE, TilingDetector([], [diver]), tiles=True) == [diver]


def test_an_image_near_square_or_a_detector_without_tiles_is_left_to_find_person():
    detector = TilingDetector([_person((0, 0, 10, 10))], [])
    assert upright_people(np.zeros((256, 300, 3), np.uint8), detector, tiles=True) is None
    assert upright_people(WIDE, detector, tiles=False) is None
    assert detector.asked == []
