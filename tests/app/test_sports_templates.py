"""Sport templates: the shipped files load; bad files and unknown sports say what to fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.edits.validation import check_stages
from app.sports_templates import SportTemplate, SportTemplateError, available_sports, load_sport


def test_diving_has_the_three_stages_of_methods():
    diving = load_sport("diving")
    assert diving == SportTemplate("diving", ("take-off", "flight", "entry"), diving.colors)
    assert len(set(diving.colors)) == 3 and all(c.startswith("#") and len(c) == 7 for c in diving.colors)


def test_every_shipped_template_loads_and_fits_the_stage_check():
    sports = available_sports()
    assert "diving" in sports and len(sports) >= 2
    for sport in sports:
        template = load_sport(sport)
        assert len(template.stage_names) == len(template.colors)
        k = len(template.stage_names)
        check_stages(list(template.stage_names), list(range(1, k)), k + 1)


def test_unknown_sport_lists_the_known_ones():
    with pytest.raises(SportTemplateError, match=r"curling.*known sports: .*diving"):
        load_sport("curling")
    with pytest.raises(SportTemplateError, match="No template"):
        load_sport("../diving")


def write(folder: Path, name: str, document) -> Path:
    path = folder / f"{name}.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


@pytest.mark.parametrize("document, problem", [
    ("{not json", "cannot be read as JSON"),
    ([1, 2], "one JSON object"),
    ({"sport": "other", "stages": [{"name": "a", "color": "#000000"}]}, "file name without .json"),
    ({"sport": "bad", "stages": []}, "non-empty list"),
    ({"sport": "bad", "stages": ["a"]}, "stage 1 must be an object"),
    ({"sport": "bad", "stages": [{"name": " ", "color": "#000000"}]}, "stage 1 needs a non-empty name"),
    ({"sport": "bad", "stages": [{"name": "a", "color": "red"}]}, "needs a color"),
    ({"sport": "bad", "stages": [{"name": "a", "color": "#000000"}, {"name": "a", "color": "#111111"}]},
     "appears twice"),
])
def test_malformed_templates_name_the_file_and_the_problem(tmp_path, document, problem):
    path = write(tmp_path, "bad", document)
    with pytest.raises(SportTemplateError) as caught:
        load_sport("bad", folder=tmp_path)
    assert str(path) in str(caught.value) and problem in str(caught.value)


def test_a_template_in_another_folder(tmp_path):
    write(tmp_path, "running_stride", {"sport": "running_stride", "stages": [
        {"name": "stance", "color": "#e69f00"}, {"name": "swing", "color": "#56B4E9"}]})
    assert available_sports(tmp_path) == ["running_stride"]
    assert load_sport("running_stride", tmp_path).colors == ("#E69F00", "#56B4E9")
    assert available_sports(tmp_path / "missing") == []
