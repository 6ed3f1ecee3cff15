"""Fit where dlib's shape predictor wants its box, from YuNet's five points:
`python -m calibrate.detector`.

dlib's 68-point predictor was trained on the boxes of dlib's HOG detector, which sit lower and
tighter than YuNet's. On the unmasked crops of `masks/without_mask/` (padded; nothing here is
used to measure detection) where both detectors find the face, it measures, along the line
from the eyes' midpoint to the mouth's, where the HOG box's centre falls (a fraction of that
distance) and how its side compares with that distance, and writes the medians to
`vision/data/detector_box.json` (`pipeline.vision.detection.predictor_box`).
"""

from __future__ import annotations

import json
from statistics import median

import numpy as np

from calibrate import SHIPPED
from calibrate.fixtures import fixtures_dir, image_files, load, pad_crop
from pipeline.settings import EngineSettings
from pipeline.vision import dlib_models
from pipeline.vision.yunet import detect

OUTPUT = SHIPPED / "detector_box.json"


def pairs() -> list[tuple[float, float]]:
    """(centre fraction, side / eye-mouth distance) of each face both detectors find."""
    settings = EngineSettings()
    measured = []
    for path in image_files(fixtures_dir() / "masks" / "without_mask"):
        pixels = pad_crop(load(path))
        found = detect(pixels, settings.min_cnn_score)
        rects = dlib_models.load().detector(pixels, 1)
        if len(found) != 1 or len(rects) != 1:
            continue  # only faces that are unambiguous for both
        points, rect = found[0].points, rects[0]
        eyes, mouth = points[:2].mean(axis=0), points[3:].mean(axis=0)
        axis = mouth - eyes
        length = float(np.linalg.norm(axis))
        centre = np.array([(rect.left() + rect.right()) / 2, (rect.top() + rect.bottom()) / 2])
        fraction = float(np.dot(centre - eyes, axis) / length**2)
        measured.append((fraction, (rect.right() - rect.left()) / length))
    return measured


def main() -> None:
    measured = pairs()
    fractions, sides = zip(*measured, strict=True)
    model = {
        "centre_along_eyes_to_mouth": round(median(fractions), 4),
        "side_over_eyes_to_mouth": round(median(sides), 4),
        "faces": len(measured),
    }
    OUTPUT.write_text(json.dumps(model, indent=2) + "\n")
    print(json.dumps(model, indent=2))


if __name__ == "__main__":
    main()
