"""The dlib models, loaded once per process.

From the `face_recognition_models` wheel: the 68-point shape predictor and dlib's face encoder
(loaded only when compare uses it).
dlib itself carries the frontal HOG detector. The masked-face HOG detector is ours, trained
by `python -m calibrate.mask_detector` and shipped in `data/`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import dlib
import face_recognition_models

from pipeline.settings import EngineSettings

MASKED_DETECTOR_FILE = "masked_face_detector.svm"


@dataclass(frozen=True, slots=True)
class DlibModels:
    """HOG face detectors (frontal, masked) and the 68-point shape predictor."""

    detector: Any
    masked_detector: Any
    shape_predictor: Any


@cache
def load() -> DlibModels:
    """The models, loaded on first use and shared by the process's threads (dlib's are
    read-only)."""
    return DlibModels(
        detector=dlib.get_frontal_face_detector(),
        masked_detector=dlib.fhog_object_detector(
            str(resources.files("pipeline.vision.data").joinpath(MASKED_DETECTOR_FILE))
        ),
        shape_predictor=dlib.shape_predictor(
            face_recognition_models.pose_predictor_model_location()
        ),
    )


@cache
def dlib_encoder() -> Any:
    """dlib's 128-d ResNet face encoder, loaded on first use."""
    return dlib.face_recognition_model_v1(face_recognition_models.face_recognition_model_location())


def warm(settings: EngineSettings) -> None:
    """Load the models now: every engine uses the shape predictor."""
    load()
