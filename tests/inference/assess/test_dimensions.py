"""Skill dimensions follow the known quality of generated dives, without any trained model."""

import math
from dataclasses import replace

import numpy as np
import pytest

from inference.assess.dimensions import DIMENSION_WEIGHTS, MEASURES, compute_dimensions, measure_value
from inference.assess.synthetic import synthetic_dive, synthetic_library
from inference.skeletons import MPII16


def _spearman(x, y) -> float:
    rx = np.argsort(np.argsort(x)).astype(float)
    ry = np.argsort(np.argsort(y)).astype(float)
    return float(np.corrcoef(rx, ry)[0, 1])


def _split(count: int, seed: int, action: str, n_refs: int):
    dives = sorted(synthetic_library(count, seed, actions=(action,)), key=lambda d: -d.quality)
    return [d.sample for d in dives[:n_refs]], dives[n_refs:]


@pytest.fixture(scope="module")
def library():
    return _split(40, 3, "105B", 5)


def test_overall_follows_quality(library):
    refs, queries = library
    reports = [compute_dimensions(d.sample, refs) for d in queries]
    quality = [d.quality for d in queries]
    overall = [r.overall for r in reports]
    rho = _spearman(overall, quality)
    print(f"105B, 5 references, {len(queries)} queries: Spearman(overall, quality) = {rho:.3f}")
    assert rho > 0.6
    for report in reports:
        assert [d.name for d in report.dimensions] == list(DIMENSION_WEIGHTS)
        values = np.array([d.value for d in report.dimensions])
        assert ((values >= 0) & (values <= 1)).all()
        weights = np.array([d.weight for d in report.dimensions])
        assert report.overall == pytest.approx(float(values @ weights))
        assert report.references == tuple(r.key for r in refs)


def test_other_action_with_three_references():
    refs, queries = _split(40, 8, "205C", 3)
    overall = [compute_dimensions(d.sample, refs).overall for d in queries]
    rho = _spearman(overall, [d.quality for d in queries])
    print(f"205C, 3 references, {len(queries)} queries: Spearman = {rho:.3f}")
    assert rho > 0.6


def test_each_reference_against_the_others_scores_high(library):
    refs, _ = library
    for ref in refs:
        # The reference itself is in the list: it is skipped, so it meets only the others.
        report = compute_dimensions(ref, refs)
        assert ref.key not in report.references and len(report.references) == len(refs) - 1
        assert report.overall >= 0.6, f"{ref.key}: {report.overall:.2f}"


def test_worst_frames_and_evidence(library):
    refs, queries = library
    poor = min(queries, key=lambda d: d.quality)
    report = compute_dimensions(poor.sample, refs)
    frames = poor.sample.num_frames
    for dim in report.dimensions:
        start, end = dim.worst_frames
        assert 0 <= start <= end < frames
        assert dim.measure in MEASURES and MEASURES[dim.measure].dimension == dim.name
        assert any(ch.isdigit() for ch in dim.evidence) and dim.evidence.startswith(dim.measure)
        assert dim.value < 0.85 and dim.raw > 0  # worse than the median reference on every dimension
    # The poorest dive is under-rotated: completeness says so in degrees.
    words = " ".join(w for _, _, w in report.dimension("completeness").measures)
    assert "°" in words


def test_mirrored_camera_gives_the_same_scores(library):
    refs, queries = library
    sample = queries[3].sample
    kp = sample.keypoints.copy()
    kp[..., 0] = 1280.0 - kp[..., 0]
    other_side = replace(sample, keypoints=kp[:, list(MPII16.flip_indices)])  # seen from the other side
    a, b = compute_dimensions(sample, refs), compute_dimensions(other_side, refs)
    assert b.overall == pytest.approx(a.overall, abs=0.01)


