"""Fringe (`bang`) on the labelled `identities/` photos, on `faces/` and behind sunglasses.

The `identities/` labels also trained the model, so that accuracy assert is an in-sample
floor that catches a broken model or feature change; the person-grouped cross-validated
figures are in the shipped report (`python -m calibrate.bang` recomputes them).
`faces/` was never trained on: none of its faces has a fringe.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from calibrate.bang import CLASSES, labelled_identities
from calibrate.fixtures import image_files, largest_face, load, pad_crop
from pipeline.analysis import detect
from pipeline.imaging import DecodedImage, decode
from pipeline.settings import EngineSettings
from pipeline.vision.bang import MODEL_FILE, bang_crop, bang_features
from pipeline.vision.engine import FaceEngine
from pipeline.vision.linear import load_model

pytestmark = pytest.mark.fixtures
SETTINGS = EngineSettings()


def answer(crop: np.ndarray) -> str:
    has = load_model(MODEL_FILE).probabilities(bang_features(crop))["Has"]
    return "Has" if has >= 0.5 else "None"


def test_labelled_identity_fringes() -> None:
    rows = labelled_identities(SETTINGS)
    said = [(answer(crop), label) for crop, label, _ in rows]
    assert len(said) >= 250
    fringes = [a == "Has" for a, label in said if label == "Has"]
    clear = [a == "Has" for a, label in said if label == "None"]
    assert sum(a == label for a, label in said) / len(said) >= 0.88
    assert sum(fringes) / len(fringes) >= 0.8
    assert sum(clear) / len(clear) <= 0.1


def test_no_fringe_on_any_face_of_faces(faces_dir: Path) -> None:
    engine = FaceEngine(SETTINGS)
    answers = [
        face.bang.value
        for path in sorted(faces_dir.iterdir())
        if path.suffix != ".json"
        for face in engine.analyse(decode(path.read_bytes()))
        if face.bang is not None
    ]
    assert len(answers) >= 25
    assert answers.count("Has") <= 1


def test_a_painted_fringe_turns_the_answer(faces_dir: Path) -> None:
    pixels = load(faces_dir / "obama.jpg")
    found = largest_face(pixels, SETTINGS)
    assert found is not None
    crop = bang_crop(pixels, found[1])
    assert answer(crop) == "None"
    fringe = crop.copy()
    rng = np.random.default_rng(0)
    # Dark brown strands over the forehead, down to just above the brows.
    strands = rng.integers(0, 30, size=(34, 60, 1))
    fringe[0:34, 20:80] = np.clip(np.array([45, 30, 20]) + strands, 0, 255).astype(np.uint8)
    assert answer(fringe) == "Has"


def test_cross_validated_figures_of_the_shipped_model() -> None:
    report = load_model(MODEL_FILE).report
    assert report["cv_accuracy"] >= 0.85
    assert report["cv_accuracy"] > report["accuracy_of_the_commonest_answer"]
    assert report["cv_recall"]["Has"] >= 0.8
    assert report["people"] >= 40
    assert report["faces_check"]["false_has"] == 0
    for row in report["cv_reliability"]:
        if row["answers"] >= 100:
            assert abs(row["accuracy"] - row["mean_rate"]) < 0.05, row


def test_sunglasses_and_masks_leave_bang_null(fixtures: Path, faces_dir: Path) -> None:
    """Sunglasses hide what places the bands, a mask the cheeks: the engine does not answer."""
    engine = FaceEngine(SETTINGS)
    behind_sunglasses = [
        face
        for path in sorted((fixtures / "sunglasses").iterdir())[:40]
        for face in engine.analyse(decode(path.read_bytes()))
        if face.glasses.value == "Sunglass"
    ]
    assert len(behind_sunglasses) >= 20
    assert all(face.bang is None for face in behind_sunglasses)
    masked = [
        face
        for path in image_files(fixtures / "masks" / "with_mask")[:40]
        for face in engine.analyse(DecodedImage(pad_crop(load(path)), "JPEG"))
        if face.respirator is not None and face.respirator.value == "Wear"
    ]
    assert len(masked) >= 20
    assert all(face.bang is None for face in masked)
    green = detect((faces_dir / "obama.jpg").read_bytes()).model_dump(by_alias=True)
    assert green["faces"][0]["bang"]["value"] == "None"
    assert 0.5 <= green["faces"][0]["bang"]["rate"] <= 1.0


def test_the_reasons_for_null_are_measured() -> None:
    report = load_model(MODEL_FILE).report
    sunglasses = report["sunglasses_check"]
    # Behind sunglasses it does hardly better than always answering None, and misses most
    # fringes (measured: 80.0% against 78.7%, 4 of 16 found).
    assert sunglasses["accuracy"] - sunglasses["accuracy_of_always_none"] < 0.03
    found, fringes = map(int, sunglasses["fringes_found"].split("/"))
    assert found < fringes / 2
    masks = report["masks_check"]
    assert masks["with_mask"]["has"] > 2 * masks["without_mask"]["has"]


def test_classes_match_the_shipped_model() -> None:
    assert list(load_model(MODEL_FILE).classes) == CLASSES
