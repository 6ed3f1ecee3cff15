"""faceres-deep, the second age network: prepared as trained, loaded only when configured."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from calibrate.fixtures import largest_face, load
from pipeline.errors import MissingModelError
from pipeline.settings import EngineSettings
from pipeline.vision import faceres
from pipeline.vision.alignment import five_points


def test_the_chip_is_fed_in_bgr_order_less_the_imagenet_means() -> None:
    chip = np.zeros((224, 224, 3), dtype=np.uint8)
    chip[..., 0] = 200  # red
    tensor = faceres.network_input(chip)
    assert tensor.shape == (1, 224, 224, 3)
    assert tensor.dtype == np.float32
    # Blue first, red last, each less its channel's mean.
    np.testing.assert_allclose(tensor[0, 0, 0], [-103.939, -116.779, 200.0 - 123.68], rtol=1e-6)


def test_the_network_reads_an_older_face_as_older(faces_dir: Path) -> None:
    """Without calibration, on two labelled photos: the age distribution sums to one, and
    it moves with the face."""
    ages = {}
    for name in ("biden.jpg", "rose_leslie.jpg"):
        pixels = load(faces_dir / name)
        found = largest_face(pixels, EngineSettings())
        assert found is not None
        points = five_points(found[1])
        distribution = faceres.outputs(pixels, points)[faceres.AGE_OUTPUT]
        assert distribution.shape == (100,)
        assert float(distribution.sum()) == pytest.approx(1.0, abs=1e-4)
        ages[name] = faceres.expected_age(pixels, points)
    assert ages["biden.jpg"] > ages["rose_leslie.jpg"] + 15


def test_a_missing_model_names_the_setting_that_avoids_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    faceres.load.cache_clear()
    monkeypatch.setattr(faceres, "converted_model", lambda name: tmp_path / name)
    try:
        with pytest.raises(MissingModelError, match="FACEPIPE_ENGINE_AGE_MODEL=dlib"):
            faceres.load()
    finally:
        faceres.load.cache_clear()


def test_only_settings_that_use_it_load_it() -> None:
    faceres.load.cache_clear()
    faceres.warm(EngineSettings())
    faceres.warm(EngineSettings(attributes=False, age_model="dlib+faceres"))
    assert faceres.load.cache_info().currsize == 0
    faceres.warm(EngineSettings(age_model="dlib+faceres"))
    assert faceres.load.cache_info().currsize == 1


def test_the_setting_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FACEPIPE_ENGINE_AGE_MODEL", "dlib+faceres")
    assert EngineSettings().age_model == "dlib+faceres"
    monkeypatch.setenv("FACEPIPE_ENGINE_AGE_MODEL", "gear")
    with pytest.raises(ValueError, match="age_model"):
        EngineSettings()
