"""Face detection: dlib HOG on a downscaled copy, boxes reported in original pixels."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import dlib
import numpy as np

from pipeline.imaging import RGBImage
from pipeline.settings import EngineSettings
from pipeline.vision.models import load_models


@dataclass(frozen=True, slots=True)
class FaceBox:
    """A detected face in original-image pixels (origin top-left) with its HOG score."""

    x: float
    y: float
    w: float
    h: float
    score: float

    @property
    def area(self) -> float:
        return self.w * self.h

    def to_dlib(self) -> dlib.rectangle:
        return dlib.rectangle(
            round(self.x), round(self.y), round(self.x + self.w), round(self.y + self.h)
        )


def detect_faces(pixels: RGBImage, settings: EngineSettings) -> list[FaceBox]:
    """Find faces, largest first.

    Pass one runs HOG without upsampling on a copy at most `detect_max_side` long, which finds
    faces down to ~80 px of that copy at a fraction of full-size cost. Only when it finds
    nothing does pass two look for small faces: HOG with one upsampling on a copy at most
    `retry_max_side` long.

    Each pass runs dlib's frontal detector and our masked-face detector together
    (`run_multiple` computes the HOG pyramid once for both). A masked-face box that overlaps
    a frontal one is the same face and is dropped.
    """
    faces = _detect_at(pixels, settings.detect_max_side, 0, settings)
    if not faces:
        faces = _detect_at(pixels, settings.retry_max_side, 1, settings)
    return sorted(faces, key=lambda box: box.area, reverse=True)


def _detect_at(
    pixels: RGBImage, max_side: int, upsample: int, settings: EngineSettings
) -> list[FaceBox]:
    height, width = pixels.shape[:2]
    scale = min(1.0, max_side / max(height, width))
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        work = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)
    else:
        work = np.ascontiguousarray(pixels)
    models = load_models()
    if not settings.attributes:
        rects, scores, _ = models.detector.run(work, upsample, settings.min_detection_score)
        return [
            _clip_box(r, score, scale, width, height)
            for r, score in zip(rects, scores, strict=True)
        ]
    floor = min(settings.min_detection_score, settings.min_masked_detection_score)
    rects, scores, kinds = dlib.fhog_object_detector.run_multiple(
        [models.detector, models.masked_detector], work, upsample, floor
    )
    frontal, masked = [], []
    for rect, score, kind in zip(rects, scores, kinds, strict=True):
        # `kind` is the position in the list of detectors: 0 frontal, 1 masked.
        if kind == 0 and score >= settings.min_detection_score:
            frontal.append(_clip_box(rect, score, scale, width, height))
        elif kind == 1 and score >= settings.min_masked_detection_score:
            masked.append(_clip_box(rect, score, scale, width, height))
    return frontal + [box for box in masked if not any(_overlap(box, f) for f in frontal)]


def _overlap(a: FaceBox, b: FaceBox) -> bool:
    """Intersection over the smaller box above one third: the same face."""
    width = min(a.x + a.w, b.x + b.w) - max(a.x, b.x)
    height = min(a.y + a.h, b.y + b.h) - max(a.y, b.y)
    if width <= 0 or height <= 0:
        return False
    return width * height > min(a.area, b.area) / 3


def _clip_box(rect: dlib.rectangle, score: float, scale: float, width: int, height: int) -> FaceBox:
    # HOG boxes may stick out of the image for faces cut by its edge; report the visible part.
    left = max(0.0, rect.left() / scale)
    top = max(0.0, rect.top() / scale)
    right = min(float(width), (rect.right() + 1) / scale)
    bottom = min(float(height), (rect.bottom() + 1) / scale)
    return FaceBox(x=left, y=top, w=right - left, h=bottom - top, score=float(score))
