"""Small faces beside a large one: the small-face pass runs on large photos whatever the first
passes found, reports each face once, and can be turned off. Rates per face width are
measured by `python -m bench.detection` (key `small_faces`)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage import data

from pipeline.imaging import RGBImage
from pipeline.settings import EngineSettings
from pipeline.vision.detection import FaceBox, detect_faces, same_face

SETTINGS = EngineSettings()


def head(width: int) -> RGBImage:
    """The astronaut's head, scaled so that her face is about `width` px wide."""
    pixels = np.asarray(data.astronaut())
    (box, *_) = detect_faces(pixels, SETTINGS)
    crop = pixels[
        max(0, round(box.y - box.h / 2)) : round(box.y + 1.6 * box.h),
        max(0, round(box.x - box.w / 2)) : round(box.x + 1.5 * box.w),
    ]
    scale = width / box.w
    size = (round(crop.shape[1] * scale), round(crop.shape[0] * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    return np.asarray(cv2.resize(crop, size, interpolation=interpolation), dtype=np.uint8)


def scene(size: tuple[int, int], near: RGBImage, far: RGBImage) -> tuple[RGBImage, FaceBox]:
    """A `size` (width, height) photo with `near` at the top left and `far` at the bottom
    right; the box where `far` is."""
    width, height = size
    photo = np.asarray(cv2.resize(np.asarray(data.coffee()), (width, height)), dtype=np.uint8)
    near = near[: height - 100, : width // 2]  # her shoulders may leave the photo
    photo[50 : 50 + near.shape[0], 50 : 50 + near.shape[1]] = near
    top, left = height - far.shape[0] - 50, width - far.shape[1] - 50
    photo[top:, left:][: far.shape[0], : far.shape[1]] = far
    return photo, FaceBox(left, top, far.shape[1], far.shape[0], 1.0)


def test_a_small_face_behind_a_large_one_is_found_once() -> None:
    photo, far = scene((4000, 3000), head(700), head(56))
    faces = detect_faces(photo, SETTINGS)
    assert len(faces) == 2, faces
    assert faces[0].w > 500
    assert same_face(faces[1], far)
    assert not same_face(faces[0], faces[1])


def test_callers_who_want_the_main_face_skip_the_pass() -> None:
    photo, _ = scene((4000, 3000), head(700), head(56))
    faces = detect_faces(photo, EngineSettings(small_faces=False))
    assert len(faces) == 1
    assert faces[0].w > 500


@pytest.mark.parametrize("blur", [0.0, 0.03])
def test_the_large_face_is_reported_once_however_the_tiles_cut_it(blur: float) -> None:
    near = head(1400)  # wider than a tile's overlap: tiles see it in parts
    if blur:
        near = np.asarray(cv2.GaussianBlur(near, (0, 0), blur * 1400), dtype=np.uint8)
    photo, _ = scene((4000, 3000), near, head(56))
    large = [face for face in detect_faces(photo, SETTINGS) if face.w > 300]
    assert len(large) == 1, large


def test_photos_up_to_a_megapixel_keep_the_pass_for_when_nothing_is_found() -> None:
    # 1,000 x 750: the first pass sees faces from ~40 px; a 24 px face beside a large one is
    # left to the settings that lower small_faces_min_pixels.
    photo, far = scene((1000, 750), head(300), head(24))
    assert len(detect_faces(photo, SETTINGS)) == 1
    lowered = EngineSettings(small_faces_min_pixels=0)
    assert any(same_face(face, far) for face in detect_faces(photo, lowered))
