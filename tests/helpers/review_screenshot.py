"""The review view's screenshot: a poor generated 105B compared with a clean one the coach chose.

    python -m tests.helpers.review_screenshot OUT.png
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from app.assessment.analysis import analyze
from app.datasets import project_io
from app.exemplars import mark_exemplar
from app.project import Project
from app.ui.screenshot import render
from inference.assess.synthetic import synthetic_dive
from tests.helpers.assess_project import as_sequence
from tests.helpers.dive_video import write_dive_video


def main(out: str) -> int:
    poor, clean = synthetic_dive(3, 0.15, "105B"), synthetic_dive(4, 0.95, "105B")
    poor, clean = (d.sample.__class__(**{**d.sample.__dict__, "key": name}) for d, name in
                   ((poor, "ana-105B-poor"), (clean, "ben-105B-clean")))
    with tempfile.TemporaryDirectory(prefix="plumb-review-") as folder:
        root = Path(folder)
        with Project.create(root / "project") as project:
            for sample in (poor, clean):
                project.add_video(write_dive_video(root / f"{sample.key}.mp4", sample.keypoints), name=sample.key)
            project_io.import_sequences(project, [as_sequence(s, with_score=False, with_stages=False)
                                                  for s in (poor, clean)], fps=30.0)
            project.history.apply(mark_exemplar(1, 2))
            result = analyze(project, 1)
            in_flight = [f for f in result.feedback if f["stage"] == "flight"] or result.feedback
            frame = (in_flight[0]["start_frame"] + in_flight[0]["end_frame"]) // 2 if in_flight else 0
        problem = render(str(root / "project"), out, clip_id=1, frame=frame, size=(1400, 1200))
    if problem:
        print(problem, file=sys.stderr)
        return 1
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
