"""68-point facial landmarks (iBUG 300-W numbering) from dlib's shape predictor."""

from __future__ import annotations

import math
from typing import Any, Final

import cv2
import dlib
import numpy as np
from numpy.typing import NDArray

from pipeline.imaging import RGBImage
from pipeline.vision import dlib_models
from pipeline.vision.detection import FaceBox

Landmarks = NDArray[np.float64]  # shape (68, 2): x, y in original-image pixels

# dlib's predictor was trained on upright faces and fails on strongly tilted ones (a face
# rolled 40 degrees came out at 14). Above this tilt of the detector's eye line, the face is
# turned upright before the fit and the points turned back.
UPRIGHT_ABOVE_DEGREES: Final = 15.0
# The upright window's side, in multiples of the face box's side.
WINDOW_SIDES: Final = 3.0


def find_shape(pixels: RGBImage, box: FaceBox) -> Any:
    """dlib's `full_object_detection` for a face box (needed by dlib's face chips)."""
    predictor = dlib_models.load().shape_predictor
    tilt = _eye_tilt(box)
    if tilt is None or abs(tilt) < UPRIGHT_ABOVE_DEGREES:
        return predictor(pixels, box.to_dlib())
    assert box.points is not None  # _eye_tilt needs them
    fitted = box.predictor_box()
    side = max(1, round(WINDOW_SIDES * fitted.w))
    centre = (fitted.x + fitted.w / 2, fitted.y + fitted.h / 2)
    to_upright = np.asarray(cv2.getRotationMatrix2D(centre, tilt, 1.0), dtype=np.float64)
    to_upright[:, 2] += np.array([side / 2 - centre[0], side / 2 - centre[1]])
    window = np.asarray(
        cv2.warpAffine(pixels, to_upright, (side, side), borderMode=cv2.BORDER_REPLICATE),
        dtype=np.uint8,
    )
    upright_points = _apply(to_upright, box.points)
    upright_box = FaceBox(box.x, box.y, box.w, box.h, box.score, upright_points)
    shape = predictor(window, upright_box.to_dlib())
    back = _apply(
        np.asarray(cv2.invertAffineTransform(to_upright), dtype=np.float64), shape_to_array(shape)
    )
    parts = dlib.points([dlib.point(round(x), round(y)) for x, y in back])
    return dlib.full_object_detection(box.to_dlib(), parts)


def _eye_tilt(box: FaceBox) -> float | None:
    """The angle of the line from the image-left eye to the other, in degrees (clockwise
    positive, as the image's y axis points down); None without the detector's points."""
    if box.points is None:
        return None
    (left_x, left_y), (right_x, right_y) = box.points[0], box.points[1]
    return math.degrees(math.atan2(right_y - left_y, right_x - left_x))


def _apply(affine: NDArray[np.float64], points: NDArray[np.float64]) -> NDArray[np.float64]:
    result: NDArray[np.float64] = points @ affine[:, :2].T + affine[:, 2]
    return result


def shape_to_array(shape: Any) -> Landmarks:
    """The 68 landmark points as an array of (x, y)."""
    return np.array([(point.x, point.y) for point in shape.parts()], dtype=np.float64)
