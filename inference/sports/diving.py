"""Diving rules: dive numbers, judged totals, the award scale (METHODS §5).

Dive numbers (FINA/World Aquatics):
  groups 1-4: ``G F S P``   G direction group (1 forward, 2 back, 3 reverse, 4 inward),
                            F 0 or 1 (flying), S half somersaults, P position
  group 5:    ``5 D S T P`` twisting: D direction group 1-4, S half somersaults, T half twists
  group 6:    ``6 D S P`` or ``6 D S T P`` armstand: D direction (1 forward, 2 back, 3 reverse),
                            S half somersaults, T half twists when the dive twists
Positions: A straight, B pike, C tuck, D free (twisting dives only).

Totals: sum of the counted marks × degree of difficulty (× 0.6 in synchro), to 2 decimals.
Arithmetic is exact (marks are half points) and rounded half up, as result systems print it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

GROUPS = {1: "forward", 2: "back", 3: "reverse", 4: "inward", 5: "twisting", 6: "armstand"}
DIRECTIONS = {1: "forward", 2: "back", 3: "reverse", 4: "inward"}
ARMSTAND_DIRECTIONS = {1: "forward", 2: "back", 3: "reverse"}
POSITIONS = {"A": "straight", "B": "pike", "C": "tuck", "D": "free"}
SYNCHRO_FACTOR = Decimal("0.6")

_SHAPE = re.compile(r"^(\d{3,4})([A-Za-z]?)$")


@dataclass(frozen=True)
class DiveNumber:
    code: str                        # normalised, e.g. "5253B"
    group: int                       # 1..6
    group_name: str                  # "forward" ... "armstand"
    half_somersaults: int
    half_twists: int                 # 0 for non-twisting dives
    position: str                    # "A".."D"
    position_name: str               # "straight", "pike", "tuck", "free"
    armstand_direction: str | None   # group 6 only
    flying: bool                     # groups 1-4 with a middle digit 1
    direction: str                   # the rotation direction: forward/back/reverse/inward

    @property
    def description(self) -> str:
        """Short words for a label, e.g. "inward, 3½ somersaults, tuck"."""
        return _words(self, with_group=False)


def _halves(n: int, unit: str) -> str:
    whole, half = divmod(n, 2)
    if whole == 0:
        return f"½ {unit}"
    amount = f"{whole}½" if half else str(whole)
    return f"{amount} {unit}" + ("" if amount == "1" else "s")


def _words(dive: DiveNumber, *, with_group: bool) -> str:
    group = " group" if with_group else ""
    if dive.group == 5:
        what = f"twisting{group} ({dive.direction})"
    elif dive.group == 6:
        what = f"armstand {dive.direction}{group}"
    else:
        what = ("flying " if dive.flying else "") + dive.direction + group
    parts = [what, _halves(dive.half_somersaults, "somersault")]
    if dive.half_twists:
        parts.append(_halves(dive.half_twists, "twist"))
    parts.append(dive.position_name)
    return ", ".join(parts)


def parse_dive_number(code: str) -> DiveNumber:
    """Parse a dive number such as "407C" or "5253b"; ValueError says what is wrong."""
    text = str(code).strip().upper()
    if not text:
        raise ValueError("A dive number is empty; write e.g. 407C (group, somersaults, position).")
    match = _SHAPE.match(text)
    if match is None:
        raise ValueError(
            f"Dive number {code!r} is not 3 or 4 digits followed by a position letter, e.g. 407C or 5253B.")
    digits, position = match.group(1), match.group(2)
    if not position:
        raise ValueError(f"Dive number {code!r} has no position letter: add A straight, B pike, C tuck or D free.")
    group = int(digits[0])
    if group not in GROUPS:
        raise ValueError(
            f"Dive number {code!r}: group {group} is unknown; groups are 1 forward, 2 back, 3 reverse, "
            "4 inward, 5 twisting, 6 armstand.")
    if position not in POSITIONS:
        raise ValueError(
            f"Dive number {code!r}: position {position} is unknown; use A straight, B pike, C tuck or D free.")
    second = int(digits[1])
    somersaults = int(digits[2])
    twists = int(digits[3]) if len(digits) == 4 else 0
    flying, armstand = False, None
    if group <= 4:
        if len(digits) == 4:
            raise ValueError(
                f"Dive number {code!r}: a group {group} ({GROUPS[group]}) dive has 3 digits; twisting dives start with 5.")
        if second not in (0, 1):
            raise ValueError(
                f"Dive number {code!r}: the second digit of a group {group} dive is 0, or 1 for a flying dive.")
        flying, direction = second == 1, GROUPS[group]
    elif group == 5:
        if len(digits) == 3:
            raise ValueError(
                f"Dive number {code!r}: a twisting dive has 4 digits (5, direction, half somersaults, "
                "half twists), e.g. 5253B.")
        if second not in DIRECTIONS:
            raise ValueError(
                f"Dive number {code!r}: the second digit of a twisting dive is its direction group 1-4 "
                "(forward, back, reverse, inward).")
        direction = DIRECTIONS[second]
        if twists == 0:
            raise ValueError(f"Dive number {code!r}: a twisting dive needs at least a half twist (last digit 1-9).")
    else:
        if second not in ARMSTAND_DIRECTIONS:
            raise ValueError(
                f"Dive number {code!r}: the second digit of an armstand dive is its direction "
                "1 forward, 2 back or 3 reverse.")
        direction = armstand = ARMSTAND_DIRECTIONS[second]
        if len(digits) == 4 and twists == 0:
            raise ValueError(f"Dive number {code!r}: a 4-digit armstand dive twists; its last digit is 1-9.")
    if somersaults == 0:
        raise ValueError(f"Dive number {code!r}: a dive has at least a half somersault (that digit is 1-9).")
    if position == "D" and twists == 0:
        raise ValueError(
            f"Dive number {code!r}: position D (free) is only for twisting dives; use A, B or C.")
    return DiveNumber(text, group, GROUPS[group], somersaults, twists, position, POSITIONS[position],
                      armstand, flying, direction)


def explain_dive(code: str) -> str:
    """E.g. "407C: inward group, 3½ somersaults, tuck". Raises ValueError for an invalid code."""
    dive = parse_dive_number(code)
    return f"{dive.code}: {_words(dive, with_group=True)}"


# --- judging -------------------------------------------------------------------------------

@dataclass(frozen=True)
class JudgedScore:
    total: float                          # to 2 decimals
    counted_marks: tuple[float, ...]
    dropped_marks: tuple[float, ...]
    rule: str                             # the rule applied, in words


@dataclass(frozen=True)
class RuleCheck:
    ok: bool
    expected: float | None                # None when the marks themselves are invalid
    message: str


def check_mark(mark: float) -> Decimal:
    """A judge mark as an exact Decimal; ValueError unless 0..10 in half points."""
    if isinstance(mark, bool) or not isinstance(mark, (int, float, Decimal)) \
            or not math.isfinite(float(mark)):
        raise ValueError(f"A judge mark must be a number, not {mark!r}.")
    value = Decimal(str(mark))
    if not 0 <= value <= 10 or (value * 2) % 1 != 0:
        raise ValueError(f"A judge mark is 0 to 10 in half points (e.g. 7.5); {mark!r} is not.")
    return value


def _difficulty(difficulty: float) -> Decimal:
    if isinstance(difficulty, bool) or not isinstance(difficulty, (int, float, Decimal)) \
            or not math.isfinite(float(difficulty)) or float(difficulty) <= 0:
        raise ValueError(f"The degree of difficulty must be a positive number, not {difficulty!r}.")
    return Decimal(str(difficulty))


def _middle(marks: list[Decimal], drop: int) -> tuple[list[Decimal], list[Decimal]]:
    ordered = sorted(marks)
    return ordered[drop:len(ordered) - drop], ordered[:drop] + ordered[len(ordered) - drop:]


def judged_score(marks: Sequence[float], difficulty: float, synchro: bool = False) -> JudgedScore:
    """The total of a dive from its judges' marks (METHODS §5).

    Individual: 7 judges drop the 2 highest and 2 lowest, 5 judges drop 1 and 1; the middle 3
    are summed × DD. Synchro, 11 judges in the order [3 execution diver A, 3 execution diver B,
    5 synchronisation]: the median execution mark of each diver and the middle 3 synchronisation
    marks, summed × DD × 0.6.
    Data sets that keep only the counted marks (FineDiving: 3 individual, 5 synchro) are accepted
    too: all of them count. Other counts, bad marks or DD raise ValueError.
    """
    values = [check_mark(m) for m in marks]
    dd = _difficulty(difficulty)
    n = len(values)
    factor = Decimal(1)
    if synchro:
        factor = SYNCHRO_FACTOR
        if n == 11:
            a, a_out = _middle(values[0:3], 1)
            b, b_out = _middle(values[3:6], 1)
            s, s_out = _middle(values[6:11], 1)
            counted, dropped = a + b + s, a_out + b_out + s_out
            rule = ("synchro, 11 judges: median execution mark of each diver + middle 3 of 5 "
                    f"synchronisation marks, × DD {dd} × 0.6")
        elif n == 5:
            counted, dropped = values, []
            rule = f"synchro, the 5 counted marks only: sum × DD {dd} × 0.6"
        else:
            raise ValueError(
                f"Synchro dives have 11 judges (3 + 3 execution, 5 synchronisation), or 5 counted marks; "
                f"got {n} marks.")
    elif n == 7:
        counted, dropped = _middle(values, 2)
        rule = f"7 judges: drop the 2 highest and 2 lowest, sum the middle 3 × DD {dd}"
    elif n == 5:
        counted, dropped = _middle(values, 1)
        rule = f"5 judges: drop the highest and the lowest, sum the middle 3 × DD {dd}"
    elif n == 3:
        counted, dropped = values, []
        rule = f"the 3 counted marks only: sum × DD {dd}"
    else:
        hint = " (11 marks: is it a synchro dive?)" if n == 11 else ""
        raise ValueError(f"A dive is judged by 5 or 7 judges (or 3 counted marks); got {n} marks{hint}.")
    total = (sum(counted, Decimal(0)) * dd * factor).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return JudgedScore(float(total), tuple(float(m) for m in counted), tuple(float(m) for m in dropped), rule)


def check_score(marks: Sequence[float], difficulty: float, score: float, tol: float = 0.01,
                synchro: bool = False) -> RuleCheck:
    """Does `score` follow from the marks and DD? Never raises: bad input is a failed check."""
    try:
        expected = judged_score(marks, difficulty, synchro).total
    except ValueError as exc:
        return RuleCheck(False, None, str(exc))
    try:
        given = float(score)
    except (TypeError, ValueError):
        return RuleCheck(False, expected, f"The score {score!r} is not a number; the marks give {expected:.2f}.")
    if not math.isfinite(given) or abs(given - expected) > tol + 1e-9:
        return RuleCheck(False, expected, f"The score {score} disagrees with the marks: they give {expected:.2f}.")
    return RuleCheck(True, expected, f"The score {given:.2f} agrees with the marks.")


AWARDS = ((10.0, "excellent"), (8.5, "very good"), (7.0, "good"), (5.0, "satisfactory"),
          (2.5, "deficient"), (0.5, "unsatisfactory"), (0.0, "failed"))


def award_band(mark: float) -> str:
    """The award scale word of one judge mark: 10 excellent, 8½-9½ very good, 7-8 good,
    5-6½ satisfactory, 2½-4½ deficient, ½-2 unsatisfactory, 0 failed."""
    value = float(check_mark(mark))
    return next(word for low, word in AWARDS if value >= low)
