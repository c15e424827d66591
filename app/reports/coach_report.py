"""One clip's coach report: ``plumb report PROJECT --clip ID --out FILE.html|FILE.pdf``.

It holds what the athlete takes home: the score with its spread or why there is none, which
exemplar the dive was compared with, a key frame per stage with the skeleton drawn, the radar
chart of the five skill dimensions, the feedback items each with a thumbnail of its moment,
and the joint angle curves. It is built from the clip's latest stored assessment (analysing
the clip first when it has none), rendered with matplotlib (no window) and written atomically:
a refused or failed write leaves no file behind.
"""

from __future__ import annotations

import base64
import html
import io
import math
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import cv2  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from app.action_labels import recognised_line
from app.assessment.stored import latest_assessment  # noqa: E402
from app.datasets.atomic import atomic_open  # noqa: E402
from app.errors import PlumbError  # noqa: E402
from app.exemplars import CHOSEN  # noqa: E402
from app.media.frame_source import FrameSource  # noqa: E402
from app.media.overlay_video import draw_pose  # noqa: E402
from app.store import queries  # noqa: E402
from inference.assess.kinematics import CURVES, angle_curves  # noqa: E402

FORMATS = (".html", ".pdf")
THUMB_WIDTH = 320
SECTIONS = ("Score", "Key frames", "Skill dimensions", "Feedback", "Joint angles")


class ReportError(PlumbError):
    """The report cannot be made or written; nothing was written."""


@dataclass
class CoachReport:
    """What the report shows; images are PNG bytes."""

    title: str
    headline: list[str]
    key_frames: list[tuple[str, int, bytes]] = field(default_factory=list)  # stage, frame, PNG
    radar: bytes | None = None
    dimensions: list[tuple[str, float | None, str]] = field(default_factory=list)
    feedback: list[tuple[dict[str, Any], bytes | None]] = field(default_factory=list)
    angles: bytes | None = None
    notes: list[str] = field(default_factory=list)  # what is missing, and why


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return buffer.getvalue()


