"""Motion energy and splash area on generated frames."""

from __future__ import annotations

import numpy as np
import pytest

from inference.assess.visual_cues import MotionEnergy, Splash, motion_energy, splash_area

H, W = 60, 80
POOL_BLUE = (20, 90, 170)


def blank(count: int, colour=(10, 10, 10)) -> list[np.ndarray]:
    return [np.full((H, W, 3), colour, np.uint8) for _ in range(count)]


def moving_square(count: int, size: int = 10, step: int = 3) -> tuple[list[np.ndarray], np.ndarray]:
    """A white square sliding right on black, and boxes 2 px wider than it on each side."""
    frames, boxes = blank(count), []
    for t, frame in enumerate(frames):
        x, y = 10 + step * t, 20
        frame[y : y + size, x : x + size] = 255
        boxes.append((x - 2, y - 2, x + size + 2, y + size + 2))
    return frames, np.array(boxes, float)


def pool_with_splash(radii: list[int], water_y: int = 30, centre_x: int = 40) -> list[np.ndarray]:
    """A calm frame then one white disc of each radius (0: none) centred on the water line."""
    frames = blank(len(radii) + 1, POOL_BLUE)
    for frame in frames:
        frame[:water_y] = (200, 200, 200)  # bright grey sky and wall above the water
    yy, xx = np.mgrid[:H, :W]
    for frame, radius in zip(frames[1:], radii):
        if radius == 0:
            continue
        disc = (yy - water_y) ** 2 + (xx - centre_x) ** 2 <= radius**2
        frame[disc] = (245, 245, 250)
    return frames


# --- motion energy ---------------------------------------------------------------------


def test_moving_square_is_more_energy_inside_than_around() -> None:
    frames, boxes = moving_square(6)
    energy = motion_energy(frames, boxes)
    assert isinstance(energy, MotionEnergy)
    assert energy.inside.shape == energy.around.shape == (6,)
    assert energy.inside.dtype == energy.around.dtype == np.float32
    assert energy.inside[0] == 0 and energy.around[0] == 0
    assert (energy.inside[1:] > energy.around[1:]).all()
    assert (energy.around[1:] > 0).all()


def test_known_difference_values() -> None:
    frames = blank(2)
    frames[1][10:20, 10:20] = 110  # +100 grey levels in a 10x10 patch
    boxes = np.array([[10, 10, 20, 20]] * 2, float)
    energy = motion_energy(frames, boxes, margin=0.5)
    assert energy.inside[1] == pytest.approx(100.0, abs=0.01)
    assert energy.around[1] == 0  # the ring (20x20 minus the box) did not change
    wide = np.array([[5, 5, 25, 25]] * 2, float)
    assert motion_energy(frames, wide).inside[1] == pytest.approx(25.0, abs=0.01)


def test_static_scene_has_zero_energy() -> None:
    frames, boxes = moving_square(5, step=0)
    energy = motion_energy(frames, boxes)
    np.testing.assert_array_equal(energy.inside, 0)
    np.testing.assert_array_equal(energy.around, 0)


def test_unknown_or_offscreen_box_gives_nan() -> None:
    frames, boxes = moving_square(4)
    boxes[2] = np.nan
    boxes[3] = (W + 10, 0, W + 20, 10)
    energy = motion_energy(frames, boxes)
    assert np.isnan(energy.inside[2]) and np.isnan(energy.around[2])
    assert np.isnan(energy.inside[3])
    assert np.isfinite(energy.inside[:2]).all()


def test_box_filling_the_frame_has_no_ring() -> None:
    frames, _ = moving_square(3)
    energy = motion_energy(frames, np.array([[0, 0, W, H]] * 3, float))
    assert np.isnan(energy.around).all() and (energy.inside[1:] > 0).all()


def test_motion_energy_rejects_bad_input() -> None:
    frames, boxes = moving_square(3)
    with pytest.raises(ValueError, match=r"boxes must have shape \(3, 4\)"):
        motion_energy(frames, boxes[:2])
    with pytest.raises(ValueError, match="uint8 RGB"):
        motion_energy([f.astype(np.float32) for f in frames], boxes)
    with pytest.raises(ValueError, match="uint8 RGB"):
        motion_energy([f[..., 0] for f in frames], boxes)
    with pytest.raises(ValueError, match="share one size"):
        motion_energy([frames[0], frames[1][:-1], frames[2]], boxes)
    with pytest.raises(ValueError, match="frames is empty"):
        motion_energy([], np.zeros((0, 4)))
    with pytest.raises(ValueError, match="x2 < x1"):
        motion_energy(frames, boxes[:, [2, 1, 0, 3]])
    with pytest.raises(ValueError, match="margin"):
        motion_energy(frames, boxes, margin=-1)


