"""Fit the mask model: `python -m calibrate.mask`.

Positives: `masks/with_mask/`; negatives: `masks/without_mask/` and the clear faces of
`identities/` (tight crops, padded before detection). Faces are found as the engine finds
them (its default detector); each is also trained on as its mirror image. Held
out: the odd-numbered files of `masks/`, never fitted on; the report gives accuracy on them,
plus 5-fold cross-validation over the rest.
Writes `vision/data/mask.json`. Needs scikit-learn (a dev dependency).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.pipeline import Pipeline

from calibrate import SHIPPED
from calibrate.fixtures import fixtures_dir, image_files, largest_face, load, pad_crop
from calibrate.reliability import fit_and_report, shipped_json
from pipeline.settings import EngineSettings
from pipeline.vision.mask import MODEL_FILE, mask_features

OUTPUT = SHIPPED / MODEL_FILE
REGULARISATION = 0.05  # sklearn C
CLASSES = ["None", "Wear"]


def features_of(paths: list[Path], settings: EngineSettings) -> list[NDArray[np.float64]]:
    rows = []
    for path in paths:
        pixels = pad_crop(load(path))
        found = largest_face(pixels, settings)
        if found is not None:
            rows.append(mask_features(pixels, found[0], found[1]))
    return rows


def mirrored_features_of(
    paths: list[Path], settings: EngineSettings
) -> tuple[list[NDArray[np.float64]], list[NDArray[np.float64]]]:
    """Each found face's features, and those of its mirror image (found again by the
    detector, whose box may differ; the face's own features where it finds nothing there)."""
    rows, mirrored = [], []
    for path in paths:
        pixels = pad_crop(load(path))
        found = largest_face(pixels, settings)
        if found is None:
            continue
        rows.append(mask_features(pixels, found[0], found[1]))
        flipped = np.ascontiguousarray(pixels[:, ::-1])
        again = largest_face(flipped, settings)
        mirrored.append(rows[-1] if again is None else mask_features(flipped, *again))
    return rows, mirrored


def held_out_accuracy(model: Pipeline, masked: list[Any], clear: list[Any]) -> float:
    right = int((model.predict(np.array(masked)) == 1).sum())
    right += int((model.predict(np.array(clear)) == 0).sum())
    return round(right / (len(masked) + len(clear)), 4)


def main() -> None:
    settings = EngineSettings()
    root = fixtures_dir()
    with_mask = image_files(root / "masks" / "with_mask")
    without = image_files(root / "masks" / "without_mask")
    identities = [p for d in sorted((root / "identities").iterdir()) for p in image_files(d)]
    positives, positives_mirrored = mirrored_features_of(with_mask[0::2], settings)
    negatives, negatives_mirrored = mirrored_features_of(without[0::2] + identities, settings)
    about = {"data": "masks/ even-numbered files + identities/ (clear), and mirror images"}
    model, report = fit_and_report(
        np.array(positives + negatives),
        np.r_[np.ones(len(positives)), np.zeros(len(negatives))].astype(int),
        CLASSES,
        REGULARISATION,
        about,
        balanced=True,  # the clear faces outnumber the masked ones 3.6 to 1
        mirrored=np.array(positives_mirrored + negatives_mirrored),
    )
    masked_held_out = features_of(with_mask[1::2], settings)
    clear_held_out = features_of(without[1::2], settings)
    report["held_out"] = {
        "masked_faces": len(masked_held_out),
        "clear_faces": len(clear_held_out),
        "accuracy": held_out_accuracy(model, masked_held_out, clear_held_out),
    }
    OUTPUT.write_text(shipped_json(model, CLASSES, report))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
