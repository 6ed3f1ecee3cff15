"""The dlib models, loaded once per process from the `face_recognition_models` wheel."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import dlib
import face_recognition_models


@dataclass(frozen=True, slots=True)
class DlibModels:
    """HOG face detector, 68-point shape predictor and the 128-d ResNet face encoder."""

    detector: Any
    shape_predictor: Any
    encoder: Any


@cache
def load_models() -> DlibModels:
    """Load the models on first use; later calls in the same process reuse them."""
    return DlibModels(
        detector=dlib.get_frontal_face_detector(),
        shape_predictor=dlib.shape_predictor(
            face_recognition_models.pose_predictor_model_location()
        ),
        encoder=dlib.face_recognition_model_v1(
            face_recognition_models.face_recognition_model_location()
        ),
    )
