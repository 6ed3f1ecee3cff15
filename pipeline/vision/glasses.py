"""Glasses, first version: Sunglass or None from the eye band of the aligned face.

A logistic model over (a) the eye band's grey levels normalised by the face and (b) HOG
descriptors of the upper face, fitted by `python -m pipeline.calibrate.glasses` on the real
sunglasses photos of the fixtures against clear-eyed faces (weights in `data/glasses.json`).
`rate` is the model's probability for the value it reports.

Not detected yet: clear glasses (`Wear`). Faces with clear glasses are reported as `None`;
the attribute work adds `Wear`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Final, Literal

import cv2
import numpy as np
from numpy.typing import NDArray
from skimage.feature import hog

from pipeline.imaging import RGBImage
from pipeline.vision.alignment import aligned_crop
from pipeline.vision.landmarks import Landmarks

CROP_SIZE: Final = 64
GlassesValue = Literal["None", "Wear", "Sunglass"]


@dataclass(frozen=True, slots=True)
class GlassesVerdict:
    value: GlassesValue
    rate: float


def glasses_features(crop: RGBImage) -> NDArray[np.float64]:
    """Feature vector of a 64 x 64 aligned face crop."""
    gray = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY).astype(np.float64)
    face = gray[10:54, 10:54]
    band = (gray[12:34, 6:58] - face.mean()) / (face.std() + 1.0)
    coarse = cv2.resize(band, (13, 6), interpolation=cv2.INTER_AREA).ravel()
    gradients = hog(gray[8:40, :], orientations=9, pixels_per_cell=(8, 8), cells_per_block=(2, 2))
    return np.concatenate([coarse, np.asarray(gradients, dtype=np.float64)])


@dataclass(frozen=True, slots=True)
class _Model:
    weights: NDArray[np.float64]
    bias: float
    threshold: float


@cache
def _model() -> _Model:
    text = resources.files("pipeline.vision.data").joinpath("glasses.json").read_text()
    data = json.loads(text)
    return _Model(np.array(data["weights"]), float(data["bias"]), float(data["threshold"]))


def sunglass_probability(crop: RGBImage) -> float:
    model = _model()
    logit = float(glasses_features(crop) @ model.weights) + model.bias
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, logit))))


def classify_glasses(pixels: RGBImage, landmarks: Landmarks) -> GlassesVerdict:
    """Sunglass when the model's probability reaches its calibrated threshold, else None."""
    probability = sunglass_probability(aligned_crop(pixels, landmarks, CROP_SIZE))
    if probability >= _model().threshold:
        return GlassesVerdict("Sunglass", round(probability, 4))
    return GlassesVerdict("None", round(1.0 - probability, 4))
