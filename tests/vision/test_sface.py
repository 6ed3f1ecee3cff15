"""SFace descriptors: the same as OpenCV's reference implementation, and stable on one face."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from skimage import data

from pipeline.errors import MissingModelError
from pipeline.settings import EngineSettings
from pipeline.vision import model_wheel, sface
from pipeline.vision.alignment import ARCFACE_TEMPLATE, arcface_chip, five_points
from pipeline.vision.detection import detect_faces
from pipeline.vision.embedding import distance
from pipeline.vision.landmarks import Landmarks, find_shape, shape_to_array
from pipeline.vision.sface import sface_embedding


def largest_face_landmarks(pixels: np.ndarray) -> Landmarks:
    box = detect_faces(pixels, EngineSettings())[0]
    return shape_to_array(find_shape(pixels, box))


def test_matches_opencv_face_recognizer_sf() -> None:
    """OpenCV's FaceRecognizerSF aligns and runs the same model: same descriptor."""
    pixels = data.astronaut()
    landmarks = largest_face_landmarks(pixels)
    recognizer = cv2.FaceRecognizerSF.create(str(sface.installed_model()), "")
    # OpenCV's face row: box, then the five points, then a score; it reads BGR images.
    row = np.array([[0, 0, 1, 1, *five_points(landmarks).ravel(), 1.0]], dtype=np.float32)
    chip = recognizer.alignCrop(cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR), row)
    reference = recognizer.feature(chip).ravel().astype(np.float64)
    ours = sface_embedding(pixels, five_points(landmarks))
    assert abs(np.linalg.norm(ours) - 1.0) < 1e-6
    assert float(ours @ reference) / float(np.linalg.norm(reference)) > 0.9999


@pytest.mark.parametrize(("side", "zoom"), [(112, 1.0), (224, 0.8)])
def test_chip_puts_the_five_points_on_the_template(side: int, zoom: float) -> None:
    """Five dots placed as a rotated, scaled, shifted template land on the template (zoomed
    about the chip's centre and scaled to the chip's side)."""
    angle = np.radians(20.0)
    rotation = 3.0 * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    points = ARCFACE_TEMPLATE @ rotation.T + [150.0, 90.0]
    pixels = np.zeros((600, 600, 3), dtype=np.uint8)
    for x, y in points.round().astype(int):
        pixels[y - 3 : y + 4, x - 3 : x + 4] = 255
    landmarks = np.zeros((68, 2))
    landmarks[36:42], landmarks[42:48] = points[0], points[1]
    landmarks[30], landmarks[48], landmarks[54] = points[2], points[3], points[4]
    chip = arcface_chip(pixels, five_points(landmarks), side, zoom)
    assert chip.shape == (side, side, 3)
    expected = ((ARCFACE_TEMPLATE - 56.0) * zoom + 56.0) * side / 112.0
    for x, y in expected.round().astype(int):
        assert chip[y, x, 0] > 200
    # Only the dots are lit: the template's points are where they land, nowhere else.
    assert chip[side // 2, 5, 0] == 0


def test_same_face_is_close_after_mirroring_and_downscaling() -> None:
    pixels = data.astronaut()
    original = sface_embedding(pixels, five_points(largest_face_landmarks(pixels)))
    mirrored_pixels = np.ascontiguousarray(pixels[:, ::-1])
    mirrored = sface_embedding(
        mirrored_pixels, five_points(largest_face_landmarks(mirrored_pixels))
    )
    smaller_pixels = cv2.resize(pixels, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    smaller = sface_embedding(smaller_pixels, five_points(largest_face_landmarks(smaller_pixels)))
    assert distance(original, mirrored, "sface") < 0.15
    assert distance(original, smaller, "sface") < 0.15


def test_a_missing_model_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_wheel, "MODEL_PACKAGE", "no_such_model_package")
    with pytest.raises(MissingModelError, match=r"deploy/model-wheels\.txt"):
        sface.installed_model()


def test_another_model_file_is_refused(tmp_path: Path) -> None:
    """The thresholds hold for one file only: anything else is an error, not wrong scores."""
    pixels = data.astronaut()
    landmarks = largest_face_landmarks(pixels)
    other = tmp_path / "other.onnx"
    other.write_bytes(b"not the calibrated model")
    with pytest.raises(MissingModelError, match="sha256"):
        sface_embedding(pixels, five_points(landmarks), other)
    with pytest.raises(MissingModelError, match="cannot read"):
        sface_embedding(pixels, five_points(landmarks), tmp_path / "missing.onnx")
