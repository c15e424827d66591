"""Which reading of a still the person finder keeps, with the detector and the landmark network
replaced by scripted answers: the choice between readings is what is tested here (the real
networks are exercised in test_upright.py)."""

from __future__ import annotations

import numpy as np
import pytest

from inference.pose.base import PersonPose
from inference.pose.blazepose import Landmarks, Region
from inference.pose.base import square_tiles
from inference.pose.still import CHECK_TURNS, KEPT_PASSES, MIN_PERSON_FLAG, STILL_PASSES, find_person, turn_points

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
    """Finds the same body at some quarter turns (given in the unturned image's pixels). In a
    window of the image (a square smaller than it), it finds the white patch, the way a body
    too small for the whole image is found once magnified, at the turns that show it upright."""

    name = "scripted"

    def __init__(self, found_at: dict[int, np.ndarray], skip_upright: bool = False,
                 window_confidence: float = 0.9) -> None:
        self.found_at = found_at
        self.skip_upright = skip_upright  # the image as it is will not be asked about
        self.window_confidence = window_confidence
        self.turns_seen: list[int] = []
        self.window_calls = 0

    def detect(self, image: np.ndarray) -> list[PersonPose]:
        if image.shape[:2] not in ((HEIGHT, WIDTH), (WIDTH, HEIGHT)):
            return self._in_window(image)
        degrees = {(HEIGHT, WIDTH): (0, 180), (WIDTH, HEIGHT): (90, 270)}[image.shape[:2]]
        degrees = next(d for d in degrees if d not in self.turns_seen and not (d == 0 and self.skip_upright))
        self.turns_seen.append(degrees)
        if degrees not in self.found_at:
            return []
        kp = self.found_at[degrees].copy()
        kp[:, :2] = turn_points(kp[:, :2], degrees, WIDTH, HEIGHT)
        return [PersonPose(kp.astype(np.float32), (0, 0, 1, 1), 0.9, "mp33")]

    def _in_window(self, image: np.ndarray) -> list[PersonPose]:
        self.window_calls += 1
        ys, xs = np.nonzero(image[..., 0] == 255)
        if len(xs) == 0 or np.ptp(xs) > np.ptp(ys):  # absent, or lying on its side at this turn
            return []
        box = (float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1))
        return [PersonPose(_stick(box, self.window_confidence).astype(np.float32), box, 0.9, "mp33")]


class Upright:
    """Reads a body as confidently as the detector's keypoints say, with the network's person
    flag `flag`; the whole-image search answers `searched`."""

    reader = None  # no accurate network installed (see ReadingUpright)

    def __init__(self, searched: Landmarks | None = None, flag: float = 1.0) -> None:
        self.searched, self.flag = searched, flag
        self.searches: list[tuple] = []
        self.passes_asked: list[int | None] = []
        self.settled: list[tuple[Landmarks, int]] = []
        self.read_asked: list[tuple[Landmarks, float]] = []

    def refine(self, image: np.ndarray, keypoints: np.ndarray, passes: int | None = None) -> Landmarks:
        self.passes_asked.append(passes)
        return _reading(keypoints, self.flag)

    def search(self, image, box, turns):  # noqa: ANN001, ANN201 - the UprightEstimator's signature
        self.searches.append((box, turns))
        return type("Search", (), {"best": self.searched})()

    def settle(self, image: np.ndarray, result: Landmarks, passes: int) -> Landmarks:
        self.settled.append((result, passes))
        return result

    def read(self, image: np.ndarray, found: Landmarks, min_flag: float) -> Landmarks:
        self.read_asked.append((found, min_flag))
        return found


class ReadingUpright(Upright):
    """Upright with an accurate network installed, whose person flag on a reading is
    `reader_flag(reading)`."""

    reader = "accurate"

    def __init__(self, reader_flag) -> None:  # noqa: ANN001 - Landmarks -> float
        super().__init__()
        self.reader_flag = reader_flag
        self.read_each_asked: list[list[Landmarks]] = []

    def read_each(self, image: np.ndarray, found: list[Landmarks]) -> list[Landmarks]:
        self.read_each_asked.append(list(found))
        return [Landmarks(f.points, f.hip, f.axis, self.reader_flag(f), f.region) for f in found]


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
    assert upright.passes_asked == [STILL_PASSES]


def test_only_the_body_kept_is_settled_again_and_read() -> None:
    near, far = (20.0, 20.0, 190.0, 290.0), (10.0, 10.0, 40.0, 50.0)
    detector = Detector({0: _stick(far, 0.6), 90: _stick(near, 0.7)})
    upright = Upright()
    person = find_person(np.zeros((HEIGHT, WIDTH, 3), np.uint8), detector, upright)
    assert person.keypoints[:, :2].min(axis=0) == pytest.approx((20.0, 20.0))  # the larger body
    assert len(upright.passes_asked) >= 2  # both bodies were refined ...
    assert len(upright.settled) == 1 and upright.settled[0][1] == KEPT_PASSES  # ... one kept
    assert upright.read_asked == [(upright.settled[0][0], MIN_PERSON_FLAG)]


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


