"""Sunglasses (first version) on real photos: the floors the shipped model meets.

These photos also trained the model, so these are in-sample floors that catch a broken model
or feature change; `bench/accuracy.py` reports the cross-validated figures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.calibrate.fixtures import image_files, largest_face, load
from pipeline.settings import EngineSettings
from pipeline.vision.glasses import classify_glasses

pytestmark = pytest.mark.fixtures


def verdicts(paths: list[Path]) -> list[str]:
    out = []
    for path in paths:
        pixels = load(path)
        found = largest_face(pixels, EngineSettings())
        if found is not None:
            out.append(classify_glasses(pixels, found[1]).value)
    return out


def test_real_sunglasses_are_mostly_found(fixtures: Path) -> None:
    found = verdicts(image_files(fixtures / "sunglasses")[:80])
    assert len(found) >= 40
    assert found.count("Sunglass") / len(found) >= 0.75


def test_clear_eyed_press_photos_are_not_sunglasses(faces_dir: Path) -> None:
    assert "Sunglass" not in verdicts(image_files(faces_dir))
