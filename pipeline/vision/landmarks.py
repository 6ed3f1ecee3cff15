"""68-point facial landmarks (iBUG 300-W numbering) from dlib's shape predictor."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from pipeline.imaging import RGBImage
from pipeline.vision.detection import FaceBox
from pipeline.vision.dlib_models import load_models

Landmarks = NDArray[np.float64]  # shape (68, 2): x, y in original-image pixels


def find_shape(pixels: RGBImage, box: FaceBox) -> Any:
    """dlib's `full_object_detection` for a face box (needed by dlib's face chips)."""
    return load_models().shape_predictor(pixels, box.to_dlib())


def shape_to_array(shape: Any) -> Landmarks:
    """The 68 landmark points as an array of (x, y)."""
    return np.array([(point.x, point.y) for point in shape.parts()], dtype=np.float64)
