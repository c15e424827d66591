"""A folder of images read as consecutive frames, in natural name order (frame2 < frame10).

Every file is checked when the folder is opened (headers only, so it is quick): a stray
non-image or an image of another size is refused up front with its name, instead of
failing half-way through a long run.
"""

from __future__ import annotations

import re
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from app.errors import MediaError

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}
IGNORED_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}


def _natural_key(path: Path) -> list:
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path.name)]


class ImageFolder:
    """Frames of an image folder: `frame(i)` -> RGB uint8 (H, W, 3).

    same_size: the images are frames of one sequence and must share one size (the default);
    False for a folder of unrelated stills, whose width and height are then the first image's.
    """

    def __init__(self, folder: str | Path, same_size: bool = True) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise MediaError(f"{self.folder}: is not a folder of images.")
        files = sorted((p for p in self.folder.iterdir()
                        if p.is_file() and not p.name.startswith(".") and p.name not in IGNORED_NAMES),
                       key=_natural_key)
        if not files:
            raise MediaError(f"{self.folder}: holds no images.")
        size = None
        for path in files:
            this = self._image_size(path)
            if size is None:
                size, first = this, path
            elif this != size and same_size:
                raise MediaError(
                    f"{path.name}: is {this[0]}x{this[1]} but {first.name} is {size[0]}x{size[1]}; the frames "
                    "of a folder must all have one size. Move the odd image out or resize it."
                )
        self.paths = files
        self.width, self.height = size

    @staticmethod
    def _image_size(path: Path) -> tuple[int, int]:
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            raise MediaError(
                f"{path.name}: is not an image ({', '.join(sorted(IMAGE_SUFFIXES))} are read). "
                "Move it out of the folder."
            )
        try:
            with Image.open(path) as image:
                image.verify()
                return image.size
        except (UnidentifiedImageError, OSError, SyntaxError) as exc:
            raise MediaError(f"{path.name}: cannot be read as an image ({exc}).") from exc

    def __len__(self) -> int:
        return len(self.paths)

    def name(self, index: int) -> str:
        return self.paths[index].name

    def frame(self, index: int) -> np.ndarray:
        path = self.paths[index]
        bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if bgr is None:
            raise MediaError(f"{path.name}: cannot be decoded as an image.")
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)

    def close(self) -> None:
        """Nothing is held open; present so callers treat folders and videos alike."""
