"""Coach report speed: one clip's report (PDF and HTML) against the analysis it is built from.

The clip is a generated 105B drawn as a video (tests/helpers/dive_video.py, scaled to the
size asked) compared with a second generated dive. Printed: the analysis (the baseline,
timed in the same run), then the report from the stored assessment: decoding the key frames
and thumbnails, drawing the charts, writing the file. Target: <= 5 s per report.

Run: .venv/bin/python benchmarks/report.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.assessment.analysis import analyze  # noqa: E402
from app.datasets import project_io  # noqa: E402
from app.exemplars import mark_exemplar  # noqa: E402
from app.project import Project  # noqa: E402
from app.reports.coach_report import write_report  # noqa: E402
from inference.assess.synthetic import synthetic_dive  # noqa: E402
from tests.helpers.assess_project import as_sequence  # noqa: E402
from tests.helpers.dive_video import write_dive_video  # noqa: E402


def median_s(run, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    poor, clean = synthetic_dive(3, 0.15, "105B").sample, synthetic_dive(4, 0.95, "105B").sample
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        with Project.create(root / "p") as project:
            project.add_video(write_dive_video(root / "poor.mp4", poor.keypoints), name=poor.key)
            project_io.import_sequences(project, [as_sequence(s, with_score=False, with_stages=False)
                                                  for s in (poor, clean)], fps=30.0)
            project.history.apply(mark_exemplar(1, 2))
            baseline = median_s(lambda: analyze(project, 1), args.repeats)
            print(f"analysis (baseline)  {baseline:6.2f} s")
            for suffix in (".pdf", ".html"):
                took = median_s(lambda: write_report(project, 1, root / f"report{suffix}"), args.repeats)
                size = (root / f"report{suffix}").stat().st_size / 1e6
                print(f"report {suffix:<5}         {took:6.2f} s  ({took / baseline:.1f}x the analysis, "
                      f"{size:.1f} MB; target <= 5 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
