"""Shared fixtures: the labelled photos of ../shared/fixtures, required in CI."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from pipeline.calibrate.fixtures import fixtures_dir
from pipeline.imaging import RGBImage, decode


def _require_fixtures() -> Path:
    root = fixtures_dir()
    if not (root / "faces" / "labels.json").is_file():
        message = f"labelled photos not found at {root} (set FACEPIPE_FIXTURES)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; CI must have ../shared beside the checkout")
        pytest.skip(message)
    return root


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return _require_fixtures()


@pytest.fixture(scope="session")
def faces_dir(fixtures: Path) -> Path:
    return fixtures / "faces"


@pytest.fixture(scope="session")
def face_labels(faces_dir: Path) -> dict[str, Any]:
    labels: dict[str, Any] = json.loads((faces_dir / "labels.json").read_text())["images"]
    return labels


@pytest.fixture(scope="session")
def obama(faces_dir: Path) -> RGBImage:
    return decode((faces_dir / "obama.jpg").read_bytes()).pixels
