"""Fit the mustache model: `python -m calibrate.mustache`.

Data: the GENKI-4K crops we labelled (`calibrate.labels.genki_mustache`), the
largest faces of `sunglasses/` we labelled (`sunglasses_mustache`) and the `faces/` photos
whose labels.json gives `mustache`. Every face is also trained on as its mirror
image. Prints the 5-fold cross-validated accuracy, the recall of each class and the
reliability table, with the accuracy of always answering None for comparison (most faces
have no mustache), then writes `vision/data/mustache.json`. Needs scikit-learn.
"""

from __future__ import annotations

import json

import numpy as np
from numpy.typing import NDArray

from calibrate import SHIPPED
from calibrate.fixtures import (
    fixtures_dir,
    genki_pixels,
    image_files,
    largest_shape,
    load,
)
from calibrate.labels import genki_mustache, sunglasses_mustache
from calibrate.reliability import fit_and_report, shipped_json
from pipeline.imaging import RGBImage
from pipeline.settings import EngineSettings
from pipeline.vision.age_gender import estimate_gender
from pipeline.vision.alignment import aligned_crop
from pipeline.vision.landmarks import shape_to_array
from pipeline.vision.mustache import CROP_SIZE, MODEL_FILE, male_log_odds, mustache_features

OUTPUT = SHIPPED / MODEL_FILE
REGULARISATION = 0.05  # sklearn C; 0.003 to 0.2 were tried
CLASSES = ["None", "Has"]


def face_features(pixels: RGBImage, settings: EngineSettings) -> tuple[NDArray[np.float64], ...]:
    """Features of the largest face and of its mirror image; empty if no face is found."""
    shape = largest_shape(pixels, settings)
    if shape is None:
        return ()
    crop = aligned_crop(pixels, shape_to_array(shape), CROP_SIZE)
    male = male_log_odds(estimate_gender(pixels, shape))
    return mustache_features(crop, male), mustache_features(
        np.ascontiguousarray(crop[:, ::-1]), male
    )


def main() -> None:
    settings = EngineSettings()
    root = fixtures_dir()
    faces_labels = json.loads((root / "faces" / "labels.json").read_text())["images"]
    photos = [
        (genki_pixels(root / "genki4k" / name), label)
        for name, label in sorted(genki_mustache().items())
    ]
    photos += [
        (load(path), label)
        for path in image_files(root / "sunglasses")
        if (label := sunglasses_mustache(path.name)) is not None
    ]
    photos += [
        (load(root / "faces" / name), label["attributes"]["mustache"])
        for name, label in sorted(faces_labels.items())
        if "mustache" in label.get("attributes", {})
    ]
    rows, mirrored, targets = [], [], []
    for pixels, label in photos:
        found = face_features(pixels, settings)
        if found:
            rows.append(found[0])
            mirrored.append(found[1])
            targets.append(CLASSES.index(label))
    labels = np.array(targets)
    about = {
        "data": "GENKI-4K files 1-600 and sunglasses/ labelled by us, faces/ by labels.json",
        "faces_found": len(rows),
        "accuracy_of_always_none": round(float((labels == 0).mean()), 4),
    }
    model, report = fit_and_report(
        np.array(rows), labels, CLASSES, REGULARISATION, about, mirrored=np.array(mirrored)
    )
    OUTPUT.write_text(shipped_json(model, CLASSES, report))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
