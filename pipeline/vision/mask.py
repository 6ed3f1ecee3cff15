"""Face mask (`respirator`): Wear or None, from the lower half of the aligned face.

Features, from two views of the face, since the landmarks under a mask are partly guessed:
- the 64 px crop aligned on the eyes: HOG of its nose-to-chin part, how much that part differs
  in colour from the eye band (a mask is rarely skin-coloured, and usually flatter), and the
  share of it whose chroma is close to the eye band's;
- the detector's box scaled to 48 px: HOG of its lower half and its colour against the upper.
A logistic model fitted by `python -m calibrate.mask` on `masks/` plus clear faces
(`data/mask.json`); `rate` is its probability of the reported value.
"""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np
from numpy.typing import NDArray
from skimage.feature import hog

from pipeline.imaging import RGBImage
from pipeline.vision.alignment import aligned_crop
from pipeline.vision.detection import FaceBox
from pipeline.vision.landmarks import Landmarks
from pipeline.vision.linear import load_model
from pipeline.vision.verdict import Verdict

CROP_SIZE = 64
MODEL_FILE = "mask.json"
MaskValue = Literal["Wear", "None"]


MaskVerdict = Verdict[MaskValue]


def mask_features(pixels: RGBImage, box: FaceBox, landmarks: Landmarks) -> NDArray[np.float64]:
    """Feature vector of one face (see the module docstring). The box is taken in HOG's
    convention (`FaceBox.predictor_box`), which either detector's box maps to."""
    return np.concatenate(
        [_aligned_features(pixels, landmarks), _box_features(pixels, box.predictor_box())]
    )


def _aligned_features(pixels: RGBImage, landmarks: Landmarks) -> NDArray[np.float64]:
    crop = aligned_crop(pixels, landmarks, CROP_SIZE)
    gray = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
    gradients = hog(
        gray[32:64, 8:56], orientations=9, pixels_per_cell=(8, 8), cells_per_block=(2, 2)
    )
    lab = cv2.cvtColor(crop, cv2.COLOR_RGB2LAB).astype(np.float64)
    eyes, lower = lab[16:30, 10:54].reshape(-1, 3), lab[40:64, 14:50].reshape(-1, 3)
    colour = np.concatenate(
        [lower.mean(axis=0) - eyes.mean(axis=0), lower.std(axis=0), eyes.std(axis=0)]
    )
    # Share of the lower face whose chroma is near the eye band's: skin showing below the eyes.
    chroma = np.median(eyes[:, 1:], axis=0)
    distance = np.hypot(*(lower[:, 1:] - chroma).T)
    skin = np.array([(distance < limit).mean() for limit in (4.0, 8.0, 16.0)])
    return np.concatenate([np.asarray(gradients, dtype=np.float64), colour / 32.0, skin])


def _box_features(pixels: RGBImage, box: FaceBox) -> NDArray[np.float64]:
    height, width = pixels.shape[:2]
    left, top = int(max(0.0, box.x)), int(max(0.0, box.y))
    right = max(left + 1, min(width, round(box.x + box.w)))
    bottom = max(top + 1, min(height, round(box.y + box.h)))
    crop = cv2.resize(pixels[top:bottom, left:right], (48, 48), interpolation=cv2.INTER_AREA)
    gray = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
    gradients = hog(gray[20:48, :], orientations=9, pixels_per_cell=(8, 8), cells_per_block=(2, 2))
    lab = cv2.cvtColor(crop, cv2.COLOR_RGB2LAB).astype(np.float64)
    upper, lower = lab[8:20].reshape(-1, 3), lab[28:46].reshape(-1, 3)
    colour = np.concatenate([lower.mean(axis=0) - upper.mean(axis=0), lower.std(axis=0)]) / 32.0
    return np.concatenate([np.asarray(gradients, dtype=np.float64), colour])


def classify_mask(pixels: RGBImage, box: FaceBox, landmarks: Landmarks) -> MaskVerdict:
    """Wear or None with the model's probability of that answer."""
    value, rate = load_model(MODEL_FILE).verdict(mask_features(pixels, box, landmarks))
    return MaskVerdict("Wear" if value == "Wear" else "None", rate)