def _rgb_png(rgb: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return data.tobytes() if ok else b""


def radar_polygon(values: list[float | None]) -> np.ndarray:
    """``(N + 1, 2)`` closed polygon, first axis up, clockwise (as the window's radar chart)."""
    radii = np.array([0.0 if v is None or not math.isfinite(v) else min(1.0, max(0.0, v)) for v in values])
    angles = math.pi / 2 - 2 * math.pi * np.arange(len(values)) / len(values)
    points = np.stack([radii * np.cos(angles), radii * np.sin(angles)], axis=1)
    return np.vstack([points, points[:1]])


def radar_png(names: list[str], values: list[float | None], exemplar_level: float = 0.85,
              exemplar_label: str = "exemplar") -> bytes:
    figure = Figure(figsize=(4.4, 4.2))
    axes = figure.add_subplot()
    axes.set_aspect("equal")
    axes.axis("off")
    n = len(names)
    for ring in (0.25, 0.5, 0.75, 1.0):
        grid = radar_polygon([ring] * n)
        axes.plot(grid[:, 0], grid[:, 1], color="#CCCCCC", linewidth=0.8)
    for (x, y), name, value in zip(radar_polygon([1.0] * n)[:-1], names, values):
        axes.plot([0, x], [0, y], color="#CCCCCC", linewidth=0.8)
        shown = "not measured" if value is None or not math.isfinite(value) else f"{value:.2f}"
        axes.text(1.2 * x, 1.2 * y, f"{name.replace(' ', chr(10), 1)}\n{shown}", fontsize=8,
                  ha="center" if abs(x) < 0.2 else ("left" if x > 0 else "right"),
                  va="center" if abs(y) < 0.2 else ("bottom" if y > 0 else "top"))
    exemplar = radar_polygon([exemplar_level] * n)
    axes.fill(exemplar[:, 0], exemplar[:, 1], color="#4A90D9", alpha=0.15)
    axes.plot(exemplar[:, 0], exemplar[:, 1], "--", color="#4A90D9", label=exemplar_label)
    athlete = radar_polygon(values)
    axes.fill(athlete[:, 0], athlete[:, 1], color="#E8833A", alpha=0.35)
    axes.plot(athlete[:, 0], athlete[:, 1], "o-", color="#E8833A", label="athlete", markersize=4)
    axes.set_xlim(-1.8, 1.8)
    axes.set_ylim(-1.7, 1.6)
    axes.legend(loc="lower center", ncol=2, fontsize=8, frameon=False, bbox_to_anchor=(0.5, -0.08))
    return _png(figure)


def angles_png(curves: dict[str, np.ndarray], transitions: list[int], names: list[str]) -> bytes:
    figure = Figure(figsize=(7.5, 2.4))
    axes = figure.add_subplot()
    for name in CURVES:
        axes.plot(curves[name], label=name, linewidth=1.3)
    for t in transitions:
        axes.axvline(t, color="#888888", linewidth=0.8, linestyle=":")
    edges = [0, *transitions]
    for name, start in zip(names, edges):
        axes.text(start + 1, 188, name, fontsize=7, color="#555555")
    axes.set_ylim(0, 200)
    axes.set_yticks([0, 90, 180], ["0°", "90°", "180°"])
    axes.set_xlabel("frame", fontsize=8)
    axes.legend(fontsize=7, ncol=4, loc="lower left", frameon=False)
    figure.tight_layout()
    return _png(figure)


def _around_athlete(rgb: np.ndarray, pose: np.ndarray | None) -> np.ndarray:
    """The 4:3 region around the athlete's joints (with room around the body), else the frame."""
    if pose is None or not np.isfinite(pose[:, :2]).all(axis=1).any():
        return rgb
    xy = pose[np.isfinite(pose[:, :2]).all(axis=1), :2]
    (x0, y0), (x1, y1) = xy.min(0), xy.max(0)
    height = min(rgb.shape[0], max(200.0, 1.8 * max(y1 - y0, (x1 - x0) * 3 / 4)))
    width = min(rgb.shape[1], height * 4 / 3)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    left = int(min(max(cx - width / 2, 0), rgb.shape[1] - width))
    top = int(min(max(cy - height / 2, 0), rgb.shape[0] - height))
    return rgb[top:top + int(height), left:left + int(width)]


def _thumbnail(rgb: np.ndarray, width: int = THUMB_WIDTH) -> np.ndarray:
    height = max(1, round(rgb.shape[0] * width / rgb.shape[1]))
    return cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA)


