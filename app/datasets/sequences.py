"""Pose sequences as plain arrays: one ``NAME.npy`` or ``NAME.npz`` per clip + ``labels.csv``.

* ``NAME.npy``: ``(T, J, 2|3)`` ``[x, y(, confidence)]``, NaN where unknown. Visibility is
  2 where x, y are finite; no boxes. With 2 channels the confidence reads as 1 / 0.
* ``NAME.npz``: ``keypoints`` ``(T, J, 2|3)`` and optionally ``visibility`` ``(T, J)``,
  ``bbox`` ``(T, 4)`` (x1, y1, x2, y2) and ``frame_images`` ``(T,)`` strings ('' = none).
  Lossless for :class:`PoseSequence`; the default when writing.
* With 3 channels (either file), a joint whose x, y and confidence are all exactly 0 is
  missing: NaN x, y, confidence 0, visibility 0. That is how OpenPose writes a joint it did
  not find; a real detection at pixel (0, 0) with confidence 0 carries no information anyway.
* ``labels.csv``: columns ``name,score`` and optionally ``split``, ``action``,
  ``difficulty``, ``transitions`` (``"f1;f2"``), ``schema``, and any others (kept as
  strings). An empty cell means "no value" and is left out of ``labels``.

The schema is the ``schema`` column, else the ``schema`` argument, else inferred from J
(16 mpii16, 17 coco17, 18 openpose18, 33 mp33). A name may hold ``/`` (a sub-folder), never ``..``.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from app.datasets import atomic
from app.datasets.errors import DatasetError, malformed
from app.datasets.records import PoseSequence
from inference.skeletons import SKELETON_NAMES, get_skeleton

LABELS = "labels.csv"
STANDARD_COLUMNS = ("name", "score", "split", "action", "difficulty", "transitions", "schema")
_BY_JOINTS = {get_skeleton(n).num_joints: n for n in SKELETON_NAMES}


def read(folder: str | os.PathLike, schema: str | None = None) -> list[PoseSequence]:
    """Every clip listed in ``<folder>/labels.csv``, in the file's order."""
    root = Path(folder)
    labels_path = root / LABELS
    rows = _read_labels(labels_path)
    with malformed(labels_path, "sequences"):
        return [_sequence(root, labels_path, row, schema) for row in rows]


def _read_labels(path: Path) -> list[dict[str, str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read ({exc.strerror or exc}); a sequences folder "
                           "needs labels.csv with columns name,score") from None
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{path}: not UTF-8 text (byte {exc.start}); save labels.csv as UTF-8 "
                           "(e.g. 'CSV UTF-8' in a spreadsheet)") from None
    try:
        with malformed(path, "labels.csv"):
            return _label_rows(path, text)
    except csv.Error as exc:
        raise DatasetError(f"{path}: not a readable CSV file ({exc})") from None


def _label_rows(path: Path, text: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text))
    columns = [c.strip() for c in reader.fieldnames or []]
    missing = [c for c in ("name", "score") if c not in columns]
    if missing:
        raise DatasetError(f"{path}: missing column {', '.join(missing)}; labels.csv needs "
                           f"name,score (optional: {', '.join(STANDARD_COLUMNS[2:])})")
    rows = []
    for line, row in enumerate(reader, start=2):
        row = {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}
        if not row.get("name"):
            raise DatasetError(f"{path}: line {line} has no name")
        rows.append(row | {"_line": str(line)})
    return rows


def _labels(row: dict[str, str], path: Path) -> dict[str, Any]:
    where = f"{path}: line {row['_line']}"
    labels: dict[str, Any] = {}
    for key, value in row.items():
        if key in ("name", "_line", "schema") or value == "":
            continue
        try:
            if key in ("score", "difficulty"):
                labels[key] = float(value)
                if not np.isfinite(labels[key]):
                    raise DatasetError(f"{where}: {key} {value!r} is not a finite number; leave the cell "
                                       "empty when it is unknown")
            elif key == "transitions":
                labels[key] = tuple(int(f) for f in value.split(";") if f.strip())
            else:
                labels[key] = value
        except ValueError:
            raise DatasetError(f"{where}: {key} {value!r} is not "
                               f"{'a list of frames f1;f2' if key == 'transitions' else 'a number'}") from None
    return labels


