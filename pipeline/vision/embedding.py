"""Face descriptors for 1:1 compare, and the distance between two of them.

Two descriptors, chosen by `FACEPIPE_ENGINE_DESCRIPTOR`, each with its own calibrated score
mapping (`pipeline.vision.similarity`):
- `sface` (default): SFace, cosine distance (`pipeline.vision.sface`);
- `dlib`: dlib's 128-d ResNet descriptor (99.38% on LFW), Euclidean distance.
On the East-Asian `identities/` photos the thresholds are calibrated on, SFace rejects far
fewer same-person pairs at each false-accept rate (docs/accuracy.md, "Compare").
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from pipeline.imaging import RGBImage
from pipeline.settings import Descriptor, EngineSettings
from pipeline.vision.alignment import five_points
from pipeline.vision.detection import FaceBox
from pipeline.vision.dlib_models import dlib_encoder
from pipeline.vision.landmarks import Landmarks, find_shape, shape_to_array
from pipeline.vision.sface import sface_embedding

Embedding = NDArray[np.float64]


def face_embedding(
    pixels: RGBImage, box: FaceBox, settings: EngineSettings, landmarks: Landmarks | None = None
) -> Embedding:
    """The configured descriptor of the face in `box`.

    SFace aligns on five points of dlib's 68-point fit (`landmarks`, fitted here when not
    given), not on YuNet's own five: on small faces the fit places them more precisely, and
    1:N search's rank-1 on the `identities/` crops rose from 81% to 90% with it
    (`python -m bench.search`).
    """
    if settings.descriptor == "dlib":
        vector = dlib_encoder().compute_face_descriptor(pixels, find_shape(pixels, box))
        return np.array(vector, dtype=np.float64)
    if landmarks is None:
        landmarks = shape_to_array(find_shape(pixels, box))
    return sface_embedding(pixels, five_points(landmarks), settings.sface_model)


def distance(a: Embedding, b: Embedding, descriptor: Descriptor) -> float:
    """Euclidean for dlib (same person ~ < 0.6); cosine (0-2) for SFace's unit vectors."""
    if descriptor == "dlib":
        return float(np.linalg.norm(a - b))
    return 1.0 - float(np.dot(a, b))