def build_report(project, clip_id: int) -> CoachReport:
    """The report of ``clip_id`` from its latest assessment (analysed first when there is none)."""
    clip = project.clip(clip_id)
    stored = latest_assessment(project, clip_id)
    if stored is None:
        from app.assessment.analysis import analyze  # torch: only when an analysis is needed

        analyze(project, clip_id)
        stored = latest_assessment(project, clip_id)
    notes_in = stored.get("notes") or {}
    if stored["score"] is None:
        headline = [f"No score: {notes_in.get('score') or 'no trained score model'}."]
    else:
        spread = f" ± {stored['spread']:.2f}" if stored.get("spread") is not None else ""
        headline = [f"Score {stored['score']:.2f}{spread}" + (f" — {stored['grade']}" if stored.get("grade") else "")]
    recognised = recognised_line(stored.get("action"))
    if recognised:
        headline.append(recognised)
    if notes_in.get("exemplar"):
        headline.append(f"Compared with {notes_in['exemplar']['name']} ({notes_in['exemplar']['how']}).")
    stages = stored.get("stages") or {}
    names, transitions = list(stages.get("names") or []), list(stages.get("transitions") or [])
    if names:
        headline.append(f"Stages from {stages.get('source')}: " + ", ".join(
            f"{n} from frame {s}" for n, s in zip(names, [0, *transitions])))
    report = CoachReport(f"{clip.name}" + (f" — {clip.action or clip.dive_number}" if clip.action or clip.dive_number
                                            else ""), headline)

    with project.store.reading() as session:
        track = queries.pose_track(session, clip_id)
    poses = None
    if track.schema is not None and len(track.frames):
        poses = np.full((clip.frame_count, *track.keypoints.shape[1:]), np.nan, np.float32)
        inside = track.frames < clip.frame_count
        poses[track.frames[inside]] = track.keypoints[inside]
        report.angles = angles_png(angle_curves(poses, track.schema), transitions, names)
    else:
        report.notes.append("No joint angles: the clip has no poses.")

    dims = stored.get("dimensions")
    if dims:
        items = dims["items"]
        exemplar = notes_in.get("exemplar")
        label = f"exemplar {exemplar['name']}" if exemplar and exemplar["how"] == CHOSEN else "best clips of this action"
        report.radar = radar_png([d["name"] for d in items], [d["value"] for d in items], exemplar_label=label)
        report.dimensions = [(d["name"], d["value"], d["evidence"]) for d in items]
    else:
        report.notes.append(f"No skill dimensions: {notes_in.get('dimensions') or 'no exemplar to compare with'}.")

    feedback = list(stored.get("feedback") or [])
    try:
        source = FrameSource(project.video_path(clip))
    except PlumbError as exc:
        report.notes.append(f"No pictures: {exc}")
        report.feedback = [(item, None) for item in feedback]
        return report
    with source:
        def picture(frame: int) -> bytes:
            frame = min(max(int(frame), 0), len(source) - 1)
            pose = poses[frame] if poses is not None else None
            drawn = draw_pose(source.frame(frame), pose, track.schema)
            return _rgb_png(_thumbnail(_around_athlete(drawn, pose)))

        edges = [0, *transitions, clip.frame_count]
        for k, name in enumerate(names or ["clip"]):
            middle = (edges[k] + edges[k + 1] - 1) // 2 if names else clip.frame_count // 2
            report.key_frames.append((name, middle, picture(middle)))
        report.feedback = [(item, picture((item["start_frame"] + item["end_frame"]) // 2)) for item in feedback]
    return report


def _img(data: bytes | None, alt: str) -> str:
    if not data:
        return ""
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{base64.b64encode(data).decode()}">'


def render_html(report: CoachReport) -> str:
    e = html.escape
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{e(report.title)} — Plumb coach report</title>",
        "<style>body{font-family:sans-serif;max-width:960px;margin:2em auto;color:#222}"
        "h2{border-bottom:1px solid #ccc}.frames{display:flex;gap:8px;flex-wrap:wrap}"
        "figure{margin:0}figcaption{font-size:.85em;color:#555}"
        ".item{display:flex;gap:12px;margin:10px 0}.item img{width:240px}.note{color:#a33}</style></head><body>",
        f"<h1>{e(report.title)}</h1>",
        f"<section id='score'><h2>Score</h2>{''.join(f'<p>{e(line)}</p>' for line in report.headline)}</section>",
        "<section id='key-frames'><h2>Key frames</h2><div class='frames'>",
        *(f"<figure>{_img(png, name)}<figcaption>{e(name)}, frame {frame}</figcaption></figure>"
          for name, frame, png in report.key_frames),
        "</div></section>",
        "<section id='skill-dimensions'><h2>Skill dimensions</h2>", _img(report.radar, "radar chart"), "<ul>",
        *(f"<li><b>{e(name)}</b> {'not measured' if value is None else f'{value:.2f}'}: {e(evidence)}</li>"
          for name, value, evidence in report.dimensions),
        "</ul></section>",
        "<section id='feedback'><h2>Feedback</h2>",
        *(f"<div class='item'>{_img(png, item['topic'])}<div><b>{e(item['topic'])}</b> "
          f"(frames {item['start_frame']}–{item['end_frame']})<p>{e(item['text'])}</p><p><i>{e(item['fix'])}</i></p>"
          "</div></div>" for item, png in report.feedback),
        "" if report.feedback else "<p>No feedback items.</p>",
        "</section>",
        "<section id='joint-angles'><h2>Joint angles</h2>", _img(report.angles, "joint angles"), "</section>",
        *(f"<p class='note'>{e(note)}</p>" for note in report.notes),
        "</body></html>",
    ]
    return "\n".join(parts)


def _image_axes(figure: Figure, rect: tuple[float, float, float, float], png: bytes | None) -> None:
    axes = figure.add_axes(rect)
    axes.axis("off")
    if png:
        rgb = cv2.cvtColor(cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
        axes.imshow(rgb)


def _pdf_pages(report: CoachReport) -> list[Figure]:
    first = Figure(figsize=(8.27, 11.69))  # A4
    first.text(0.06, 0.96, report.title, fontsize=18, weight="bold", va="top")
    first.text(0.06, 0.92, "Score", fontsize=13, weight="bold", va="top")
    first.text(0.06, 0.895, "\n".join(textwrap.fill(line, 95) for line in report.headline), fontsize=9, va="top")
    first.text(0.06, 0.80, "Key frames", fontsize=13, weight="bold", va="top")
    count = max(len(report.key_frames), 1)
    for k, (name, frame, png) in enumerate(report.key_frames):
        width = 0.88 / count
        _image_axes(first, (0.06 + k * width, 0.62, width - 0.01, 0.17), png)
        first.text(0.06 + k * width, 0.61, f"{name}, frame {frame}", fontsize=8, va="top")
    first.text(0.06, 0.57, "Skill dimensions", fontsize=13, weight="bold", va="top")
    if report.radar:
        _image_axes(first, (0.06, 0.27, 0.45, 0.29), report.radar)
    dims = "\n".join(f"{n}: {'not measured' if v is None else f'{v:.2f}'}" for n, v, _ in report.dimensions)
    first.text(0.55, 0.53, dims or "\n".join(textwrap.fill(n, 50) for n in report.notes), fontsize=9, va="top")
    first.text(0.06, 0.24, "Joint angles", fontsize=13, weight="bold", va="top")
    if report.angles:
        _image_axes(first, (0.06, 0.03, 0.88, 0.2), report.angles)
    pages = [first]
    per_page = 6
    items = report.feedback or [({"topic": "No feedback items", "start_frame": 0, "end_frame": 0, "text": "",
                                  "fix": ""}, None)]
    for page_start in range(0, len(items), per_page):
        page = Figure(figsize=(8.27, 11.69))
        page.text(0.06, 0.96, "Feedback", fontsize=13, weight="bold", va="top")
        for row, (item, png) in enumerate(items[page_start:page_start + per_page]):
            top = 0.92 - row * 0.15
            _image_axes(page, (0.06, top - 0.13, 0.26, 0.13), png)
            words = f"{item['topic']} (frames {item['start_frame']}–{item['end_frame']})\n" + \
                textwrap.fill(item["text"], 70) + "\n" + textwrap.fill(item["fix"], 70)
            page.text(0.35, top, words, fontsize=8.5, va="top")
        pages.append(page)
    return pages


def write_report(project, clip_id: int, out: str | Path) -> Path:
    """Build and write the report as HTML or PDF (by the suffix of ``out``), atomically."""
    out = Path(out)
    if out.suffix.lower() not in FORMATS:
        raise ReportError(f"{out.name}: write the report as .html or .pdf")
    if out.parent.exists() and not out.parent.is_dir():
        raise ReportError(f"{out.parent}: is a file; choose a folder for the report")
    report = build_report(project, clip_id)
    try:
        with atomic_open(out) as handle:
            if out.suffix.lower() == ".html":
                handle.write(render_html(report).encode("utf-8"))
            else:
                with PdfPages(handle, metadata={"Title": f"{report.title} — Plumb coach report"}) as pdf:
                    for page in _pdf_pages(report):
                        pdf.savefig(page)
    except OSError as exc:
        raise ReportError(f"{out}: cannot be written ({exc.strerror or exc}); nothing was written") from None
    return out
