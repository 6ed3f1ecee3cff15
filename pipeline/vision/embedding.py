"""128-d dlib ResNet face descriptors (99.38% on LFW) for 1:1 compare."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from pipeline.imaging import RGBImage
from pipeline.vision.models import load_models

Embedding = NDArray[np.float64]


def face_embedding(pixels: RGBImage, shape: Any) -> Embedding:
    """Descriptor of the face whose 68-point `shape` is given; same person ~ distance < 0.6."""
    return np.array(load_models().encoder.compute_face_descriptor(pixels, shape), dtype=np.float64)


def distance(a: Embedding, b: Embedding) -> float:
    """Euclidean distance between two descriptors."""
    return float(np.linalg.norm(a - b))
