"""Diving rules: dive numbers, judged totals (METHODS §5), award scale."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inference.sports.diving import (
    award_band,
    check_score,
    explain_dive,
    judged_score,
    parse_dive_number,
)

marks_st = st.integers(0, 20).map(lambda h: h / 2)
dd_st = st.integers(10, 48).map(lambda t: t / 10)


# --- dive numbers --------------------------------------------------------------------------

def test_parse_inward_tuck():
    dive = parse_dive_number("407C")
    assert (dive.group, dive.group_name, dive.half_somersaults, dive.half_twists) == (4, "inward", 7, 0)
    assert (dive.position, dive.position_name, dive.flying, dive.armstand_direction) == ("C", "tuck", False, None)
    assert explain_dive("407C") == "407C: inward group, 3½ somersaults, tuck"
    assert dive.description == "inward, 3½ somersaults, tuck"


def test_parse_lower_case_and_spaces():
    assert parse_dive_number(" 109c ").code == "109C"


@pytest.mark.parametrize("code, words", [
    ("5253B", "5253B: twisting group (back), 2½ somersaults, 1½ twists, pike"),
    ("5132D", "5132D: twisting group (forward), 1½ somersaults, 1 twist, free"),
    ("6243D", "6243D: armstand back group, 2 somersaults, 1½ twists, free"),
    ("612B", "612B: armstand forward group, 1 somersault, pike"),
    ("112C", "112C: flying forward group, 1 somersault, tuck"),
    ("301B", "301B: reverse group, ½ somersault, pike"),
    ("201A", "201A: back group, ½ somersault, straight"),
])
def test_explain(code, words):
    assert explain_dive(code) == words


def test_twisting_and_armstand_fields():
    twist = parse_dive_number("5337D")
    assert (twist.group, twist.direction, twist.half_somersaults, twist.half_twists) == (5, "reverse", 3, 7)
    arm = parse_dive_number("6142D")
    assert (arm.armstand_direction, arm.half_somersaults, arm.half_twists) == ("forward", 4, 2)
    assert parse_dive_number("626C").armstand_direction == "back"
    assert parse_dive_number("112C").flying


@pytest.mark.parametrize("code, reason", [
    ("999Z", "group 9 is unknown"),
    ("407Z", "position Z is unknown"),
    ("407", "no position letter"),
    ("507C", "twisting dive has 4 digits"),
    ("5250B", "at least a half twist"),
    ("405D", "only for twisting dives"),
    ("4071C", "has 3 digits"),
    ("427C", "0, or 1 for a flying dive"),
    ("5653B", "direction group 1-4"),
    ("6441B", "1 forward, 2 back or 3 reverse"),
    ("6240B", "4-digit armstand dive twists"),
    ("400C", "at least a half somersault"),
    ("612", "no position letter"),
    ("", "empty"),
    ("hello", "3 or 4 digits"),
])
def test_invalid_dive_numbers_say_why(code, reason):
    with pytest.raises(ValueError, match=reason):
        parse_dive_number(code)


def test_all_finediving_codes_parse():
    codes = ("101b 103b 105b 107b 107c 109b 109c 201a 201b 201c 205b 205c 207b 207c 301b 303c 305b "
             "305c 307c 401b 403b 405b 405c 407b 407c 409c 5132d 5152b 5154b 5156b 5172b 5231d 5233d "
             "5235d 5237d 5251b 5253b 5255b 5331d 5335d 5337d 5353b 5355b 612b 6142d 614b 6241b 6243d "
             "6245d 626b 626c 636c").split()
    for code in codes:
        dive = parse_dive_number(code)
        digits, position = code[:-1], code[-1].upper()
        assert (dive.code, dive.group, dive.position) == (code.upper(), int(digits[0]), position), code
        if len(digits) == 3 and digits[0] != "6":
            # group, flying (0/1), half somersaults
            assert (dive.flying, dive.half_somersaults, dive.half_twists) == (digits[1] == "1", int(digits[2]), 0), code
        else:
            # twisting and armstand: group, direction, half somersaults[, half twists]
            assert dive.half_somersaults == int(digits[2]), code
            assert dive.half_twists == (int(digits[3]) if len(digits) == 4 else 0), code


# --- judged totals -------------------------------------------------------------------------

def test_seven_judges_hand_computed():
    # sorted 7.5 7.5 | 8 8 8 | 8 8.5 -> 24 × 3.2 = 76.8
    result = judged_score([7.5, 8, 8, 7.5, 8, 8.5, 8], 3.2)
    assert result.total == 76.8
    assert sorted(result.counted_marks) == [8, 8, 8]
    assert sorted(result.dropped_marks) == [7.5, 7.5, 8, 8.5]
    assert "7 judges" in result.rule


def test_five_judges_hand_computed():
    # sorted 6 | 6.5 7 7 | 9 -> 20.5 × 2.9 = 59.45
    result = judged_score([7, 9, 6.5, 6, 7], 2.9)
    assert result.total == 59.45
    assert sorted(result.dropped_marks) == [6, 9]


def test_synchro_eleven_judges_hand_computed():
    # diver A 7.5 8 8 -> 8; diver B 8 8.5 7 -> 8; sync 8 8.5 8 9 7.5 -> 8 8 8.5
    # (8 + 8 + 24.5) × 3.3 × 0.6 = 40.5 × 1.98 = 80.19
    result = judged_score([7.5, 8, 8, 8, 8.5, 7, 8, 8.5, 8, 9, 7.5], 3.3, synchro=True)
    assert result.total == 80.19
    assert len(result.counted_marks) == 5 and len(result.dropped_marks) == 6


def test_synchro_counts_each_divers_median_not_overall_middle():
    # Diver A all 10, diver B all 0: medians 10 and 0, not the middle of six.
    result = judged_score([10, 10, 10, 0, 0, 0, 5, 5, 5, 5, 5], 2.0, synchro=True)
    assert result.total == round((10 + 0 + 15) * 2.0 * 0.6, 2) == 30.0


def test_rounding_to_two_decimals_is_exact():
    # 3 × 6.5 = 19.5 × 3.7 = 72.15 (binary floats give 72.149999...)
    assert judged_score([6.5, 6.5, 6.5, 6.5, 6.5], 3.7).total == 72.15
    # synchro: 37.5 × 3.1 × 0.6 = 69.75
    assert judged_score([7.5] * 11, 3.1, synchro=True).total == 69.75
    # FineDiving keeps only the counted marks: 4.5 × 3 × 3.7 = 49.95
    assert judged_score([4.5, 4.5, 4.5], 3.7).total == 49.95
    # synchro counted marks from FineDiving: 41 × 3.3 × 0.6 = 81.18
    assert judged_score([7.5, 9.0, 8.0, 8.0, 8.5], 3.3, synchro=True).total == 81.18


@pytest.mark.parametrize("marks, synchro, reason", [
    ([8] * 6, False, "5 or 7 judges"),
    ([8] * 11, False, "synchro"),
    ([8] * 7, True, "11 judges"),
    ([8, 8, 8, 8, 10.5], False, "0 to 10 in half points"),
    ([8, 8, 8, 8, 7.3], False, "7.3"),
    ([8, 8, 8, 8, -1], False, "-1"),
    ([8, 8, 8, 8, "8"], False, "must be a number"),
    ([8, 8, 8, 8, float("nan")], False, "must be a number"),
])
def test_invalid_marks_refused(marks, synchro, reason):
    with pytest.raises(ValueError, match=reason):
        judged_score(marks, 3.0, synchro)


@pytest.mark.parametrize("dd", [0, -1.5, float("inf"), None])
def test_invalid_difficulty_refused(dd):
    with pytest.raises(ValueError, match="difficulty"):
        judged_score([8] * 5, dd)


@settings(max_examples=60, deadline=None)
@given(st.lists(marks_st, min_size=7, max_size=7), dd_st, st.randoms(use_true_random=False))
def test_total_invariant_to_mark_order(marks, dd, rnd):
    shuffled = list(marks)
    rnd.shuffle(shuffled)
    assert judged_score(marks, dd).total == judged_score(shuffled, dd).total


@settings(max_examples=60, deadline=None)
@given(st.sampled_from([5, 7]).flatmap(lambda n: st.lists(marks_st, min_size=n, max_size=n)), dd_st)
def test_dropping_rule(marks, dd):
    result = judged_score(marks, dd)
    drop = 1 if len(marks) == 5 else 2
    ordered = sorted(marks)
    assert sorted(result.counted_marks) == ordered[drop:-drop]
    assert sorted(result.counted_marks + result.dropped_marks) == ordered
    assert len(result.counted_marks) == 3
    # every counted mark lies between the dropped low and high marks
    assert max(ordered[:drop]) <= min(result.counted_marks) <= max(result.counted_marks) <= min(ordered[-drop:])
    assert result.total == pytest.approx(round(sum(ordered[drop:-drop]) * dd, 2), abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.lists(marks_st, min_size=11, max_size=11), dd_st, st.randoms(use_true_random=False))
def test_synchro_invariant_to_order_within_each_panel(marks, dd, rnd):
    a, b, s = marks[:3], marks[3:6], marks[6:]
    for panel in (a, b, s):
        rnd.shuffle(panel)
    assert judged_score(marks, dd, synchro=True).total == judged_score(a + b + s, dd, synchro=True).total
    # raising any single mark never lowers the total
    bumped = list(marks)
    i = rnd.randrange(11)
    bumped[i] = min(10.0, bumped[i] + 0.5)
    assert judged_score(bumped, dd, synchro=True).total >= judged_score(marks, dd, synchro=True).total


# --- score checks (label QA) ---------------------------------------------------------------

def test_check_score_agrees_and_disagrees():
    ok = check_score([7.5, 8, 8, 7.5, 8, 8.5, 8], 3.2, 76.8)
    assert ok.ok and ok.expected == 76.8
    wrong = check_score([8.5, 9.0, 9.0, 8.5, 8.5, 8.5, 9.0], 3.4, 85.8)  # FineDiving ('01', 137)
    assert not wrong.ok and wrong.expected == 88.4 and "88.40" in wrong.message
    assert check_score([7.5, 8, 8, 7.5, 8, 8.5, 8], 3.2, 76.805).ok  # within tol


def test_check_score_reports_bad_marks_without_raising():
    typo = check_score([55.5, 5.0, 6.0], 3.0, 51.0)  # FineDiving typo
    assert not typo.ok and typo.expected is None and "55.5" in typo.message
    assert not check_score([8] * 7, 3.0, "abc").ok


# --- award scale ---------------------------------------------------------------------------

@pytest.mark.parametrize("mark, word", [
    (10, "excellent"), (9.5, "very good"), (8.5, "very good"), (8, "good"), (7, "good"),
    (6.5, "satisfactory"), (5, "satisfactory"), (4.5, "deficient"), (2.5, "deficient"),
    (2, "unsatisfactory"), (0.5, "unsatisfactory"), (0, "failed"),
])
def test_award_band(mark, word):
    assert award_band(mark) == word


def test_award_band_refuses_non_marks():
    with pytest.raises(ValueError):
        award_band(7.3)
