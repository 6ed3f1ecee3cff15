"""Masked faces: found (by YuNet, or with HOG by the extra masked-face detector), and told
apart from clear ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from calibrate.fixtures import (
    finds_crop_face,
    image_files,
    is_crop_face,
    largest_face,
    load,
    pad_crop,
)
from calibrate.gender import FRONTAL_ONLY
from pipeline.settings import EngineSettings
from pipeline.vision.detection import detect_faces
from pipeline.vision.linear import load_model
from pipeline.vision.mask import MODEL_FILE, classify_mask

SETTINGS = EngineSettings()
HOG = EngineSettings(detector="hog")


@pytest.fixture(scope="module")
def masks(fixtures: Path) -> Path:
    return fixtures / "masks"


def test_held_out_masked_faces_are_found(masks: Path) -> None:
    # Odd-numbered files: never seen by calibrate.mask_detector.
    held_out = image_files(masks / "with_mask")[1::2]
    # YuNet on the crops as they are; HOG needs them padded.
    found = 0
    for path in held_out:
        crop = load(path)
        faces = detect_faces(crop, SETTINGS)
        found += bool(faces) and is_crop_face(crop, faces[0], border=0)
    # The HOG engine's masked-face detector, on padded crops (every other one: HOG is slow).
    with_hog = sum(finds_crop_face(load(p), HOG) for p in held_out[::2])
    assert found / len(held_out) >= 0.88  # measured 0.893
    assert with_hog / len(held_out[::2]) >= 0.85  # measured 0.88 on all 150


def test_hog_single_eyes_of_clear_faces_are_not_taken_for_masked_faces(fixtures: Path) -> None:
    # The first masked-face detector put its box on one eye in 42 of the 451 `identities/`
    # crops; eye views as training negatives brought that down. Every 3rd crop here.
    crops = [p for d in sorted((fixtures / "identities").iterdir()) for p in image_files(d)][::3]
    wrong = []
    for path in crops:
        crop = load(path)
        faces = detect_faces(pad_crop(crop), HOG)
        if faces and not is_crop_face(crop, faces[0]):
            wrong.append(path.name)
    assert len(wrong) <= len(crops) * 0.05, wrong


def test_hog_masked_detector_loses_no_recall_and_adds_no_faces_on_clear_photos(
    masks: Path, faces_dir: Path, face_labels: dict
) -> None:
    for path in image_files(masks / "without_mask")[::2]:
        pixels = pad_crop(load(path))
        assert len(detect_faces(pixels, HOG)) >= len(detect_faces(pixels, FRONTAL_ONLY))
    for name, label in face_labels.items():
        pixels = load(faces_dir / name)
        faces = detect_faces(pixels, HOG)
        assert len(faces) >= label["faces"], name
        assert len(faces) == len(detect_faces(pixels, FRONTAL_ONLY)), name


def test_mask_verdicts_on_held_out_faces_are_right_and_calibrated(masks: Path) -> None:
    answers = []
    for folder, truth in (("with_mask", "Wear"), ("without_mask", "None")):
        for path in image_files(masks / folder)[1::2]:
            pixels = pad_crop(load(path))
            found = largest_face(pixels, SETTINGS)
            if found is not None:
                verdict = classify_mask(pixels, *found)
                answers.append((verdict.value == truth, verdict.rate))
    assert len(answers) >= 200
    assert sum(right for right, _ in answers) / len(answers) >= 0.94  # measured 0.954
    confident = [right for right, rate in answers if rate >= 0.9]
    assert sum(confident) / len(confident) >= 0.9


def test_cross_validated_reliability_of_the_shipped_mask_model() -> None:
    report = load_model(MODEL_FILE).report
    assert report["held_out"]["accuracy"] >= 0.95
    for row in report["cv_reliability"]:
        if row["answers"] >= 100:
            assert abs(row["accuracy"] - row["mean_rate"]) < 0.05, row
