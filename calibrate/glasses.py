"""Fit the two glasses models: `python -m calibrate.glasses`.

Stage one, Sunglass or not. Positives: the largest faces found in `sunglasses/` that we saw
wear sunglasses (`calibrate.labels.sunglasses_face_label`) and the GENKI-4K crops we
labelled Sunglass. Negatives: `faces/`, `identities/`, `masks/without_mask/` (tight crops
padded before detection), the clear-eyed faces of `sunglasses/` and the GENKI crops we
labelled None or Wear. Every face is also trained on as its mirror image. The threshold is the
lowest that keeps cross-validated false Sunglass verdicts on clear faces under
`MAX_FALSE_SUNGLASS`, since a false Sunglass fails a good photo at the gate.

Stage two, Wear or None, on the GENKI crops we labelled (`calibrate.labels`).

Reports 5-fold cross-validated figures: stage one's recall and false-Sunglass rate, stage
two's, and the 3-way accuracy and reliability of the combined verdict on every labelled
face (GENKI, `sunglasses/`, and `faces/` labelled None). Writes `vision/data/glasses.json`
and `glasses_wear.json`. Needs scikit-learn (a dev dependency).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from calibrate import SHIPPED
from calibrate.fixtures import (
    fixtures_dir,
    genki_face,
    image_files,
    largest_face,
    load,
    pad_crop,
)
from calibrate.labels import genki_glasses, sunglasses_face_label
from calibrate.reliability import cross_validated, reliability_table, shipped_json
from pipeline.imaging import RGBImage
from pipeline.settings import EngineSettings
from pipeline.vision.alignment import aligned_crop
from pipeline.vision.glasses import (
    CROP_SIZE,
    SUNGLASS_MODEL,
    WEAR_MODEL,
    glasses_features,
)

DATA = SHIPPED
SUNGLASS_C = 0.005  # sklearn's C; 0.002 to 0.5 were tried, balanced or not
WEAR_C = 0.05
# The ceiling is 2%; the threshold is chosen for 1.5% so that new photos, which it
# was not chosen on, stay under 2%.
MAX_FALSE_SUNGLASS = 0.015
THRESHOLDS = np.round(np.arange(0.05, 0.96, 0.01), 2)


def crops_of(paths: Iterable[Path], pad: bool, settings: EngineSettings) -> list[RGBImage]:
    crops = []
    for path in paths:
        pixels = load(path)
        if pad:
            pixels = pad_crop(pixels)
        found = largest_face(pixels, settings)
        if found is not None:
            crops.append(aligned_crop(pixels, found[1], CROP_SIZE))
    return crops


def sunglasses_crops(settings: EngineSettings) -> tuple[list[RGBImage], list[str | None]]:
    """The largest face of each `sunglasses/` photo, with our label (None: left out)."""
    crops, labels = [], []
    for path in image_files(fixtures_dir() / "sunglasses"):
        pixels = load(path)
        found = largest_face(pixels, settings)
        if found is not None:
            crops.append(aligned_crop(pixels, found[1], CROP_SIZE))
            labels.append(sunglasses_face_label(path.name))
    return crops, labels


def mirror_features(crops: list[RGBImage]) -> NDArray[np.float64]:
    return np.array([glasses_features(np.ascontiguousarray(c[:, ::-1])) for c in crops])


def genki_crops() -> tuple[list[RGBImage], list[str]]:
    root = fixtures_dir() / "genki4k"
    crops, labels = [], []
    for name, label in sorted(genki_glasses().items()):
        face = genki_face(root / name)
        if face is not None:
            crops.append(aligned_crop(face[0], face[1], CROP_SIZE))
            labels.append(label)
    return crops, labels


def rate(mask: NDArray[np.bool_]) -> float:
    return round(float(mask.mean()), 4) if mask.size else float("nan")


def main() -> None:
    settings = EngineSettings()
    root = fixtures_dir()
    identities = [p for d in sorted((root / "identities").iterdir()) for p in image_files(d)]
    labelled_none = [
        root / "faces" / name
        for name, label in json.loads((root / "faces" / "labels.json").read_text())[
            "images"
        ].items()
        if label.get("attributes", {}).get("glasses") == "None"
    ]
    selfies, selfie_labels = sunglasses_crops(settings)
    sunglasses = [c for c, label in zip(selfies, selfie_labels, strict=True) if label == "Sunglass"]
    left_out = [c for c, label in zip(selfies, selfie_labels, strict=True) if label is None]
    clear = (
        [c for c, label in zip(selfies, selfie_labels, strict=True) if label == "clear"]
        + crops_of(image_files(root / "faces"), False, settings)
        + crops_of(identities, True, settings)
        + crops_of(image_files(root / "masks" / "without_mask"), True, settings)
    )
    genki, genki_labels = genki_crops()
    none_faces = crops_of(labelled_none, False, settings)

    # Stage one: rows are sunglasses/, the clear faces, then GENKI.
    rows = sunglasses + clear + genki
    truth = ["Sunglass"] * len(sunglasses) + ["clear"] * len(clear) + genki_labels
    is_sunglass = np.array([t == "Sunglass" for t in truth])
    features = np.array([glasses_features(c) for c in rows])
    stage_one, cv_sunglass = cross_validated(
        features, is_sunglass.astype(int), SUNGLASS_C, mirrored=mirror_features(rows)
    )
    p_sunglass = cv_sunglass[:, 1]
    threshold = next(
        float(t) for t in THRESHOLDS if (p_sunglass[~is_sunglass] >= t).mean() <= MAX_FALSE_SUNGLASS
    )
    said_sunglass = p_sunglass >= threshold
    genki_rows = np.arange(len(rows)) >= len(sunglasses) + len(clear)
    wear_rows = np.array([t == "Wear" for t in truth])

    # Stage two: GENKI crops that are not sunglasses.
    genki_truth = np.array(genki_labels)
    stage_two_rows = [c for c, t in zip(genki, genki_labels, strict=True) if t != "Sunglass"]
    stage_two_truth = genki_truth[genki_truth != "Sunglass"] == "Wear"
    stage_two, cv_wear = cross_validated(
        np.array([glasses_features(c) for c in stage_two_rows]),
        stage_two_truth.astype(int),
        WEAR_C,
        balanced=True,
        mirrored=mirror_features(stage_two_rows),
    )
    said_wear = cv_wear[:, 1] >= 0.5

    # The combined 3-way verdict, cross-validated on every face with a 3-way label.
    p_wear = np.full(len(rows), np.nan)
    p_wear[np.flatnonzero(genki_rows)[genki_truth != "Sunglass"]] = cv_wear[:, 1]
    # Rows stage two never trained on (sunglasses/) take the fitted model.
    for row in np.flatnonzero(~genki_rows & is_sunglass):
        p_wear[row] = stage_two.predict_proba(features[row][None])[0, 1]
    three_way = [i for i in range(len(rows)) if truth[i] != "clear" and not np.isnan(p_wear[i])]
    answers, confidences, rights = [], [], []
    for i in three_way:
        if said_sunglass[i]:
            value, confidence = "Sunglass", p_sunglass[i]
        elif p_wear[i] >= 0.5:
            value, confidence = "Wear", (1 - p_sunglass[i]) * p_wear[i]
        else:
            value, confidence = "None", (1 - p_sunglass[i]) * (1 - p_wear[i])
        answers.append(value)
        confidences.append(confidence)
        rights.append(value == truth[i])
    # The press photos labelled None in faces/ (also in the clear set above).
    none_right = [
        not stage_one.predict_proba(glasses_features(c)[None])[0, 1] >= threshold
        and stage_two.predict_proba(glasses_features(c)[None])[0, 1] < 0.5
        for c in none_faces
    ]
    # The unreviewed measure: every largest face of sunglasses/ counted as wearing them, as
    # the fixtures' README has it. Rows left out of training are scored by the fitted model,
    # which never saw them; the others by the cross-validation.
    selfie_clear = len(sunglasses), len(sunglasses) + selfie_labels.count("clear")
    every_selfie_said = [
        *said_sunglass[: selfie_clear[1]],
        *(stage_one.predict_proba(glasses_features(c)[None])[0, 1] >= threshold for c in left_out),
    ]
    report: dict[str, Any] = {
        "sunglass": {
            "positives": int(is_sunglass.sum()),
            "negatives": int((~is_sunglass).sum()),
            "threshold": threshold,
            "cv_recall": rate(said_sunglass[is_sunglass]),
            "cv_recall_sunglasses_photos": rate(said_sunglass[: len(sunglasses)]),
            "sunglasses_photos": {
                "largest_faces": len(selfies),
                "seen_wearing_sunglasses": len(sunglasses),
                "seen_clear_eyed": selfie_labels.count("clear"),
                "not_a_face_or_unsure": len(left_out),
                "said_sunglass_of_all_unreviewed": rate(np.array(every_selfie_said)),
            },
            "cv_false_sunglass_rate_clear_eyed_selfies": rate(
                said_sunglass[selfie_clear[0] : selfie_clear[1]]
            ),
            "cv_false_sunglass_rate": rate(said_sunglass[~is_sunglass]),
            "cv_false_sunglass_rate_genki_clear": rate(said_sunglass[genki_rows & ~is_sunglass]),
            "cv_false_sunglass_rate_clear_glasses": rate(said_sunglass[wear_rows]),
        },
        "wear": {
            "genki_wear": int(stage_two_truth.sum()),
            "genki_none": int((~stage_two_truth).sum()),
            "cv_accuracy": rate(said_wear == stage_two_truth),
            "cv_recall": rate(said_wear[stage_two_truth]),
            "cv_false_wear_rate": rate(said_wear[~stage_two_truth]),
        },
        "three_way": {
            "faces": len(three_way),
            "cv_accuracy": rate(np.array(rights)),
            "cv_reliability": reliability_table(np.array(confidences), np.array(rights)),
            "faces_labelled_none_right": f"{sum(none_right)}/{len(none_right)}",
        },
    }
    (DATA / SUNGLASS_MODEL).write_text(
        shipped_json(stage_one, ["clear", "Sunglass"], report, threshold)
    )
    (DATA / WEAR_MODEL).write_text(shipped_json(stage_two, ["None", "Wear"], report["wear"]))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
