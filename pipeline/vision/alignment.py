"""Face crops normalised by the eyes, so measures on them do not depend on face size."""

from __future__ import annotations

import math
from typing import Final

import cv2
import numpy as np
from numpy.typing import NDArray
from skimage.transform import SimilarityTransform

from pipeline.errors import InternalError
from pipeline.imaging import RGBImage
from pipeline.vision.landmarks import Landmarks

# Where the eye centres land in a crop of side 1; the crop spans brows to mouth.
LEFT_EYE: Final = (0.3, 0.35)
RIGHT_EYE: Final = (0.7, 0.35)
# Where five points land in a 112 x 112 chip in the ArcFace training layout (InsightFace's,
# which SFace and MobileFaceNet share): the eye in the image's left half, the other eye, the
# nose tip, the left and the right mouth corner.
ARCFACE_TEMPLATE: Final = np.array(
    [
        [38.2946, 51.6963],
        [73.5318, 51.5014],
        [56.0252, 71.7366],
        [41.5493, 92.3655],
        [70.7299, 92.2041],
    ]
)
ARCFACE_SIDE: Final = 112


def five_points(landmarks: Landmarks) -> NDArray[np.float64]:
    """Eye centres, nose tip and mouth corners from dlib's 68 points, in ARCFACE_TEMPLATE
    order."""
    return np.array(
        [
            landmarks[36:42].mean(axis=0),
            landmarks[42:48].mean(axis=0),
            landmarks[30],
            landmarks[48],
            landmarks[54],
        ],
        dtype=np.float64,
    )


def arcface_chip(
    pixels: RGBImage,
    points: NDArray[np.float64],
    side: int = ARCFACE_SIDE,
    zoom: float = 1.0,
    border: int = cv2.BORDER_CONSTANT,
) -> RGBImage:
    """A `side` x `side` chip with the five `points` mapped onto the ArcFace template by a
    similarity transform (Umeyama), as OpenCV's `FaceRecognizerSF.alignCrop` does.

    `zoom` < 1 shrinks the template about the chip's centre, so the chip shows more around
    the face (networks trained on looser crops); `border` fills what lies outside the image.
    """
    template = ((ARCFACE_TEMPLATE - ARCFACE_SIDE / 2) * zoom + ARCFACE_SIDE / 2) * (
        side / ARCFACE_SIDE
    )
    transform = SimilarityTransform.from_estimate(points, template)
    if not isinstance(transform, SimilarityTransform):
        # Only collinear or coincident points fail, which a shape predictor does not return.
        raise InternalError(f"cannot align the face on its five points: {transform}")
    chip = cv2.warpAffine(pixels, transform.params[:2], (side, side), borderMode=border)
    return np.asarray(chip, dtype=np.uint8)


def eye_centres(landmarks: Landmarks) -> tuple[np.ndarray, np.ndarray]:
    """Centres of the eye in the image's left half and of the one in its right half."""
    return landmarks[36:42].mean(axis=0), landmarks[42:48].mean(axis=0)


def aligned_crop(
    pixels: RGBImage,
    landmarks: Landmarks,
    size: int,
    eyes: tuple[tuple[float, float], tuple[float, float]] = (LEFT_EYE, RIGHT_EYE),
) -> RGBImage:
    """A `size` x `size` crop, rotated so the eyes are level and scaled by their distance.

    `eyes` places the two eye centres in a crop of side 1 (the default spans brows to mouth).
    Parts outside the image (faces cut by its edge) are mirrored in rather than filled with
    black, which would add edges that are not in the photo.
    """
    (left_x, left_y), (right_x, _) = eyes
    left, right = eye_centres(landmarks)
    delta = right - left
    scale = (right_x - left_x) * size / max(float(np.hypot(*delta)), 1e-6)
    angle = -math.atan2(delta[1], delta[0])
    cos, sin = math.cos(angle) * scale, math.sin(angle) * scale
    linear = np.array([[cos, -sin], [sin, cos]])
    offset = np.array([left_x * size, left_y * size]) - linear @ left
    affine = np.hstack([linear, offset[:, None]])
    # Downscaling must average (INTER_AREA) or aliasing adds false sharpness.
    flags = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_LINEAR
    crop = cv2.warpAffine(
        pixels, affine, (size, size), flags=flags, borderMode=cv2.BORDER_REFLECT_101
    )
    return np.asarray(crop, dtype=np.uint8)


def normalised_landmarks(landmarks: Landmarks) -> Landmarks:
    """Landmarks with the eyes' midpoint at the origin, the eyes level, and unit eye distance.

    Shape measures (a smile's raised corners, an open mouth) compare across faces this way.
    """
    left, right = eye_centres(landmarks)
    delta = right - left
    distance = max(float(np.hypot(*delta)), 1e-6)
    cos, sin = delta / distance
    rotation = np.array([[cos, sin], [-sin, cos]])
    result: Landmarks = ((landmarks - (left + right) / 2) @ rotation.T) / distance
    return result
