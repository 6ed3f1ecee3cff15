"""Age and gender on labelled faces: the UTKFace chips of `ages/`.

    python -m bench.age          (also key `age` of `python -m bench.accuracy`)

Each chip is padded before detection; faces the engine finds are scored. Per age model
(`FACEPIPE_ENGINE_AGE_MODEL`: "dlib", the default, and "dlib+faceres"): `network`, the
model's own reading; `calibrated`, the shipped calibration's way (`calibrate.age`), each
face's age and sd from a calibration fitted without it (5 folds by file); `ms_per_face`, what
reading one face's age costs (best of 3 over the first faces, one thread). Per measure: MAE
over all ages and over 18-70, the share within 5 years (CS5), MAE and bias (mean signed
error) per decade, and for the calibrated ages how often the true age is within value ± sd.
Gender: accuracy on faces aged 13 and over. Prints JSON.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, get_args

from calibrate.age import age_report, cross_validated, labelled_faces
from calibrate.fixtures import fixtures_dir, largest_shape, load, pad_crop
from pipeline.imaging import RGBImage
from pipeline.settings import AgeModel, EngineSettings
from pipeline.vision.age_gender import model_age

ADULT_GENDER_AGE = 13
TIMED_FACES = 30


def timed_faces(root: Path, files: list[str]) -> list[tuple[RGBImage, Any]]:
    """The first TIMED_FACES chips whose face was found, with that face's shape."""
    settings = EngineSettings()
    faces = []
    for name in files[:TIMED_FACES]:
        pixels = pad_crop(load(root / name))
        shape = largest_shape(pixels, settings)
        if shape is not None:
            faces.append((pixels, shape))
    return faces


def ms_per_face(faces: list[tuple[RGBImage, Any]], model: AgeModel) -> float:
    """Best of 3 rounds, milliseconds to read one face's age (detection excluded)."""
    model_age(*faces[0], model)  # loads the networks
    rounds = []
    for _ in range(3):
        start = time.perf_counter()
        for pixels, shape in faces:
            model_age(pixels, shape, model)
        rounds.append((time.perf_counter() - start) / len(faces))
    return round(1000 * min(rounds), 2)


def age(root: Path) -> dict[str, Any]:
    found, files = labelled_faces(root / "ages")
    adults = found.age >= ADULT_GENDER_AGE
    gender_right = (found.network_male > 0.5) == found.male
    faces = timed_faces(root / "ages", found.files)
    models = {}
    for model in get_args(AgeModel):
        value, sd = cross_validated(found, model)
        models[model] = {
            "network": age_report(found.read[model], found.age),
            "calibrated": age_report(value, found.age, sd),
            "ms_per_face": ms_per_face(faces, model),
        }
    return {
        "files": files,
        "faces_found": len(found.age),
        "models": models,
        "gender_accuracy_13_plus": round(float(gender_right[adults].mean()), 4),
        "gender_faces_13_plus": int(adults.sum()),
    }


def main() -> None:
    print(json.dumps(age(fixtures_dir()), indent=2))


if __name__ == "__main__":
    main()
