"""Assessment speed on this machine's CPU (or GPU with --device cuda).

1. Analysis of one clip with its poses in memory, as ``plumb analyze`` runs it: stages
   (trained Bi-GRU, and the model-free diving rules), score with 10 exemplar votes, the five
   skill dimensions against 5 references, diving faults and feedback. Target: <= 100 ms per
   clip on CPU. The baseline is the feature extraction every part starts from, timed in
   the same run, so the ratio says how much the models and measures add to it.
2. Training on 2,000 generated dives (70 % train, 15 % val): seconds per epoch and for
   the whole run with early stopping, for the stage segmenter and each score method.
3. ``analyze`` through a project holding the same dives: reading the clip and its
   references from SQLite, the analysis, and storing the assessment.

Run: .venv/bin/python benchmarks/assess.py [--clips 2000] [--epochs 60] [--device cpu]
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

import torch  # noqa: E402

from inference.assess.dimensions import compute_dimensions  # noqa: E402
from inference.assess.diving_faults import measure_diving_faults  # noqa: E402
from inference.assess.features import frame_features  # noqa: E402
from inference.assess.feedback import feedback  # noqa: E402
from inference.assess.score.model import train_score_model  # noqa: E402
from inference.assess.stages.diving_fallback import diving_stages  # noqa: E402
from inference.assess.stages.segmenter import train_segmenter  # noqa: E402
from inference.assess.synthetic import synthetic_library  # noqa: E402
from inference.assess.training import TrainConfig  # noqa: E402


def median_ms(function, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def train_timed(name: str, function, epochs_of) -> object:
    epochs = []
    start = time.perf_counter()

    def progress(report) -> None:
        epochs.append(time.perf_counter())
        print(f"    {name}: epoch {report.epoch + 1} at {epochs[-1] - start:.0f} s, "
              f"validation {report.val_metric:.3f}", file=sys.stderr, flush=True)

    model = function(progress)
    total = time.perf_counter() - start
    per_epoch = (epochs[-1] - epochs[0]) / max(len(epochs) - 1, 1) if len(epochs) > 1 else total
    print(f"  {name:24s} {total:7.1f} s total, {len(epochs)} epochs, {per_epoch:5.2f} s/epoch "
          f"(best epoch {epochs_of(model)})", flush=True)
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {args.device}")
    start = time.perf_counter()
    dives = synthetic_library(args.clips, seed=11)
    samples = [d.sample for d in dives]
    print(f"generated {len(samples)} dives in {time.perf_counter() - start:.1f} s "
          f"(mean {statistics.mean(s.num_frames for s in samples):.0f} frames)")
    config = TrainConfig(epochs=args.epochs, patience=10, seed=0, device=args.device)

    print("training:")
    segmenter = train_timed("stage segmenter (Bi-GRU)",
                            lambda p: train_segmenter(samples, stage_names=samples[0].stage_names,
                                                      config=config, progress=p),
                            lambda m: m.best_epoch + 1)
    models = {method: train_timed(f"score, {method}",
                                  lambda p, method=method: train_score_model(samples, method=method,
                                                                             config=config, progress=p),
                                  lambda m: m.info.get("best_epoch", "?"))
              for method in ("contrastive", "coarse_fine")}

    print("analysis of one clip (median of repeats):")
    query = next(s for s in samples if s.split == "test")
    references = sorted((s for s in samples if s.action == query.action and s.key != query.key),
                        key=lambda s: -s.score)[:5]
    baseline = median_ms(lambda: frame_features(query.keypoints, query.schema), args.repeats)
    parts = {
        "stages, Bi-GRU": lambda: segmenter.predict(query),
        "stages, diving rules": lambda: diving_stages(query.keypoints, query.schema, query.fps),
        "score, contrastive (10 votes)": lambda: models["contrastive"].predict(query),
        "score, coarse-to-fine": lambda: models["coarse_fine"].predict(query),
        "skill dimensions (5 refs)": lambda: compute_dimensions(query, references,
                                                                transitions=query.transitions,
                                                                reference_transitions=[r.transitions for r in references]),
        "diving faults": lambda: measure_diving_faults(query, query.transitions),
    }
    timed = {name: median_ms(function, args.repeats) for name, function in parts.items()}
    report = compute_dimensions(query, references, transitions=query.transitions,
                                reference_transitions=[r.transitions for r in references])
    faults = measure_diving_faults(query, query.transitions)
    timed["feedback"] = median_ms(lambda: feedback(report, faults, stage_names=query.stage_names), args.repeats)
    print(f"  {'features (baseline)':32s} {baseline:7.2f} ms")
    for name, ms in timed.items():
        print(f"  {name:32s} {ms:7.2f} ms  ({ms / baseline:5.1f} x baseline)")
    total = timed["stages, Bi-GRU"] + timed["score, contrastive (10 votes)"] + timed["skill dimensions (5 refs)"] \
        + timed["diving faults"] + timed["feedback"]
    print(f"  {'full analysis (Bi-GRU + contrastive)':32s} {total:7.2f} ms  target <= 100 ms: "
          f"{'met' if total <= 100 else 'NOT met'}")
    project_analysis(samples, segmenter, models["contrastive"], args.repeats)


def project_analysis(samples, segmenter, model, repeats: int) -> None:
    from app.assessment.analysis import analyze
    from app.assessment.library import library_version
    from app.assessment.registry import new_model_path, register_model
    from app.datasets import project_io
    from app.project import Project
    from tests.helpers.assess_project import as_sequence

    with tempfile.TemporaryDirectory() as tmp, Project.create(Path(tmp) / "p") as project:
        start = time.perf_counter()
        project_io.import_sequences(project, [as_sequence(s) for s in samples], fps=30.0)
        print(f"analysis through a project of {len(samples)} clips (import took {time.perf_counter() - start:.1f} s):")
        for kind, trained in (("stages", segmenter), ("score", model)):
            path = new_model_path(project, kind)
            trained.save(path)
            register_model(project, kind, path, "mpii16", {}, library_version(project))
        clip = next(c for c in project.clips() if c.split == "test")
        analyze(project, clip.id)
        ms = median_ms(lambda: analyze(project, clip.id), max(3, repeats // 3))
        print(f"  {'plumb analyze (read, analyse, store)':32s} {ms:7.2f} ms")


if __name__ == "__main__":
    main()
