"""The MediaPipe Tasks pose model bundle (.task), assembled offline from the mediapipe wheel.

mediapipe 0.10.21 ships the BlazePose models as bare tflite files
(``modules/pose_detection/pose_detection.tflite`` and
``modules/pose_landmark/pose_landmark_full.tflite``).
The Tasks API ``PoseLandmarker`` (several people per image) only accepts a ``.task`` zip whose
members carry image-normalisation metadata, which Google normally downloads. We write that
metadata with mediapipe's own ``metadata_writers`` and zip the two models under the names the
Tasks graph expects. Nothing is downloaded.

The bundle is cached under ``platformdirs.user_cache_dir("plumb")/models``; its file name holds
a hash of the source models and of this recipe, so a new mediapipe wheel or recipe gives a new
file. It is written atomically (temporary file, then ``os.replace``) and rebuilt when the cached
file is not a readable zip with both members intact.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import zipfile
from pathlib import Path

from inference.files import write_bytes_atomically
from inference.pose.base import PoseBackendError

SETUP_HINT = "mediapipe 0.10.21 with its bundled pose models is needed: run bash packaging/setup.sh"

DETECTOR_MEMBER = "pose_detector.tflite"
LANDMARKS_MEMBER = "pose_landmarks_detector.tflite"

# (member name in the bundle, path inside the mediapipe package, number of model outputs, the
# input's normalisation (mean, std) as MediaPipe's own graphs feed each network: the detector
# RGB in [-1, 1] (pose_detection_cpu.pbtxt), the landmark network RGB in [0, 1])
_SOURCES = (
    (DETECTOR_MEMBER, ("modules", "pose_detection", "pose_detection.tflite"), 2, (127.5, 127.5)),
    (LANDMARKS_MEMBER, ("modules", "pose_landmark", "pose_landmark_full.tflite"), 5, (0.0, 255.0)),
)

# Change when the way the bundle is assembled changes: cached bundles then get rebuilt.
_RECIPE = "plumb-pose-task-v2:detector=-1..1,landmarks=0..1"
_PREFIX = "pose_landmarker_full-"


def default_cache_dir() -> Path:
    """Where bundles live unless told otherwise: the user's cache directory for plumb."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("plumb")) / "models"


def mediapipe_model_files() -> dict[str, Path]:
    """The wheel's bare pose models, by bundle member name; PoseBackendError when absent.

    Finds the package without importing it (importing mediapipe takes about a second).
    """
    try:
        spec = importlib.util.find_spec("mediapipe")
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise PoseBackendError(f"mediapipe is not installed. {SETUP_HINT}")
    package = Path(next(iter(spec.submodule_search_locations)))
    files = {member: package.joinpath(*parts) for member, parts, _, _ in _SOURCES}
    missing = [str(p) for p in files.values() if not p.is_file()]
    if missing:
        raise PoseBackendError(
            f"the installed mediapipe has no pose model file ({', '.join(missing)}); "
            f"newer releases no longer ship them. {SETUP_HINT}"
        )
    return files


def _source_digest(files: dict[str, Path]) -> str:
    h = hashlib.sha256(_RECIPE.encode())
    for member in sorted(files):
        h.update(member.encode())
        h.update(files[member].read_bytes())
    return h.hexdigest()[:16]


def _annotate(model: bytes, name: str, n_outputs: int, norm: tuple[float, float]) -> bytes:
    """The tflite model with the metadata the Tasks API reads: RGB input as (x - mean) / std."""
    try:
        from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer as mw
    except Exception as exc:  # ImportError, or a broken dependency (flatbuffers, protobuf)
        raise PoseBackendError(
            f"mediapipe's metadata writer cannot be imported ({exc}). {SETUP_HINT}"
        ) from exc
    writer = mw.MetadataWriter.create(bytearray(model))
    writer.add_general_info(name, "")
    writer.add_image_input(norm_mean=[norm[0]], norm_std=[norm[1]])
    for i in range(n_outputs):
        writer.add_feature_output(name=f"out{i}")
    buffer, _ = writer.populate()
    return bytes(buffer)


def _is_valid(path: Path) -> bool:
    """A readable zip holding both members, every CRC correct."""
    try:
        with zipfile.ZipFile(path) as z:
            if set(z.namelist()) != {DETECTOR_MEMBER, LANDMARKS_MEMBER}:
                return False
            return z.testzip() is None
    except (OSError, zipfile.BadZipFile, EOFError, ValueError, RuntimeError):
        return False


def _build(files: dict[str, Path], target: Path) -> None:
    specs = {member: (n, norm) for member, _, n, norm in _SOURCES}
    buffer = io.BytesIO()
    # Members stored uncompressed: the Tasks API can then map them from the zip.
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as z:
        for member in (DETECTOR_MEMBER, LANDMARKS_MEMBER):
            source = files[member]
            data = _annotate(source.read_bytes(), source.stem, *specs[member])
            z.writestr(zipfile.ZipInfo(member, date_time=(1980, 1, 1, 0, 0, 0)), data)
    write_bytes_atomically(target, buffer.getvalue())


def _remove_stale(cache_dir: Path, keep: Path) -> None:
    """Bundles of other mediapipe versions or recipes; best effort (another process may use one)."""
    for old in cache_dir.glob(_PREFIX + "*.task"):
        if old != keep:
            try:
                old.unlink()
            except OSError:
                pass


def pose_task_bundle(cache_dir: Path | None = None) -> Path:
    """Path of the PoseLandmarker .task bundle, building it on first use (about 0.3 s).

    Reused while present and intact; rebuilt when corrupt or when the installed models change.
    Raises PoseBackendError when mediapipe or its bundled pose models are missing, or when the
    cache directory cannot be written.
    """
    files = mediapipe_model_files()
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    target = cache_dir / f"{_PREFIX}{_source_digest(files)}.task"
    if target.is_file() and _is_valid(target):
        return target
    try:
        _build(files, target)
    except PoseBackendError:
        raise
    except OSError as exc:
        raise PoseBackendError(
            f"cannot write the MediaPipe pose bundle to {cache_dir} ({exc})"
        ) from exc
    except Exception as exc:  # the metadata writer rejected a model file
        raise PoseBackendError(
            f"cannot assemble the MediaPipe pose bundle from the installed models ({exc}). "
            f"{SETUP_HINT}"
        ) from exc
    _remove_stale(cache_dir, target)
    return target
