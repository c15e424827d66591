"""Dataset import/export at FineDiving scale.

1. Import all 3,000 FineDiving dives into a new project (target <= 10 s).
2. Give every clip 96 frames of synthetic MPII-16 poses (one bulk import, timed too).
3. Export the 3,000 x 96-frame pose set as FineDiving (96, 16, 3) arrays (target <= 30 s).
Peak RSS of the process is printed (target <= 1 GB).

Run: .venv/bin/python benchmarks/datasets.py [ANNOTATIONS_DIR]
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.datasets import finediving, project_io  # noqa: E402
from app.datasets.records import PoseSequence  # noqa: E402
from app.project import Project  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "data" / "FineDiving" / "Annotations"


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    if not (folder / finediving.COARSE).is_file():
        print(f"needs FineDiving annotations at {folder}")
        return 1
    with tempfile.TemporaryDirectory() as tmp, Project.create(Path(tmp) / "bench") as project:
        t0 = time.perf_counter()
        dives = finediving.read(folder)
        summary = project_io.import_dives(project, dives, "import:finediving")
        t_import = time.perf_counter() - t0
        rng = np.random.default_rng(0)
        seqs = []
        for dive in dives:
            kp = rng.uniform(0, 400, (96, 16, 3)).astype(np.float32)
            kp[..., 2] = 1.0
            seqs.append(PoseSequence(dive.key, "mpii16", kp, np.full((96, 16), 2, np.uint8),
                                     np.full((96, 4), np.nan, np.float32)))
        t0 = time.perf_counter()
        poses = project_io.import_sequences(project, seqs)
        t_poses = time.perf_counter() - t0
        del seqs
        t0 = time.perf_counter()
        out = project_io.export_sequences(project)
        files = finediving.write_pose_arrays(Path(tmp) / "export" / "poses", out)
        finediving.write(Path(tmp) / "export", project_io.export_dives(project))
        t_export = time.perf_counter() - t0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"import {summary.added} dives: {t_import:.2f} s (target <= 10 s)")
    print(f"bulk import of {poses.pose_frames} synthetic pose frames: {t_poses:.2f} s")
    print(f"export {len(files)} clips x 96 frames + annotations: {t_export:.2f} s (target <= 30 s)")
    print(f"peak RSS: {rss_mb:.0f} MB (target <= 1024 MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
