"""Calibrate the 0-20 blur scale: `python -m calibrate.blur`.

Measures the raw blur of the largest face in every photo of `faces/`, sharp and blurred with a
Gaussian of sigma = 2% and 5% of the face width, and writes the anchors of
`pipeline/vision/blur.py` (with the distributions they came from) to `vision/data/blur.json`.
"""

from __future__ import annotations

import json
from statistics import median

import cv2
import numpy as np

from calibrate import SHIPPED
from calibrate.fixtures import fixtures_dir, image_files, largest_face, load
from pipeline.settings import EngineSettings
from pipeline.vision.blur import sharpness_log

OUTPUT = SHIPPED / "blur.json"
SIGMAS = (0.0, 0.02, 0.05)


def measure(settings: EngineSettings) -> dict[float, list[float]]:
    """Raw blur of the largest face of each `faces/` photo at each blur strength."""
    by_sigma: dict[float, list[float]] = {sigma: [] for sigma in SIGMAS}
    for path in image_files(fixtures_dir() / "faces"):
        pixels = load(path)
        found = largest_face(pixels, settings)
        if found is None:
            continue
        face_width = found[0].w
        for sigma in SIGMAS:
            blurred = cv2.GaussianBlur(pixels, (0, 0), sigma * face_width) if sigma else pixels
            copy = np.asarray(blurred, dtype=np.uint8)
            again = largest_face(copy, settings)
            if again is not None:
                by_sigma[sigma].append(sharpness_log(copy, again[1]))
    return by_sigma


def main() -> None:
    by_sigma = measure(EngineSettings())
    sharp, blurred, heavy = by_sigma[0.0], by_sigma[0.02], by_sigma[0.05]
    threshold = (max(sharp) + min(blurred)) / 2
    anchors = [
        {"x": min(sharp), "blur": 0.0},
        {"x": median(sharp), "blur": 1.0},
        {"x": threshold, "blur": 5.0},
        {"x": median(heavy), "blur": 20.0},
    ]
    summary = {
        "about": "Anchors of the 0-20 blur scale; written by python -m calibrate.blur",
        "anchors": [{k: round(v, 4) for k, v in a.items()} for a in anchors],
        "data": {
            f"sigma_{sigma}": {
                "n": len(values),
                "min": round(min(values), 4),
                "median": round(median(values), 4),
                "max": round(max(values), 4),
            }
            for sigma, values in by_sigma.items()
        },
    }
    OUTPUT.write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
