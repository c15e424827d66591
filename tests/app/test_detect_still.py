"""`plumb detect DIR --still`: a folder of unrelated images, each read on its own."""

from __future__ import annotations

import json
import shutil

import cv2
import numpy as np

from app.cli import main
from tests.conftest import shared_data


def test_still_folder_of_photographs_of_any_size(tmp_path, capsys) -> None:
    source = shared_data("lspet", "images")
    folder = tmp_path / "stills"
    folder.mkdir()
    for name in ("im00001.jpg", "im00002.jpg", "im00012.jpg"):  # three sizes, one upside down
        shutil.copy(source / name, folder / name)
    blank = folder / "zz_empty.png"
    cv2.imwrite(str(blank), np.full((120, 90, 3), 128, np.uint8))
    out = tmp_path / "poses.json"
    assert main(["detect", str(folder), "--still", "--out", str(out), "--json"]) == 0
    document = json.loads(out.read_text())
    frames = {f["image"]: f for f in document["frames"]}
    assert list(frames) == ["im00001.jpg", "im00002.jpg", "im00012.jpg", "zz_empty.png"]
    for name in ("im00001.jpg", "im00002.jpg", "im00012.jpg"):
        assert frames[name]["bbox"] is not None
        assert len(frames[name]["keypoints"]) == 16
    assert frames["zz_empty.png"]["bbox"] is None
    summary = json.loads(capsys.readouterr().out)
    assert summary["found"] == 3 and summary["frames"] == 4


def test_still_folder_with_a_non_image_is_refused_and_writes_nothing(tmp_path, capsys) -> None:
    folder = tmp_path / "stills"
    folder.mkdir()
    cv2.imwrite(str(folder / "a.png"), np.zeros((40, 30, 3), np.uint8))
    cv2.imwrite(str(folder / "b.png"), np.zeros((50, 60, 3), np.uint8))
    (folder / "notes.txt").write_text("judges' notes")
    out = tmp_path / "poses.json"
    assert main(["detect", str(folder), "--still", "--out", str(out)]) == 1
    error = capsys.readouterr().err
    assert "notes.txt: is not an image" in error and len(error.strip().splitlines()) == 1
    assert not out.exists()


def test_still_needs_a_folder(tmp_path, capsys) -> None:
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"\0" * 64)
    assert main(["detect", str(video), "--still", "--out", str(tmp_path / "o.json")]) == 1
    assert "--still reads a folder of images" in capsys.readouterr().err


def test_device_cuda_without_a_gpu_is_refused_at_once(tmp_path, capsys, monkeypatch) -> None:
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)  # also on a machine with a GPU
    folder = tmp_path / "stills"
    folder.mkdir()
    cv2.imwrite(str(folder / "a.png"), np.zeros((40, 30, 3), np.uint8))
    out = tmp_path / "poses.json"
    assert main(["detect", str(folder), "--still", "--device", "cuda", "--out", str(out)]) == 1
    assert "no usable CUDA GPU" in capsys.readouterr().err
    assert not out.exists()


def test_heavy_landmarks_without_the_network_installed_are_refused_at_once(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("PLUMB_MODELS", str(tmp_path / "no-models"))
    folder = tmp_path / "stills"
    folder.mkdir()
    cv2.imwrite(str(folder / "a.png"), np.zeros((40, 30, 3), np.uint8))
    out = tmp_path / "poses.json"
    assert main(["detect", str(folder), "--still", "--landmarks", "heavy", "--out", str(out)]) == 1
    error = capsys.readouterr().err
    assert "heavy landmark network is not installed" in error and "packaging/setup.sh" in error
    assert len(error.strip().splitlines()) == 1
    assert not out.exists()