def test_single_and_no_transitions():
    refs, queries = _split(12, 5, "405B", 1)
    good, bad = max(queries, key=lambda d: d.quality), min(queries, key=lambda d: d.quality)
    assert compute_dimensions(good.sample, refs).overall > compute_dimensions(bad.sample, refs).overall
    timed = compute_dimensions(good.sample, refs)
    assert "stage timing" in [m for d in timed.dimensions for m, _, _ in d.measures]
    # References without stages: the stage measures are left out, the rest still works.
    untimed = compute_dimensions(good.sample, refs, reference_transitions=[None])
    assert "stage timing" not in [m for d in untimed.dimensions for m, _, _ in d.measures]
    stripped = compute_dimensions(replace(good.sample, transitions=None), [replace(r, transitions=None) for r in refs])
    assert "stage timing" not in [m for d in stripped.dimensions for m, _, _ in d.measures]
    assert math.isfinite(stripped.overall)


def test_measure_value_mapping():
    scale = MEASURES["pose deviation"]
    refs = [0.10, 0.12, 0.11, 0.13]
    median_value, _ = measure_value(float(np.median(refs)), refs, scale)
    assert median_value == pytest.approx(0.85)
    values = [measure_value(x, refs, scale)[0] for x in (0.05, 0.115, 0.2, 0.4, 2.0)]
    assert values == sorted(values, reverse=True) and values[-1] < 0.01 and values[0] > 0.9
    assert measure_value(scale.median, [], scale)[0] == pytest.approx(0.85)


def test_bad_inputs(library):
    refs, queries = library
    sample = queries[0].sample
    with pytest.raises(ValueError, match="at least 1 reference"):
        compute_dimensions(sample, [])
    with pytest.raises(ValueError, match="at least 1 reference"):
        compute_dimensions(sample, [sample])
    blank = replace(sample, keypoints=np.full_like(sample.keypoints, np.nan))
    with pytest.raises(ValueError, match="hips and the shoulders"):
        compute_dimensions(blank, refs)
    with pytest.raises(ValueError, match=refs[0].key):
        compute_dimensions(sample, [replace(refs[0], key=refs[0].key, keypoints=blank.keypoints[:50])])
    with pytest.raises(ValueError, match="frames"):
        compute_dimensions(replace(sample, keypoints=sample.keypoints[:4]), refs)
    with pytest.raises(ValueError, match="skeleton"):
        compute_dimensions(sample, [replace(refs[0], schema="coco17")])
    with pytest.raises(ValueError, match="reference_transitions"):
        compute_dimensions(sample, refs, reference_transitions=[None])
    with pytest.raises(ValueError, match="transitions"):
        compute_dimensions(sample, refs, transitions=(50, 20))


def test_perfect_dive_is_at_least_as_good_as_the_references(library):
    refs, _ = library
    perfect = synthetic_dive(99, 1.0, "105B").sample
    assert compute_dimensions(perfect, refs).overall >= 0.7


def test_a_clip_that_never_shows_the_legs_is_still_measured():
    """Filmed from the waist up while the references show the whole body."""
    lib = [d.sample for d in synthetic_library(12, 21) if d.sample.action == "105B"]
    legs = [MPII16.index(n) for n in ("r_ankle", "r_knee", "l_knee", "l_ankle")]

    def without_legs(sample):
        kp = sample.keypoints.copy()
        kp[:, legs, :2] = np.nan
        kp[:, legs, 2] = 0.0
        return replace(sample, keypoints=kp)

    # Identical movements: every judged joint angle covers the references' range exactly, so
    # the range-of-motion window must not fall on an angle the clip never shows.
    references = [replace(lib[0], key=f"reference {i}") for i in range(3)]
    query = without_legs(replace(lib[0], key="query"))
    report = compute_dimensions(query, references)
    assert len(report.dimensions) == 5 and 0 <= report.overall <= 1
    assert all(0 <= d.worst_frames[0] <= d.worst_frames[1] < query.num_frames for d in report.dimensions)