def _sequence(root: Path, labels_path: Path, row: dict[str, str], schema: str | None) -> PoseSequence:
    name = _safe_name(row["name"], labels_path)
    npy, npz = root / f"{name}.npy", root / f"{name}.npz"
    if npy.is_file() and npz.is_file():
        raise DatasetError(f"{npz}: both {npy.name} and {npz.name} exist; keep one")
    extra: dict[str, np.ndarray] = {}
    if npz.is_file():
        path = npz
        try:
            with np.load(npz, allow_pickle=False) as z:
                if "keypoints" not in z:
                    raise DatasetError(f"{npz}: no 'keypoints' array (it has {', '.join(z.files)})")
                extra = {k: z[k] for k in z.files}
        except (OSError, ValueError, EOFError) as exc:
            raise DatasetError(f"{npz}: not a readable .npz ({exc})") from None
        kp = extra["keypoints"]
    elif npy.is_file():
        path = npy
        try:
            kp = np.load(npy, allow_pickle=False)
        except (OSError, ValueError, EOFError) as exc:
            raise DatasetError(f"{npy}: not a readable .npy ({exc})") from None
    else:
        raise DatasetError(f"{labels_path}: clip {name!r} has no {npy.name} or {npz.name}")
    if kp.ndim != 3 or kp.shape[2] not in (2, 3) or kp.dtype.kind not in "fiu":
        raise DatasetError(f"{path}: keypoints must be numbers of shape (T, J, 2|3), "
                           f"got {kp.dtype} {kp.shape}")
    t, j = kp.shape[:2]
    chosen = row.get("schema") or schema or _BY_JOINTS.get(j)
    if chosen is None:
        raise DatasetError(f"{path}: {j} joints is no known skeleton; give the schema "
                           f"({', '.join(SKELETON_NAMES)})")
    try:
        if get_skeleton(chosen).num_joints != j:
            raise DatasetError(f"{path}: schema {chosen} has {get_skeleton(chosen).num_joints} "
                               f"joints, the array has {j}")
    except ValueError as exc:
        raise DatasetError(f"{path}: {exc}") from None
    keypoints = np.zeros((t, j, 3), np.float32)
    keypoints[..., : kp.shape[2]] = kp
    all_zero = (kp == 0).all(axis=-1) if kp.shape[2] == 3 else np.zeros((t, j), bool)
    keypoints[all_zero] = (np.nan, np.nan, 0.0)
    finite = np.isfinite(keypoints[..., :2]).all(axis=-1)
    if kp.shape[2] == 2:
        keypoints[..., 2] = finite
    keypoints[~finite, :2] = np.nan
    visibility = extra.get("visibility", np.where(finite, 2, 0)).astype(np.uint8)
    bbox = extra.get("bbox", np.full((t, 4), np.nan)).astype(np.float32)
    if visibility.shape != (t, j) or bbox.shape != (t, 4):
        raise DatasetError(f"{path}: visibility must be ({t}, {j}) and bbox ({t}, 4), "
                           f"got {visibility.shape} and {bbox.shape}")
    visibility[all_zero] = 0
    images = tuple(str(s) or None for s in extra["frame_images"]) if "frame_images" in extra else ()
    if images and len(images) != t:
        raise DatasetError(f"{path}: frame_images has {len(images)} names for {t} frames")
    return PoseSequence(name=name, schema=chosen, keypoints=keypoints, visibility=visibility,
                        bbox=bbox, frame_images=images, labels=_labels(row, labels_path))


def _safe_name(name: str, where: Path | str) -> str:
    parts = name.replace("\\", "/").split("/")
    if name.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise DatasetError(f"{where}: clip name {name!r} cannot be a file name (absolute or '..')")
    return "/".join(parts)


def write(folder: str | os.PathLike, sequences: Iterable[PoseSequence],
          array_format: str = "npz") -> list[Path]:
    """Write each clip as ``NAME.npz`` (lossless) or ``NAME.npy`` (keypoints only) plus
    ``labels.csv``; return the paths. Nothing is written when a clip is refused."""
    if array_format not in ("npz", "npy"):
        raise DatasetError(f"sequences export: array_format must be 'npz' or 'npy', got {array_format!r}")
    root = Path(folder)
    arrays: dict[Path, dict[str, np.ndarray]] = {}
    rows = []
    extra_columns: list[str] = []
    for seq in sequences:
        name = _safe_name(seq.name, "sequences export")
        kp = np.asarray(seq.keypoints, dtype=np.float32)
        if kp.ndim != 3 or kp.shape[2] != 3:
            raise DatasetError(f"sequences export: clip {name} keypoints must be (T, J, 3), got {kp.shape}")
        path = root / f"{name}.{array_format}"
        if path in arrays:
            raise DatasetError(f"sequences export: clip {name} appears twice")
        payload = {"keypoints": kp}
        if array_format == "npz":
            payload["visibility"] = np.asarray(seq.visibility, dtype=np.uint8)
            payload["bbox"] = np.asarray(seq.bbox, dtype=np.float32)
            if seq.frame_images:
                payload["frame_images"] = np.array([s or "" for s in seq.frame_images], dtype=str)
        arrays[path] = payload
        row = {"name": name, "schema": seq.schema}
        for key, value in seq.labels.items():
            if value is None:
                continue
            if key == "transitions":
                value = ";".join(str(int(f)) for f in value)
            elif isinstance(value, float):
                value = repr(value)
            row[key] = str(value)
            if key not in STANDARD_COLUMNS and key not in extra_columns:
                extra_columns.append(key)
        rows.append(row)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(STANDARD_COLUMNS) + extra_columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    for path, payload in arrays.items():
        with atomic.atomic_open(path) as handle:
            if array_format == "npz":
                np.savez_compressed(handle, **payload)
            else:
                np.save(handle, payload["keypoints"], allow_pickle=False)
    atomic.write_text(root / LABELS, out.getvalue())
    return [*arrays, root / LABELS]
