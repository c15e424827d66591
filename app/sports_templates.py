"""Sport templates: the ordered stage list (and stage colours) of each sport, from JSON files.

Templates live in ``resources/sports/<sport>.json`` at the repository root (packaged with the
app), e.g. ``{"sport": "diving", "stages": [{"name": "take-off", "color": "#E69F00"}, ...]}``.
Colours are ``#RRGGBB``; the shipped ones come from the Okabe-Ito palette, which stays
distinguishable for colour-blind viewers.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from app.errors import PlumbError

SPORTS_DIR = Path(__file__).resolve().parents[1] / "resources" / "sports"
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")


class SportTemplateError(PlumbError):
    """A sport template is missing or malformed; the message names the file."""


@dataclass(frozen=True)
class SportTemplate:
    """sport: the template's name; stage_names and colors ("#RRGGBB"): one per stage, in order."""

    sport: str
    stage_names: tuple[str, ...]
    colors: tuple[str, ...]


def available_sports(folder: Path | None = None) -> list[str]:
    """Names of the sports with a template, sorted."""
    folder = SPORTS_DIR if folder is None else Path(folder)
    return sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []


def load_sport(name: str, folder: Path | None = None) -> SportTemplate:
    """The template of sport ``name`` (the file name without .json).

    Raises SportTemplateError for an unknown sport (listing the known ones) or a file that is
    not a valid template (naming the file and what is wrong).
    """
    folder = SPORTS_DIR if folder is None else Path(folder)
    path = folder / f"{name}.json"
    if not re.fullmatch(r"[A-Za-z0-9_\-]+", str(name)) or not path.is_file():
        known = ", ".join(available_sports(folder)) or "none"
        raise SportTemplateError(
            f"No template for sport {name!r} in {folder}; known sports: {known}. "
            f"Add {name}.json there to define its stages.")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SportTemplateError(f"{path}: cannot be read as JSON ({exc}).") from exc
    return _parse(document, path)


def _parse(document: object, path: Path) -> SportTemplate:
    def fail(problem: str) -> SportTemplateError:
        return SportTemplateError(f"{path}: {problem}. A template reads "
                                  '{"sport": "...", "stages": [{"name": "...", "color": "#RRGGBB"}, ...]}.')

    if not isinstance(document, dict):
        raise fail("the file must hold one JSON object")
    sport = document.get("sport")
    if not isinstance(sport, str) or sport != path.stem:
        raise fail(f'"sport" must be the file name without .json ({path.stem!r}), not {sport!r}')
    stages = document.get("stages")
    if not isinstance(stages, list) or not stages:
        raise fail('"stages" must be a non-empty list')
    names: list[str] = []
    colors: list[str] = []
    for i, stage in enumerate(stages):
        if not isinstance(stage, dict):
            raise fail(f"stage {i + 1} must be an object with a name and a color")
        name, color = stage.get("name"), stage.get("color")
        if not isinstance(name, str) or not name.strip():
            raise fail(f"stage {i + 1} needs a non-empty name")
        if name in names:
            raise fail(f"stage name {name!r} appears twice")
        if not isinstance(color, str) or not _COLOR.match(color):
            raise fail(f"stage {name!r} needs a color like \"#E69F00\", not {color!r}")
        names.append(name)
        colors.append(color.upper())
    return SportTemplate(sport, tuple(names), tuple(colors))
