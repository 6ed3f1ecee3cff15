"""Fit the bang (fringe) model: `python -m calibrate.bang`.

Data: the `identities/` photos we labelled (`calibrate.labels.identity_bang`), tight
crops padded by 35% before detection, each also trained on as its mirror image. The folds
keep each person's photos together (a person's hairstyle repeats across their photos), so
the cross-validated figures are on people the model never saw. Prints the accuracy, the
recall of each class and the reliability table, with the accuracy of always answering None
for comparison; then, never trained on, every face of `faces/` (none has a fringe) and the
largest faces of `sunglasses/` we labelled (`sunglasses_bang`). The engine answers null behind
sunglasses and masks; the reasons are measured too: the `sunglasses/` check, and how often the
model says `Has` on the masked and the unmasked crops of `masks/` (unlabelled for fringes, but
the same kind of photos, so a gap between them is the mask's doing). Writes
`vision/data/bang.json`. Needs scikit-learn.
"""

from __future__ import annotations

import json
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray
from sklearn.pipeline import Pipeline

from calibrate import SHIPPED
from calibrate.fixtures import fixtures_dir, image_files, largest_face, load, pad_crop
from calibrate.labels import identity_bang, sunglasses_bang
from calibrate.reliability import fit_and_report, shipped_json
from pipeline.imaging import RGBImage
from pipeline.settings import EngineSettings
from pipeline.vision.bang import MODEL_FILE, bang_crop, bang_features
from pipeline.vision.detection import detect_faces
from pipeline.vision.landmarks import find_shape, shape_to_array

OUTPUT = SHIPPED / MODEL_FILE
REGULARISATION: Final = 1.0  # sklearn C; seven features, little to regularise (0.1 scores alike)
CLASSES: Final = ["None", "Has"]


def face_crop(pixels: RGBImage, settings: EngineSettings) -> RGBImage | None:
    """The bang crop of the largest face, or None if no face is found."""
    found = largest_face(pixels, settings)
    return None if found is None else bang_crop(pixels, found[1])


def labelled_identities(settings: EngineSettings) -> list[tuple[RGBImage, str, str]]:
    """(crop, label, person) of each labelled `identities/` photo whose face is found."""
    root = fixtures_dir() / "identities"
    rows = []
    for person in sorted(p for p in root.iterdir() if p.is_dir()):
        for path in image_files(person):
            label = identity_bang(f"{person.name}/{path.name}")
            crop = None if label is None else face_crop(pad_crop(load(path)), settings)
            if label is not None and crop is not None:
                rows.append((crop, label, person.name))
    return rows


def answer(model: Pipeline, crop: RGBImage) -> str:
    """The fitted model's verdict on a bang crop."""
    return CLASSES[int(model.predict(bang_features(crop)[None])[0])]


def sunglasses_check(settings: EngineSettings, model: Pipeline) -> dict[str, Any]:
    """The fitted model on the `sunglasses/` faces labelled for fringes (never trained on)."""
    pairs = []  # (label, answer)
    for path in image_files(fixtures_dir() / "sunglasses"):
        label = sunglasses_bang(path.name)
        crop = None if label is None else face_crop(load(path), settings)
        if label is not None and crop is not None:
            pairs.append((label, answer(model, crop)))
    fringes = [said for label, said in pairs if label == "Has"]
    clear = [said for label, said in pairs if label == "None"]
    return {
        "faces": len(pairs),
        "accuracy": round(sum(label == said for label, said in pairs) / len(pairs), 4),
        "accuracy_of_always_none": round(len(clear) / len(pairs), 4),
        "fringes_found": f"{fringes.count('Has')}/{len(fringes)}",
        "false_has": f"{clear.count('Has')}/{len(clear)}",
    }


def faces_check(settings: EngineSettings, model: Pipeline) -> dict[str, Any]:
    """The fitted model on every face of `faces/`, none of which has a fringe."""
    answers = []
    for path in image_files(fixtures_dir() / "faces"):
        pixels = load(path)
        for box in detect_faces(pixels, settings):
            crop = bang_crop(pixels, shape_to_array(find_shape(pixels, box)))
            answers.append(answer(model, crop))
    return {"faces": len(answers), "false_has": answers.count("Has")}


def masks_check(settings: EngineSettings, model: Pipeline) -> dict[str, Any]:
    """Share of `Has` on the masked and unmasked crops of `masks/` (every other file)."""
    found: dict[str, Any] = {}
    for folder in ("with_mask", "without_mask"):
        answers = []
        for path in image_files(fixtures_dir() / "masks" / folder)[::2]:
            crop = face_crop(pad_crop(load(path)), settings)
            if crop is not None:
                answers.append(answer(model, crop))
        found[folder] = {
            "faces": len(answers),
            "has": round(answers.count("Has") / len(answers), 4),
        }
    return found


def main() -> None:
    settings = EngineSettings()
    rows = labelled_identities(settings)
    features: NDArray[np.float64] = np.array([bang_features(crop) for crop, _, _ in rows])
    mirrored = np.array([bang_features(np.ascontiguousarray(crop[:, ::-1])) for crop, _, _ in rows])
    targets = np.array([CLASSES.index(label) for _, label, _ in rows])
    about = {
        "data": "identities/ photos labelled by us; folds keep each person together",
        "people": len({person for _, _, person in rows}),
        "accuracy_of_the_commonest_answer": round(
            float(np.bincount(targets).max() / len(targets)), 4
        ),
    }
    model, report = fit_and_report(
        features,
        targets,
        CLASSES,
        REGULARISATION,
        about,
        mirrored=mirrored,
        groups=[person for _, _, person in rows],
    )
    report["faces_check"] = faces_check(settings, model)
    report["sunglasses_check"] = sunglasses_check(settings, model)
    report["masks_check"] = masks_check(settings, model)
    OUTPUT.write_text(shipped_json(model, CLASSES, report))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