# --- splash ----------------------------------------------------------------------------


def test_splash_total_grows_with_blob_size() -> None:
    totals = []
    for scale in (1, 2, 3):
        radii = [0, 2 * scale, 4 * scale, 2 * scale, 0]  # grows, then settles
        splash = splash_area(pool_with_splash(radii), 30, (1, 6))
        assert isinstance(splash, Splash) and splash.frames == (1, 6)
        assert splash.per_frame.shape == (5,) and splash.per_frame.dtype == np.float32
        assert splash.per_frame[0] == 0 and splash.per_frame[2] == splash.per_frame.max() > 0
        totals.append(splash.total)
    assert totals[0] < totals[1] < totals[2]


def test_splash_total_is_the_trapezoid_rule() -> None:
    splash = splash_area(pool_with_splash([3, 6, 9, 4]), 30, (1, 5))
    p = splash.per_frame.astype(float)
    assert splash.total == pytest.approx(p[0] / 2 + p[1] + p[2] + p[3] / 2, rel=1e-6)
    # Share of the water region: the lower half of a disc of radius 9 at the water line.
    yy, xx = np.mgrid[:H, :W]
    disc = ((yy - 30) ** 2 + (xx - 40) ** 2 <= 81) & (yy >= 30)
    assert p[2] == pytest.approx(disc.sum() / ((H - 30) * W), rel=1e-5)


def test_no_splash_is_zero() -> None:
    frames = pool_with_splash([0, 0, 0])
    splash = splash_area(frames, 30, (1, 4))
    np.testing.assert_array_equal(splash.per_frame, 0)
    assert splash.total == 0
    assert splash_area(frames, None, (1, 4)).total == 0


def test_static_white_and_coloured_changes_are_not_splash() -> None:
    frames = pool_with_splash([0, 0, 0])
    for frame in frames:
        frame[40:42] = 250  # a lane rope, there before the entry
    for frame in frames[1:]:
        frame[50:55, 10:30] = (250, 220, 40)  # a yellow cap swimming by: bright, changed, coloured
    assert splash_area(frames, 30, (1, 4)).total == 0


def test_splash_above_the_water_line_does_not_count() -> None:
    frames = pool_with_splash([0, 0, 0])
    for frame in frames[1:]:
        frame[5:15, 30:50] = 255
    frames[0][5:15, 30:50] = 40  # so the white patch is new, above the water
    assert splash_area(frames, 30, (1, 4)).total == 0
    assert splash_area(frames, 5, (1, 4)).total > 0


def test_entry_window_from_boxes_excludes_splashes_elsewhere() -> None:
    frames = pool_with_splash([4, 8, 4], centre_x=15)
    boxes = np.full((4, 4), np.nan)
    boxes[0] = (10, 0, 20, 25)  # the diver entered near x = 15
    near = splash_area(frames, 30, (1, 4), boxes=boxes)
    whole = splash_area(frames, 30, (1, 4))
    assert near.total > whole.total > 0  # same white pixels, a narrower region
    boxes[0] = (60, 0, 64, 25)  # the diver entered far from the splash
    assert splash_area(frames, 30, (1, 4), boxes=boxes).total == 0
    no_box = splash_area(frames, 30, (1, 4), boxes=np.full((4, 4), np.nan))
    assert no_box.total == pytest.approx(whole.total)


def test_splash_rejects_bad_input() -> None:
    frames = pool_with_splash([2, 4])
    with pytest.raises(ValueError, match="entry_range"):
        splash_area(frames, 30, (0, 2))
    with pytest.raises(ValueError, match="entry_range"):
        splash_area(frames, 30, (2, 2))
    with pytest.raises(ValueError, match="entry_range"):
        splash_area(frames, 30, (1, 4))
    with pytest.raises(ValueError, match="water_y"):
        splash_area(frames, H, (1, 3))
    with pytest.raises(ValueError, match=r"boxes must have shape \(3, 4\)"):
        splash_area(frames, 30, (1, 3), boxes=np.zeros((2, 4)))
    with pytest.raises(ValueError, match="uint8 RGB"):
        splash_area([f[..., :2] for f in frames], 30, (1, 3))
