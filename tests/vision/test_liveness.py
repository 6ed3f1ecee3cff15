"""Liveness: Live, Spoof and Unclear, and when each is answered. Its accuracy across held-out
subjects is measured by `python -m calibrate.liveness` and bench.accuracy (key liveness)."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pytest
import skimage.data
from PIL import Image

from calibrate.fixtures import image_files
from pipeline import detect
from pipeline.imaging import DecodedImage, RGBImage, decode
from pipeline.settings import EngineSettings, Settings
from pipeline.vision.detection import FaceBox
from pipeline.vision.engine import FaceEngine
from pipeline.vision.liveness import (
    MIN_FACE_WIDTH,
    face_crop,
    judge_liveness,
    liveness_features,
    unclear_reason,
)
from pipeline.vision.pose import HeadPose

UPRIGHT = HeadPose(pitch=0.0, yaw=0.0, roll=0.0)


def astronaut() -> RGBImage:
    """A real photo of a real person (scikit-image's astronaut)."""
    path = Path(skimage.data.__file__).parent / "astronaut.png"
    return decode(path.read_bytes()).pixels


def jpeg(pixels: RGBImage) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()


def largest(pixels: RGBImage, *, settings: EngineSettings | None = None) -> object:
    engine = FaceEngine(settings or EngineSettings(attributes=False))
    (face, *_) = engine.analyse(DecodedImage(pixels=pixels, format="test"), liveness=True)
    return face


def test_a_real_photo_is_live_with_the_probability_of_live() -> None:
    face = largest(astronaut())
    verdict = face.liveness  # type: ignore[attr-defined]
    assert verdict.value == "Live"
    assert 0.5 <= verdict.rate <= 1.0


def test_liveness_is_null_unless_asked_for() -> None:
    data = jpeg(astronaut())
    assert detect(data).faces[0].liveness is None  # type: ignore[index]
    judged = detect(data, liveness=True).to_json()["faces"][0]["liveness"]
    assert judged["value"] == "Live"


def test_a_face_too_small_to_read_is_unclear() -> None:
    pixels = astronaut()
    # The astronaut's face is ~100 px wide in 512: a quarter of the photo leaves ~25 px.
    small = np.asarray(cv2.resize(pixels, (128, 128), interpolation=cv2.INTER_AREA), np.uint8)
    face = largest(np.asarray(cv2.copyMakeBorder(small, 64, 64, 64, 64, cv2.BORDER_REPLICATE)))
    assert face.box.w < MIN_FACE_WIDTH  # type: ignore[attr-defined]
    assert face.liveness.value == "Unclear"  # type: ignore[attr-defined]
    assert face.liveness.rate is None  # type: ignore[attr-defined]


def test_the_limits_of_a_face_that_can_be_judged() -> None:
    wide = FaceBox(x=0, y=0, w=MIN_FACE_WIDTH, h=MIN_FACE_WIDTH, score=1.0)
    narrow = FaceBox(x=0, y=0, w=MIN_FACE_WIDTH - 1, h=MIN_FACE_WIDTH, score=1.0)
    assert unclear_reason(wide, UPRIGHT, blur=4.9) is None
    assert unclear_reason(narrow, UPRIGHT, blur=0.0) is not None
    assert unclear_reason(wide, UPRIGHT, blur=5.0) == "blurred"
    turned = HeadPose(pitch=0.0, yaw=31.0, roll=0.0)
    assert unclear_reason(wide, turned, blur=0.0) == "turned"
    # Unclear is answered before any model runs.
    assert judge_liveness(astronaut(), narrow, UPRIGHT, 0.0).value == "Unclear"


def test_features_are_finite_and_of_one_length_whatever_the_face() -> None:
    pixels = astronaut()
    lengths = set()
    for box in (FaceBox(170, 60, 110, 110, 1.0), FaceBox(-20, -20, 80, 60, 1.0)):
        features = liveness_features(face_crop(pixels, box))
        assert np.isfinite(features).all()
        lengths.add(features.shape)
    assert len(lengths) == 1


def test_the_liveness_gate_is_off_unless_set() -> None:
    # The setting turns a face that is not Live into a gate failure; a Live one stays.
    pixels = astronaut()
    on = EngineSettings(attributes=False, liveness_gate=True)
    assert "liveness" not in largest(pixels, settings=on).reasons  # type: ignore[attr-defined]
    small = np.asarray(cv2.resize(pixels, (128, 128), interpolation=cv2.INTER_AREA), np.uint8)
    padded = np.asarray(cv2.copyMakeBorder(small, 64, 64, 64, 64, cv2.BORDER_REPLICATE))
    assert "liveness" in largest(padded, settings=on).reasons  # type: ignore[attr-defined]
    assert "liveness" not in largest(padded).reasons  # type: ignore[attr-defined]


@pytest.mark.fixtures
@pytest.mark.parametrize(("label", "expected"), [("live", "Live"), ("spoof", "Spoof")])
def test_nuaa_frames_get_their_label(fixtures: Path, label: str, expected: str) -> None:
    """Most frames of every subject get their label (the model saw these subjects; held-out
    subjects are measured by calibrate.liveness)."""
    settings = Settings()
    for subject in sorted((fixtures / "liveness" / label).iterdir()):
        frames = image_files(subject)[::8]
        values = [
            face.liveness.value
            for path in frames
            for face in (detect(path.read_bytes(), settings=settings, liveness=True).faces or [])[
                :1
            ]
            if face.liveness is not None
        ]
        assert values.count(expected) >= 0.8 * len(frames), (subject.name, values)
