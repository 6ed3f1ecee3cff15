"""Smile degree on GENKI-4K labels and the labelled smiles of faces/."""

from __future__ import annotations

import json
from pathlib import Path

from calibrate.fixtures import genki_face, load
from pipeline.settings import EngineSettings
from pipeline.vision.detection import detect_faces
from pipeline.vision.landmarks import find_shape, shape_to_array
from pipeline.vision.linear import load_model
from pipeline.vision.smile import MODEL_FILE, estimate_smile

SETTINGS = EngineSettings()


def test_smile_accuracy_and_confidence_on_genki(fixtures: Path) -> None:
    root = fixtures / "genki4k"
    labels = json.loads((root / "labels.json").read_text())
    answers = []
    for name, label in sorted(labels.items())[::7]:
        face = genki_face(root / name)
        if face is not None:
            verdict = estimate_smile(*face)
            answers.append(((verdict.value >= 0.5) == label["smile"], verdict.rate))
    assert len(answers) >= 300
    # The model was fitted on GENKI; its 5-fold cross-validated accuracy is in the report.
    assert sum(right for right, _ in answers) / len(answers) >= 0.9
    confident = [right for right, rate in answers if rate >= 0.9]
    assert sum(confident) / len(confident) >= 0.9


def test_cross_validated_accuracy_and_reliability_of_the_shipped_model() -> None:
    report = load_model(MODEL_FILE).report
    assert report["cv_accuracy"] >= 0.9
    for row in report["cv_reliability"]:
        if row["answers"] >= 100:
            assert abs(row["accuracy"] - row["mean_rate"]) < 0.1, row


def test_labelled_smiles_in_faces(faces_dir: Path, face_labels: dict) -> None:
    for name, label in face_labels.items():
        if "smile" in label.get("attributes", {}):
            pixels = load(faces_dir / name)
            landmarks = shape_to_array(find_shape(pixels, detect_faces(pixels, SETTINGS)[0]))
            assert (estimate_smile(pixels, landmarks).value >= 0.5) == label["attributes"]["smile"]
