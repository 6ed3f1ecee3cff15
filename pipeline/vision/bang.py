"""Fringe over the forehead (`Has` / `None`) from the band above the brows.

A fringe is hair where a forehead would show skin: darker than the cheeks, off their colour,
and textured. In a 100 px crop with the eyes level at row 50 and 40 px apart, the brows sit
near row 36 and rows 14-32 are the forehead just above them, which even tight face crops show.
Features: for three bands of those rows, the median lightness against the cheeks' and the
share of pixels that differ from cheek skin in lightness or colour; and the forehead's texture
against the cheeks'. Measures against the face's own skin carry over between photo sources;
HOG of the forehead, tried as well, scored higher on the training source but called fringes
on the fringe-free heads of `faces/` (a throwaway check). A logistic model fitted by
`python -m calibrate.bang` on `identities/` photos we labelled; `rate` is the
probability of the reported value.
"""

from __future__ import annotations

from typing import Final, Literal

import cv2
import numpy as np
from numpy.typing import NDArray

from pipeline.imaging import RGBImage
from pipeline.vision.alignment import aligned_crop
from pipeline.vision.landmarks import Landmarks
from pipeline.vision.linear import load_model
from pipeline.vision.verdict import Verdict

CROP_SIZE: Final = 100
CROP_EYES: Final = ((0.3, 0.5), (0.7, 0.5))
MODEL_FILE: Final = "bang.json"
# Rows of the crop, top to bottom: higher above the brows to just above them.
FOREHEAD_BANDS: Final = ((14, 20), (20, 26), (26, 32))
FOREHEAD_COLUMNS: Final = slice(30, 70)
# Below the eyes, left and right of the nose: the face's own skin tone.
CHEEKS: Final = ((slice(60, 75), slice(22, 34)), (slice(60, 75), slice(66, 78)))
# Lab units (OpenCV's 8-bit scale): a pixel this much darker than the cheeks, or this far
# from their colour, is not forehead skin.
DARKER: Final = 25.0
OFF_COLOUR: Final = 12.0
BangValue = Literal["Has", "None"]


BangVerdict = Verdict[BangValue]


def bang_crop(pixels: RGBImage, landmarks: Landmarks) -> RGBImage:
    """The eye-aligned crop the bang features are measured on."""
    return aligned_crop(pixels, landmarks, CROP_SIZE, CROP_EYES)


def bang_features(crop: RGBImage) -> NDArray[np.float64]:
    """Feature vector of a `bang_crop`."""
    lab = cv2.cvtColor(crop, cv2.COLOR_RGB2LAB).astype(np.float64)
    cheeks = np.concatenate([lab[rows, columns].reshape(-1, 3) for rows, columns in CHEEKS])
    skin = np.median(cheeks, axis=0)
    bands: list[float] = []
    for top, bottom in FOREHEAD_BANDS:
        band = lab[top:bottom, FOREHEAD_COLUMNS].reshape(-1, 3)
        lighter = band[:, 0] - skin[0]
        colour = np.hypot(band[:, 1] - skin[1], band[:, 2] - skin[2])
        bands += [
            float(np.median(lighter)),
            float(((lighter < -DARKER) | (colour > OFF_COLOUR)).mean()),
        ]
    gray = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
    steps = np.abs(np.diff(gray.astype(np.float64), axis=1))
    cheek_rows, cheek_columns = CHEEKS[0]
    forehead = slice(FOREHEAD_BANDS[0][0], FOREHEAD_BANDS[-1][1])
    texture = steps[forehead, FOREHEAD_COLUMNS].mean() / (
        steps[cheek_rows, cheek_columns].mean() + 1.0
    )
    return np.array([*bands, texture])


def classify_bang(pixels: RGBImage, landmarks: Landmarks) -> BangVerdict:
    """Has or None for the face with these landmarks."""
    value, rate = load_model(MODEL_FILE).verdict(bang_features(bang_crop(pixels, landmarks)))
    return BangVerdict("Has" if value == "Has" else "None", rate)
