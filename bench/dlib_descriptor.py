"""dlib's 128-d ResNet face descriptor (face_recognition's encoder), for comparisons only.

facepipe compares faces with SFace (`pipeline.vision.embedding`); dlib's descriptor is what
the face_recognition baseline computes (`bench.engine`) and what SFace replaced
(`bench.descriptors`).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import dlib
import face_recognition_models


@cache
def dlib_encoder() -> Any:
    """Loaded once per process."""
    return dlib.face_recognition_model_v1(face_recognition_models.face_recognition_model_location())
