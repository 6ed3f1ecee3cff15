"""Where the labelled photos of `../shared/fixtures` are, and how to load their faces."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from calibrate import REPOSITORY
from pipeline.imaging import RGBImage, decode
from pipeline.settings import EngineSettings
from pipeline.vision.detection import FaceBox, detect_faces
from pipeline.vision.landmarks import Landmarks, find_shape, shape_to_array

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp"}


def fixtures_dir() -> Path:
    """`FACEPIPE_FIXTURES`, else `../shared/fixtures` beside the repository."""
    configured = os.environ.get("FACEPIPE_FIXTURES")
    if configured:
        return Path(configured)
    return REPOSITORY.parent / "shared" / "fixtures"


def image_files(folder: Path) -> list[Path]:
    """The images in a folder, sorted by name."""
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)


def load(path: Path) -> RGBImage:
    """Decode a fixture photo."""
    return decode(path.read_bytes()).pixels


def pad_crop(pixels: RGBImage, border: float = 0.35) -> RGBImage:
    """Tight face crops need a border before a detector will find the face in them."""
    height, width = pixels.shape[:2]
    dy, dx = round(height * border), round(width * border)
    padded = cv2.copyMakeBorder(pixels, dy, dy, dx, dx, cv2.BORDER_REPLICATE)
    return np.asarray(padded, dtype=np.uint8)


def finds_crop_face(crop: RGBImage, settings: EngineSettings, border: float = 0.35) -> bool:
    """Whether the largest face found in the padded crop is the crop's face (`is_crop_face`)."""
    faces = detect_faces(pad_crop(crop, border), settings)
    return bool(faces) and is_crop_face(crop, faces[0], border)


def is_crop_face(crop: RGBImage, box: FaceBox, border: float = 0.35) -> bool:
    """Whether a box found in the padded crop is the crop's face, not a part of it.

    The crop is the face: the box must be at least 40% of the crop's shorter side wide and
    centred within a quarter of the crop's size of its centre. A box on one eye or on the
    padding fails.
    """
    height, width = crop.shape[:2]
    dx = (box.x + box.w / 2 - round(width * border)) / width - 0.5
    dy = (box.y + box.h / 2 - round(height * border)) / height - 0.5
    return box.w >= 0.4 * min(width, height) and float(np.hypot(dx, dy)) <= 0.25


def largest_shape(pixels: RGBImage, settings: EngineSettings) -> Any | None:
    """dlib's shape of the largest detected face (what the age and gender networks take)."""
    faces = detect_faces(pixels, settings)
    return find_shape(pixels, faces[0]) if faces else None


def largest_face(pixels: RGBImage, settings: EngineSettings) -> tuple[FaceBox, Landmarks] | None:
    """The largest detected face and its landmarks, or None."""
    faces = detect_faces(pixels, settings)
    if not faces:
        return None
    return faces[0], shape_to_array(find_shape(pixels, faces[0]))


def faces_in(folder: Path, settings: EngineSettings) -> Iterator[tuple[Path, RGBImage, Landmarks]]:
    """Each photo of a folder whose largest face is found, with its landmarks."""
    for path in image_files(folder):
        pixels = load(path)
        found = largest_face(pixels, settings)
        if found is not None:
            yield path, pixels, found[1]


def genki_pixels(path: Path) -> RGBImage:
    """A GENKI-4K crop upscaled 3x and padded: its faces are ~64 px, too small to detect."""
    crop = load(path)
    big = cv2.resize(crop, (crop.shape[1] * 3, crop.shape[0] * 3), interpolation=cv2.INTER_CUBIC)
    return np.asarray(cv2.copyMakeBorder(big, 64, 64, 64, 64, cv2.BORDER_REPLICATE), dtype=np.uint8)


def genki_face(
    path: Path, settings: EngineSettings | None = None
) -> tuple[RGBImage, Landmarks] | None:
    """`genki_pixels` of a GENKI-4K crop, with its face's landmarks."""
    padded = genki_pixels(path)
    found = largest_face(padded, settings or EngineSettings())
    return None if found is None else (padded, found[1])
