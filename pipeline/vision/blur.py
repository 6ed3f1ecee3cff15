"""Face blur on the documented 0-20 scale (higher = blurrier; the gate wants < 5).

The raw measure is the contrast-normalised Laplacian variance of the face on a 64 x 64
eye-aligned crop: `sharpness = var(Laplacian(gray)) / var(gray)`. On a crop of fixed size a
detailed face has much high-frequency energy and a blurred one little, whatever the face's
size in the photo or its lighting. `x = -log10(sharpness)` is mapped to 0-20 by piecewise-linear
interpolation through anchors measured by `python -m calibrate.blur` (stored in
`data/blur.json`): 0 at the sharpest photos, 1 at the median sharp photo, 5 half-way between the
blurriest sharp photo and the sharpest copy blurred with sigma = 2% of the face width, and 20
at the median copy blurred with sigma = 5%. The mapping is monotonic, so blur grows with blur
strength.
"""

from __future__ import annotations

import json
import math
from functools import cache
from importlib import resources
from typing import Final

import cv2
import numpy as np

from pipeline.imaging import RGBImage
from pipeline.vision.alignment import aligned_crop
from pipeline.vision.landmarks import Landmarks

CROP_SIZE: Final = 64


def sharpness_log(pixels: RGBImage, landmarks: Landmarks) -> float:
    """`-log10` of the contrast-normalised Laplacian variance; larger = blurrier."""
    crop = aligned_crop(pixels, landmarks, CROP_SIZE)
    gray = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY).astype(np.float64)
    laplacian_var = float(cv2.Laplacian(gray, cv2.CV_64F).var())
    contrast = float(gray.var())
    if contrast < 1e-6:
        return math.inf  # a flat patch carries no detail at all
    return -math.log10(max(laplacian_var / contrast, 1e-12))


@cache
def _anchors() -> tuple[list[float], list[float]]:
    text = resources.files("pipeline.vision.data").joinpath("blur.json").read_text()
    anchors = json.loads(text)["anchors"]
    return [float(a["x"]) for a in anchors], [float(a["blur"]) for a in anchors]


def to_blur_scale(x: float) -> float:
    """Map the raw measure onto 0-20 with the calibrated anchors."""
    xs, blurs = _anchors()
    if math.isinf(x):
        return blurs[-1]
    return float(np.interp(x, xs, blurs))


def blur_score(pixels: RGBImage, landmarks: Landmarks) -> float:
    """Blur of one face on the 0-20 scale."""
    return round(to_blur_scale(sharpness_log(pixels, landmarks)), 2)
