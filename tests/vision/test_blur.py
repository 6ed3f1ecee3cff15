"""Blur on the 0-20 scale: sharp photos < 5, blurred copies >= 5, monotonic in strength."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from calibrate.fixtures import largest_face
from pipeline.imaging import decode
from pipeline.settings import EngineSettings
from pipeline.vision.blur import blur_score
from pipeline.vision.detection import FaceBox
from pipeline.vision.landmarks import Landmarks

pytestmark = pytest.mark.fixtures
SIGMAS = (0.0, 0.01, 0.025, 0.04)  # Gaussian sigma as a fraction of the face width


def blur_at(pixels: np.ndarray, fraction: float, box: FaceBox, landmarks: Landmarks) -> float:
    # Blurring does not move the face, so the sharp photo's landmarks serve every copy (HOG
    # stops finding heavily blurred faces).
    copy = pixels if fraction == 0 else cv2.GaussianBlur(pixels, (0, 0), fraction * box.w)
    return blur_score(np.asarray(copy, dtype=np.uint8), landmarks)


def test_sharp_below_5_blurred_at_least_5_and_monotonic(
    faces_dir: Path, face_labels: dict[str, Any]
) -> None:
    for name in face_labels:
        pixels = decode((faces_dir / name).read_bytes()).pixels
        found = largest_face(pixels, EngineSettings())
        assert found is not None
        scores = [blur_at(pixels, sigma, *found) for sigma in SIGMAS]
        assert scores[0] < 5, (name, scores)
        assert scores[2] >= 5, (name, scores)
        assert scores == sorted(scores), (name, scores)
        assert all(0 <= s <= 20 for s in scores)


def test_blur_does_not_depend_on_face_size(faces_dir: Path) -> None:
    small = decode((faces_dir / "obama_240p.jpg").read_bytes()).pixels
    large = decode((faces_dir / "obama_1080p.jpg").read_bytes()).pixels
    small_face, large_face = (
        largest_face(small, EngineSettings()),
        largest_face(large, EngineSettings()),
    )
    assert small_face
    assert large_face
    assert abs(blur_score(small, small_face[1]) - blur_score(large, large_face[1])) < 2.5
