"""Mustache or beard (`Has` / `None`) from the lower face and the gender network.

Features: HOG and face-normalised grey levels of the lip, mouth and chin in a 96 px aligned
crop (hair there is texture and shadow), plus the gender network's log-odds of `Male`, which
keeps hair-like shadows on women's faces from counting. A logistic model fitted by
`python -m calibrate.mustache` on GENKI-4K crops and `sunglasses/` faces we
labelled and the `faces/` labels; `rate` is the probability of the reported value.
"""

from __future__ import annotations

import math
from typing import Final, Literal

import cv2
import numpy as np
from numpy.typing import NDArray
from skimage.feature import hog

from pipeline.imaging import RGBImage
from pipeline.vision.age_gender import GenderVerdict
from pipeline.vision.alignment import aligned_crop
from pipeline.vision.landmarks import Landmarks
from pipeline.vision.linear import load_model
from pipeline.vision.verdict import Verdict

CROP_SIZE: Final = 96
MODEL_FILE: Final = "mustache.json"
MustacheValue = Literal["Has", "None"]


MustacheVerdict = Verdict[MustacheValue]


def male_log_odds(gender: GenderVerdict) -> float:
    """The gender network's log-odds of `Male`, clipped away from infinity."""
    male = gender.rate if gender.value == "Male" else 1.0 - gender.rate
    male = min(max(male, 1e-4), 1.0 - 1e-4)
    return math.log(male / (1.0 - male))


def mustache_features(crop: RGBImage, male: float) -> NDArray[np.float64]:
    """Feature vector of a 96 px aligned crop and the face's `male_log_odds`."""
    gray = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
    levels = gray.astype(np.float64)
    face = levels[20:80, 20:76]
    # Rows 48-96 run from under the nose to the chin (the eyes sit at row 34).
    lower = (levels[48:96, 16:80] - face.mean()) / (face.std() + 1.0)
    coarse = cv2.resize(lower, (8, 6), interpolation=cv2.INTER_AREA).ravel()
    texture = hog(
        gray[48:96, 16:80], orientations=9, pixels_per_cell=(8, 8), cells_per_block=(2, 2)
    )
    return np.concatenate([coarse, np.asarray(texture, dtype=np.float64), [male]])


def classify_mustache(
    pixels: RGBImage, landmarks: Landmarks, gender: GenderVerdict
) -> MustacheVerdict:
    """Has or None for the face with these landmarks and this gender verdict."""
    features = mustache_features(aligned_crop(pixels, landmarks, CROP_SIZE), male_log_odds(gender))
    value, rate = load_model(MODEL_FILE).verdict(features)
    return MustacheVerdict("Has" if value == "Has" else "None", rate)