def test_a_body_too_small_for_the_whole_image_is_found_in_a_window() -> None:
    image = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    image[220:250, 120:135] = 255  # the small body: nobody at any turn of the whole image
    detector = Detector({}, window_confidence=0.95)
    person = find_person(image, detector, Upright())
    assert person is not None and person.score == pytest.approx(0.95)
    x1, y1, x2, y2 = person.bbox
    assert ((x1 + x2) / 2, (y1 + y2) / 2) == pytest.approx((127.5, 235.0), abs=0.5)  # in the image's pixels
    assert x1 <= 120 and y1 <= 220 and x2 >= 135 and y2 >= 250
    assert detector.turns_seen == [0, 90, 180, 270]


def test_windows_are_not_searched_when_the_whole_image_gives_a_sure_body() -> None:
    image = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    image[220:250, 120:135] = 255
    detector = Detector({0: _stick((20.0, 20.0, 180.0, 280.0), 0.9)})
    find_person(image, detector, Upright())
    assert detector.window_calls == 0


def test_windows_are_not_searched_for_a_body_more_likely_than_not() -> None:
    image = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    image[220:250, 120:135] = 255
    detector = Detector({0: _stick((20.0, 20.0, 180.0, 280.0), 0.6)})
    assert find_person(image, detector, Upright()).score == pytest.approx(0.6)
    assert detector.window_calls == 0


@pytest.mark.parametrize(("width", "height"), [(455, 256), (200, 300), (1920, 1080), (256, 1000)])
def test_square_tiles_cover_the_image_with_overlapping_squares(width: int, height: int) -> None:
    tiles = square_tiles(width, height)
    side = min(width, height)
    assert len(tiles) >= 2 and all(w == h == side for _, _, w, h in tiles)
    covered = np.zeros((height, width), bool)
    for x, y, w, h in tiles:
        assert 0 <= x and 0 <= y and x + w <= width and y + h <= height
        covered[y:y + h, x:x + w] = True
    assert covered.all()
    starts = [x + y for x, y, _, _ in tiles]  # along the long side
    assert all(b - a <= 0.9 * side + 1 for a, b in zip(starts, starts[1:]))


def test_an_image_close_to_square_has_no_tiles() -> None:
    assert square_tiles(300, 300) == () and square_tiles(420, 300) == ()


def test_the_most_prominent_person_is_the_largest_in_the_picture() -> None:
    # A reading that puts most of a body outside the image has seen little of one in it.
    mostly_outside = _stick((-400.0, -400.0, 100.0, 100.0), 0.6)
    inside = _stick((50.0, 150.0, 190.0, 290.0), 0.6)
    person = find_person(np.zeros((HEIGHT, WIDTH, 3), np.uint8), Detector({0: mostly_outside, 90: inside}), Upright())
    x1, y1, x2, y2 = person.bbox
    assert y1 > 100 and y2 > 250  # the body inside, not the clipped one above it


def _left_edge(reading: Landmarks) -> float:
    return float(reading.points[:, 0].min())


NEAR, FAR = (20.0, 20.0, 190.0, 290.0), (10.0, 10.0, 40.0, 50.0)


def _choose(upright: Upright, far_confidence: float = 0.6, near_confidence: float = 0.7) -> PersonPose:
    """The person found among a small far body and a large near one, read with these confidences."""
    detector = Detector({0: _stick(FAR, far_confidence), 90: _stick(NEAR, near_confidence)})
    return find_person(np.zeros((HEIGHT, WIDTH, 3), np.uint8), detector, upright)


def test_the_accurate_network_chooses_among_people_nearly_as_confident() -> None:
    """The larger body is the fast network's choice; the accurate one says nobody is there (a
    figure in a textured background), so the other person is kept, as the accurate one read it."""
    upright = ReadingUpright(lambda r: 0.0 if _left_edge(r) == NEAR[0] else 1.0)
    assert _choose(upright).keypoints[:, :2].min(axis=0) == pytest.approx(FAR[:2])
    # Both were settled once more and read in one batch; the single read of one body was not used.
    assert len(upright.read_each_asked) == 1 and len(upright.read_each_asked[0]) == 2
    assert [passes for _, passes in upright.settled] == [KEPT_PASSES, KEPT_PASSES] and upright.read_asked == []


def test_people_the_accurate_network_accepts_compete_on_size() -> None:
    assert _choose(ReadingUpright(lambda r: 1.0)).keypoints[:, :2].min(axis=0) == pytest.approx(NEAR[:2])


def test_when_the_accurate_network_accepts_nobody_the_fast_choice_stands() -> None:
    upright = ReadingUpright(lambda r: 0.0)
    assert _choose(upright).keypoints[:, :2].min(axis=0) == pytest.approx(NEAR[:2])
    assert len(upright.read_each_asked) == 1 and upright.read_asked == []


def test_a_lone_contender_the_accurate_network_rejects_gives_way_to_the_next() -> None:
    """The fast network is far surer of the large body than of the small one (only the large
    one contends); the accurate network says nobody is there, so the small one is read next."""
    upright = ReadingUpright(lambda r: 0.0 if _left_edge(r) == NEAR[0] else 1.0)
    assert _choose(upright, far_confidence=0.2, near_confidence=0.9).keypoints[:, :2].min(axis=0) == pytest.approx(FAR[:2])
    assert [len(asked) for asked in upright.read_each_asked] == [1, 1]


def test_a_lone_contender_the_accurate_network_accepts_is_kept_without_reading_the_others() -> None:
    upright = ReadingUpright(lambda r: 1.0)
    assert _choose(upright, far_confidence=0.2, near_confidence=0.9).keypoints[:, :2].min(axis=0) == pytest.approx(NEAR[:2])
    assert [len(asked) for asked in upright.read_each_asked] == [1]
