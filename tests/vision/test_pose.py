"""Pose signs: +θ image rotation adds ~+θ roll; mirroring flips yaw and roll."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from pipeline.imaging import RGBImage, decode
from pipeline.settings import EngineSettings
from pipeline.vision.detection import detect_faces
from pipeline.vision.landmarks import find_shape, shape_to_array
from pipeline.vision.pose import HeadPose, estimate_pose

pytestmark = pytest.mark.fixtures


def pose_of(pixels: RGBImage) -> HeadPose:
    faces = detect_faces(pixels, EngineSettings())
    assert faces, "no face found"
    return estimate_pose(shape_to_array(find_shape(pixels, faces[0])))


def rotated(pixels: RGBImage, degrees: float) -> RGBImage:
    height, width = pixels.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    turned = cv2.warpAffine(pixels, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE)
    return np.asarray(turned, dtype=np.uint8)


def test_frontal_face_is_near_zero(obama: RGBImage) -> None:
    pose = pose_of(obama)
    assert abs(pose.pitch) < 10
    assert abs(pose.yaw) < 10
    assert abs(pose.roll) < 5


@pytest.mark.parametrize("degrees", [-20, -10, 10, 20])
def test_rotation_changes_roll_by_the_same_angle(obama: RGBImage, degrees: int) -> None:
    base = pose_of(obama).roll
    assert pose_of(rotated(obama, degrees)).roll - base == pytest.approx(degrees, abs=3)


def test_mirroring_flips_yaw_and_roll(faces_dir: Path) -> None:
    # kit_harington.jpg: a clearly turned head (|yaw| ~ 19) with some roll.
    pixels = decode((faces_dir / "kit_harington.jpg").read_bytes()).pixels
    pose, mirrored = pose_of(pixels), pose_of(np.ascontiguousarray(pixels[:, ::-1]))
    assert abs(pose.yaw) > 10
    assert mirrored.yaw == pytest.approx(-pose.yaw, abs=4)
    assert mirrored.roll == pytest.approx(-pose.roll, abs=3)
    assert mirrored.pitch == pytest.approx(pose.pitch, abs=4)


@pytest.mark.parametrize("name", ["biden2.jpg", "alex_lacamoire3.jpg"])
def test_upright_faces_never_come_out_upside_down(faces_dir: Path, name: str) -> None:
    # These two once solved to the mirror solution (roll ~ 179 degrees).
    pose = pose_of(decode((faces_dir / name).read_bytes()).pixels)
    assert abs(pose.roll) < 20
    assert abs(pose.pitch) < 30
