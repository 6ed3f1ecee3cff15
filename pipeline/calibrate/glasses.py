"""Fit the first-version sunglasses model: `python -m pipeline.calibrate.glasses`.

Positives: faces found in `sunglasses/`. Negatives (clear eyes): `faces/`, `identities/` and
`masks/without_mask/` (tight crops padded before detection). Reports 5-fold cross-validated
recall and false-Sunglass rate at the shipped threshold, then fits on all data and writes
`vision/data/glasses.json`. Needs scikit-learn (a dev dependency).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from pipeline.calibrate.fixtures import fixtures_dir, image_files, largest_face, load, pad_crop
from pipeline.settings import EngineSettings
from pipeline.vision.alignment import aligned_crop
from pipeline.vision.glasses import CROP_SIZE, glasses_features

OUTPUT = Path(__file__).resolve().parents[1] / "vision" / "data" / "glasses.json"
THRESHOLD = 0.5
REGULARISATION = 0.1  # sklearn's C, picked by cross-validation among 0.01, 0.1, 1


def features_of(paths: Iterable[Path], pad: bool, settings: EngineSettings) -> list[np.ndarray]:
    rows = []
    for path in paths:
        pixels = load(path)
        if pad:
            pixels = pad_crop(pixels)
        found = largest_face(pixels, settings)
        if found is not None:
            rows.append(glasses_features(aligned_crop(pixels, found[1], CROP_SIZE)))
    return rows


def main() -> None:
    settings = EngineSettings()
    root = fixtures_dir()
    positives = features_of(image_files(root / "sunglasses"), False, settings)
    identity_photos = [p for d in sorted((root / "identities").iterdir()) for p in image_files(d)]
    negatives = (
        features_of(image_files(root / "faces"), False, settings)
        + features_of(identity_photos, True, settings)
        + features_of(image_files(root / "masks" / "without_mask"), True, settings)
    )
    features = np.array(positives + negatives)
    labels = np.r_[np.ones(len(positives)), np.zeros(len(negatives))]
    model = LogisticRegression(C=REGULARISATION, max_iter=5000)
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    predicted = cross_val_predict(model, features, labels, cv=folds, method="predict_proba")[:, 1]
    model.fit(features, labels)
    report = {
        "positives": len(positives),
        "negatives": len(negatives),
        "cv_recall": round(float((predicted[labels == 1] >= THRESHOLD).mean()), 4),
        "cv_false_sunglass_rate": round(float((predicted[labels == 0] >= THRESHOLD).mean()), 4),
    }
    OUTPUT.write_text(
        json.dumps(
            {
                "about": "Sunglass logistic model; written by python -m pipeline.calibrate.glasses",
                "report": report,
                "threshold": THRESHOLD,
                "bias": float(model.intercept_[0]),
                "weights": [round(float(w), 6) for w in model.coef_[0]],
            }
        )
        + "\n"
    )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
