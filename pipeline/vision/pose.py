"""Head pose (pitch, yaw, roll in degrees) from 68 landmarks with OpenCV `solvePnP`.

Sign conventions, in the image as seen (tested in tests/vision/test_pose.py):

- roll  > 0: the face is turned counter-clockwise in the picture; rotating the image by +θ
  (counter-clockwise, as `cv2.getRotationMatrix2D` and `PIL.Image.rotate` do) adds about +θ.
- yaw   > 0: the nose points towards the right edge of the image.
- pitch > 0: the face looks up.

Mirroring the image flips the sign of yaw and roll and leaves pitch unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import cv2
import numpy as np

from pipeline.vision.landmarks import Landmarks

# A generic head in camera-like axes (x right, y down, z away from the camera), arbitrary units.
# Rows match _LANDMARK_INDEX below: nose tip, chin, outer eye corners, mouth corners.
_MODEL_POINTS: Final = np.array(
    [
        (0.0, 0.0, 0.0),
        (0.0, 330.0, 65.0),
        (-225.0, -170.0, 135.0),
        (225.0, -170.0, 135.0),
        (-150.0, 150.0, 125.0),
        (150.0, 150.0, 125.0),
    ],
    dtype=np.float64,
)
_LANDMARK_INDEX: Final = [30, 8, 36, 45, 48, 54]
# A portrait's face spans about a quarter of a normal lens's field of view.
_FOCAL_PER_FACE_WIDTH: Final = 4.0


@dataclass(frozen=True, slots=True)
class HeadPose:
    """Head rotation in degrees; see the module docstring for the signs."""

    pitch: float
    yaw: float
    roll: float


def estimate_pose(landmarks: Landmarks) -> HeadPose:
    """Solve the generic head model against the landmarks, camera centred on the face."""
    image_points = landmarks[_LANDMARK_INDEX]
    face_width = float(np.ptp(landmarks[:, 0])) or 1.0
    centre = landmarks.mean(axis=0)
    focal = _FOCAL_PER_FACE_WIDTH * face_width
    camera = np.array(
        [[focal, 0.0, centre[0]], [0.0, focal, centre[1]], [0.0, 0.0, 1.0]], dtype=np.float64
    )
    # Start from an upright head in front of the camera at the distance its size implies;
    # unseeded, the solver sometimes settles on the mirror solution (roll ~180 degrees).
    model_width = float(np.ptp(_MODEL_POINTS[:, 0]))
    guess_rotation = np.zeros((3, 1))
    guess_translation = np.array([[0.0], [0.0], [focal * model_width / face_width]])
    ok, rvec, _ = cv2.solvePnP(
        _MODEL_POINTS,
        image_points,
        camera,
        None,
        rvec=guess_rotation,
        tvec=guess_translation,
        useExtrinsicGuess=True,
        flags=cv2.SOLVEPNP_ITERATIVE,
    )
    if not ok:
        return HeadPose(pitch=math.nan, yaw=math.nan, roll=math.nan)
    rotation, _ = cv2.Rodrigues(rvec)
    return _euler_degrees(rotation)


def _euler_degrees(rotation: np.ndarray) -> HeadPose:
    # rotation = Rz(roll) @ Ry(yaw) @ Rx(pitch) in axes where y points down, so the raw angles
    # are mirrored to the signs promised above.
    pitch = math.degrees(math.atan2(rotation[2, 1], rotation[2, 2]))
    yaw = math.degrees(math.asin(max(-1.0, min(1.0, -rotation[2, 0]))))
    roll = math.degrees(math.atan2(rotation[1, 0], rotation[0, 0]))
    return HeadPose(pitch=-pitch, yaw=yaw, roll=-roll)
