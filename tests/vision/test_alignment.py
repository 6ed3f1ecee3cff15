"""Eye-aligned crops: the eyes land where the layout puts them, whatever the face's size."""

from __future__ import annotations

import numpy as np

from pipeline.vision.alignment import aligned_crop


def landmarks_with_eyes(left: tuple[float, float], right: tuple[float, float]) -> np.ndarray:
    points = np.zeros((68, 2))
    points[36:42] = left
    points[42:48] = right
    return points


def image_with_dots(left: tuple[int, int], right: tuple[int, int]) -> np.ndarray:
    pixels = np.zeros((400, 400, 3), dtype=np.uint8)
    for x, y in (left, right):
        pixels[y - 2 : y + 3, x - 2 : x + 3] = 255
    return pixels


def brightest(crop: np.ndarray, half: slice) -> tuple[int, int]:
    gray = crop[:, half, 0].astype(float)
    y, x = np.unravel_index(np.argmax(gray), gray.shape)
    return int(x) + (half.start or 0), int(y)


def test_default_and_head_layouts_put_the_eyes_where_asked() -> None:
    pixels = image_with_dots((150, 200), (250, 200))
    landmarks = landmarks_with_eyes((150, 200), (250, 200))
    default = aligned_crop(pixels, landmarks, 100)
    assert abs(brightest(default, slice(0, 50))[0] - 30) <= 2
    assert abs(brightest(default, slice(50, 100))[0] - 70) <= 2
    head = aligned_crop(pixels, landmarks, 100, ((0.4, 0.45), (0.6, 0.45)))
    x, y = brightest(head, slice(0, 50))
    assert abs(x - 40) <= 2
    assert abs(y - 45) <= 2
    assert abs(brightest(head, slice(50, 100))[0] - 60) <= 2
