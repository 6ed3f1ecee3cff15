"""Mustache / beard on the labelled faces of `faces/` and GENKI-4K, and the shipped report.

The labelled photos also trained the model, so the accuracy asserts are in-sample floors that
catch a broken model or feature change; the cross-validated figures are in the shipped report
(`python -m calibrate.mustache` recomputes them).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from calibrate.fixtures import genki_pixels, largest_shape, load
from calibrate.labels import genki_mustache
from pipeline.imaging import RGBImage
from pipeline.settings import EngineSettings
from pipeline.vision.age_gender import GenderVerdict, estimate_gender
from pipeline.vision.landmarks import shape_to_array
from pipeline.vision.linear import load_model
from pipeline.vision.mustache import MODEL_FILE, classify_mustache, male_log_odds

pytestmark = pytest.mark.fixtures
SETTINGS = EngineSettings()


def verdict(pixels: RGBImage) -> str | None:
    shape = largest_shape(pixels, SETTINGS)
    if shape is None:
        return None
    gender = estimate_gender(pixels, shape)
    return classify_mustache(pixels, shape_to_array(shape), gender).value


def test_labelled_mustaches_in_faces(faces_dir: Path, face_labels: dict) -> None:
    answers = [
        verdict(load(faces_dir / name)) == label["attributes"]["mustache"]
        for name, label in face_labels.items()
        if "mustache" in label.get("attributes", {})
    ]
    assert len(answers) == 8
    assert sum(answers) >= 6


def test_genki_beards_and_clean_faces(fixtures: Path) -> None:
    labels = genki_mustache()
    bearded = [n for n, label in labels.items() if label == "Has"]
    clean = [n for n, label in labels.items() if label == "None"][::6]
    said = {n: verdict(genki_pixels(fixtures / "genki4k" / n)) for n in bearded + clean}
    found = [said[n] == "Has" for n in bearded if said[n] is not None]
    false = [said[n] == "Has" for n in clean if said[n] is not None]
    assert len(found) >= 25
    assert len(false) >= 80
    assert sum(found) / len(found) >= 0.4
    assert sum(false) / len(false) <= 0.03


def test_cross_validated_figures_of_the_shipped_model() -> None:
    report = load_model(MODEL_FILE).report
    assert report["cv_accuracy"] >= 0.85
    assert report["cv_accuracy"] > report["accuracy_of_always_none"]
    assert report["cv_recall"]["Has"] >= 0.4
    for row in report["cv_reliability"]:
        if row["answers"] >= 100:
            assert abs(row["accuracy"] - row["mean_rate"]) < 0.05, row


def test_male_log_odds_follows_the_gender_verdict() -> None:
    assert male_log_odds(GenderVerdict("Male", 0.9)) == pytest.approx(2.197, abs=1e-3)
    assert male_log_odds(GenderVerdict("Female", 0.9)) == pytest.approx(-2.197, abs=1e-3)
    assert abs(male_log_odds(GenderVerdict("Male", 1.0))) < 10
