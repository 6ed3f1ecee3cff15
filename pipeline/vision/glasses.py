"""Glasses: None, Wear (clear glasses) or Sunglass, in two stages on the aligned face.

1. Sunglass or not (`data/glasses.json`); its threshold is set for few false Sunglass
   verdicts, since Sunglass fails the quality gate.
2. Otherwise Wear or None (`data/glasses_wear.json`).

Both are logistic models over one feature vector: the eye band's grey levels normalised by
the face, HOG of the upper face, and a finer HOG of the eye band (frames, the bridge).

Both are fitted by `python -m calibrate.glasses`: sunglasses on the real photos of
`sunglasses/` against clear-eyed faces, clear glasses on 600 GENKI-4K crops we labelled
(`calibrate.labels`). `rate` is the probability of the reported value:
P(Sunglass) = p1, P(Wear) = (1 - p1) p2, P(None) = (1 - p1)(1 - p2).
"""

from __future__ import annotations

from typing import Final, Literal

import cv2
import numpy as np
from numpy.typing import NDArray
from skimage.feature import hog

from pipeline.imaging import RGBImage
from pipeline.vision.alignment import aligned_crop
from pipeline.vision.landmarks import Landmarks
from pipeline.vision.linear import load_model
from pipeline.vision.verdict import Verdict

CROP_SIZE: Final = 64
SUNGLASS_MODEL: Final = "glasses.json"
WEAR_MODEL: Final = "glasses_wear.json"
GlassesValue = Literal["None", "Wear", "Sunglass"]


GlassesVerdict = Verdict[GlassesValue]


def glasses_features(crop: RGBImage) -> NDArray[np.float64]:
    """The feature vector of a 64 x 64 aligned face crop."""
    gray = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
    levels = gray.astype(np.float64)
    face = levels[10:54, 10:54]
    band = (levels[12:34, 6:58] - face.mean()) / (face.std() + 1.0)
    coarse = cv2.resize(band, (13, 6), interpolation=cv2.INTER_AREA).ravel()
    upper = hog(gray[8:40, :], orientations=9, pixels_per_cell=(8, 8), cells_per_block=(2, 2))
    fine = hog(gray[8:40, 2:62], orientations=9, pixels_per_cell=(6, 6), cells_per_block=(2, 2))
    return np.concatenate(
        [coarse, np.asarray(upper, dtype=np.float64), np.asarray(fine, dtype=np.float64)]
    )


def glasses_verdict(crop: RGBImage) -> GlassesVerdict:
    """The two-stage verdict for an aligned 64 px crop."""
    features = glasses_features(crop)
    stage_one = load_model(SUNGLASS_MODEL)
    sunglass = stage_one.probabilities(features)["Sunglass"]
    if sunglass >= stage_one.threshold:
        return GlassesVerdict("Sunglass", round(sunglass, 4))
    stage_two = load_model(WEAR_MODEL)
    wear = stage_two.probabilities(features)["Wear"]
    if wear >= stage_two.threshold:
        return GlassesVerdict("Wear", round((1.0 - sunglass) * wear, 4))
    return GlassesVerdict("None", round((1.0 - sunglass) * (1.0 - wear), 4))


def classify_glasses(pixels: RGBImage, landmarks: Landmarks) -> GlassesVerdict:
    """None, Wear or Sunglass for the face with these landmarks."""
    return glasses_verdict(aligned_crop(pixels, landmarks, CROP_SIZE))
