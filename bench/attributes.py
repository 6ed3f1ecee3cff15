"""Accuracy of the face attributes on the labelled photos (part of `python -m bench.accuracy`).

Measured here, on photos the models never saw where a held-out split exists:
- mask: masked-face detection on the held-out half of `masks/with_mask/` (odd-numbered
  files), with and without our masked-face detector, counting a crop as found only when the
  largest box is its face (not an eye or the padding); no lost recall on `without_mask/` and no
  extra faces on `faces/`; the mask verdict on the held-out halves of both folders;
- gender: `identities/` (48 people, labelled by folder) and `faces/` (6 public figures);
- smile: every 4th GENKI-4K crop (in-sample: the model was fitted on GENKI; its 5-fold
  cross-validated figures are quoted from the shipped report next to it);
- glasses: the cross-validated figures of `python -m calibrate.glasses`.
- mustache: the cross-validated figures of `python -m calibrate.mustache`.
- hat, hairstyle (face parsing, `FACEPIPE_ENGINE_HEAD_ATTRIBUTES=true`): the cross-validated
  figures of `python -m calibrate.head` on the `sunglasses/` heads we labelled, and
  the `faces/` photos labels.json labels, which the models never saw.
- bang: the cross-validated figures of `python -m calibrate.bang` on the
  `identities/` photos we labelled (folds keep each person together, so they test on people
  the model never saw), and its checks on the labelled `sunglasses/` faces and on `masks/`,
  which say why the engine answers null behind sunglasses and masks.
Age has no labels in the fixtures: it is reported as null with the reason.
"""

from __future__ import annotations

import json
from pathlib import Path
from statistics import mean
from typing import Any

from calibrate.fixtures import (
    finds_crop_face,
    genki_face,
    image_files,
    is_crop_face,
    largest_face,
    load,
    pad_crop,
)
from calibrate.gender import FRONTAL_ONLY, identity_gender_answers
from calibrate.labels import FACES_GENDER
from pipeline.imaging import decode
from pipeline.settings import EngineSettings
from pipeline.vision.age_gender import estimate_gender
from pipeline.vision.bang import MODEL_FILE as BANG_MODEL
from pipeline.vision.detection import detect_faces
from pipeline.vision.engine import FaceEngine
from pipeline.vision.glasses import SUNGLASS_MODEL
from pipeline.vision.head import HAIRSTYLE_MODEL, HAT_MODEL
from pipeline.vision.landmarks import find_shape
from pipeline.vision.linear import load_model
from pipeline.vision.mask import classify_mask
from pipeline.vision.mustache import MODEL_FILE as MUSTACHE_MODEL
from pipeline.vision.smile import MODEL_FILE as SMILE_MODEL
from pipeline.vision.smile import estimate_smile

SETTINGS = EngineSettings()
HOG = EngineSettings(detector="hog")


def share(values: list[bool]) -> float | None:
    return round(mean(values), 4) if values else None


def mask(root: Path, faces: Path, labels: dict[str, Any]) -> dict[str, Any]:
    masked = image_files(root / "masks" / "with_mask")[1::2]
    crops = [load(p) for p in masked]
    # The crops as they are, as bench.detection reads them.
    per_crop = [detect_faces(crop, SETTINGS) for crop in crops]
    found = [bool(b) and is_crop_face(c, b[0], 0) for c, b in zip(crops, per_crop, strict=True)]
    any_box = [bool(b) for b in per_crop]
    hog = [finds_crop_face(crop, HOG) for crop in crops]
    frontal = [finds_crop_face(crop, FRONTAL_ONLY) for crop in crops]
    clear = image_files(root / "masks" / "without_mask")
    clear_found = [bool(detect_faces(load(p), SETTINGS)) for p in clear]
    # Unmasked tight crops where the largest box is not the face (a single eye, mostly).
    identities = [p for d in sorted((root / "identities").iterdir()) for p in image_files(d)]
    misplaced = 0
    for path in identities:
        crop = load(path)
        boxes = detect_faces(pad_crop(crop), SETTINGS)
        misplaced += bool(boxes) and not is_crop_face(crop, boxes[0])
    verdicts = []
    for folder, truth in (("with_mask", "Wear"), ("without_mask", "None")):
        for path in image_files(root / "masks" / folder)[1::2]:
            pixels = pad_crop(load(path))
            face = largest_face(pixels, SETTINGS)
            if face is not None:
                verdicts.append(classify_mask(pixels, *face).value == truth)
    return {
        "held_out_masked_crops": len(masked),
        "detected": share(found),
        "detected_how": "the largest box is the crop's face: >= 40% of its side, near its centre",
        "any_box_at_all": share(any_box),
        "detected_hog_engine_padded": share(hog),
        "detected_frontal_detector_only_padded": share(frontal),
        "target_detected": 0.85,
        "without_mask_detected": share(clear_found),
        "identities_crops": len(identities),
        "identities_largest_box_not_the_face": misplaced,
        "verdict_held_out_faces": len(verdicts),
        "verdict_accuracy": share(verdicts),
        "target_accuracy": 0.95,
        "cross_validated": load_model("mask.json").report,
    }


