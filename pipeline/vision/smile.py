"""Smile degree from the mouth: landmark shape plus the look of the mouth region.

Features: the 20 mouth landmarks in eye-normalised coordinates (raised corners, width,
opening) and HOG of the mouth in the 64 px aligned crop (teeth, cheek folds). A logistic
model fitted on GENKI-4K by `python -m calibrate.smile` (`data/smile.json`).
`value` is the model's smile probability, reported as the documented 0..1 smile degree;
`rate` is the probability of the yes/no answer at 0.5, i.e. max(value, 1 - value).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray
from skimage.feature import hog

from pipeline.imaging import RGBImage
from pipeline.vision.alignment import aligned_crop, normalised_landmarks
from pipeline.vision.landmarks import Landmarks
from pipeline.vision.linear import load_model

CROP_SIZE = 64
MODEL_FILE = "smile.json"


@dataclass(frozen=True, slots=True)
class SmileVerdict:
    value: float
    rate: float


def smile_features(pixels: RGBImage, landmarks: Landmarks) -> NDArray[np.float64]:
    """Feature vector of one face (see the module docstring)."""
    mouth = normalised_landmarks(landmarks)[48:68]
    crop = aligned_crop(pixels, landmarks, CROP_SIZE)
    gray = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
    gradients = hog(
        gray[36:64, 8:56], orientations=9, pixels_per_cell=(8, 8), cells_per_block=(2, 2)
    )
    return np.concatenate([mouth.ravel(), np.asarray(gradients, dtype=np.float64)])


def estimate_smile(pixels: RGBImage, landmarks: Landmarks) -> SmileVerdict:
    """The smile degree and the confidence of the smiling / not smiling answer."""
    probability = load_model(MODEL_FILE).probabilities(smile_features(pixels, landmarks))["smile"]
    return SmileVerdict(
        value=round(probability, 4), rate=round(max(probability, 1.0 - probability), 4)
    )