def gender(root: Path, faces: Path, labels: dict[str, Any]) -> dict[str, Any]:
    everything = identity_gender_answers(root, SETTINGS)
    press = []
    for name, label in labels.items():
        if label["identity"]:
            pixels = load(faces / name)
            box = detect_faces(pixels, SETTINGS)[0]
            press.append(
                estimate_gender(pixels, find_shape(pixels, box)).value
                == FACES_GENDER[label["identity"]]
            )
    return {
        "identities_faces_found": len(everything),
        "identities_accuracy": share(everything),
        "faces_photos": len(press),
        "faces_accuracy": share(press),
        "target": 0.92,
    }


def smile(root: Path) -> dict[str, Any]:
    labels = json.loads((root / "genki4k" / "labels.json").read_text())
    answers = []
    for name, label in sorted(labels.items())[::4]:
        face = genki_face(root / "genki4k" / name)
        if face is not None:
            answers.append((estimate_smile(*face).value >= 0.5) == label["smile"])
    report = load_model(SMILE_MODEL).report
    return {
        "genki_every_4th_in_sample": len(answers),
        "accuracy_in_sample": share(answers),
        "cv_accuracy": report["cv_accuracy"],
        "cv_reliability": report["cv_reliability"],
        "target": 0.9,
    }


def head(faces: Path, labels: dict[str, Any]) -> dict[str, Any]:
    """Hat and hairstyle: shipped cross-validated reports and the unseen `faces/` labels."""
    engine = FaceEngine(EngineSettings(head_attributes=True))
    answers: dict[str, list[bool]] = {"hat": [], "hairstyle": []}
    for name, label in sorted(labels.items()):
        wanted = {a: label.get("attributes", {}).get(a) for a in answers}
        if not any(wanted.values()):
            continue
        found = engine.analyse(decode((faces / name).read_bytes()))
        for attribute, value in wanted.items():
            if value is not None:
                verdict = getattr(found[0], attribute) if found else None
                answers[attribute].append(verdict is not None and verdict.value == value)
    return {
        attribute: {
            **load_model(model).report,
            "faces_labelled": {"right": sum(answers[attribute]), "of": len(answers[attribute])},
            "target": target,
        }
        for attribute, model, target in (
            ("hat", HAT_MODEL, 0.85),
            ("hairstyle", HAIRSTYLE_MODEL, 0.8),
        )
    }


def attributes(root: Path) -> dict[str, Any]:
    faces = root / "faces"
    labels = json.loads((faces / "labels.json").read_text())["images"]
    glasses = load_model(SUNGLASS_MODEL).report
    return {
        "mask": mask(root, faces, labels),
        "gender": gender(root, faces, labels),
        "smile": smile(root),
        "glasses": {
            **glasses,
            "targets": {"three_way": 0.9, "sunglass_recall": 0.9, "false_sunglass": 0.02},
        },
        "mustache": {**load_model(MUSTACHE_MODEL).report, "target": 0.85},
        "bang": {**load_model(BANG_MODEL).report, "target": 0.8},
        **head(faces, labels),
        "age_mae": None,
        "age_mae_why_null": "the fixtures carry no ages",
        "not_computed": {
            "bang_with_sunglasses_or_mask": "null: they hide the brows and cheeks the model "
            "measures from (report keys bang.sunglasses_check, bang.masks_check)",
            "hairstyle_bald": "never answered: one bald face among the labelled photos",
        },
    }
