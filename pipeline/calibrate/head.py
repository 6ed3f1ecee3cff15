"""Hat and hairstyle on the `sunglasses/` selfies we labelled: `python -m pipeline.calibrate.head`.

This ships no model. It measures the first models we tried, so the decision not to ship them
can be rerun: a model ships only when its cross-validated accuracy beats always giving the
commonest answer and, for hairstyle, beats reading the gender network's verdict as Long for
women and Short for men (otherwise it would be gender in disguise).

Data: the largest face of each `sunglasses/` photo, labelled by us
(`pipeline.calibrate.labels.sunglasses_head_labels`); these photos show whole heads, unlike
the tight crops of the other folders. Features come from a zoomed-out, eye-aligned 96 px crop
of the head: HOG and face-normalised grey levels of the band above the brows (hat), of the
whole head (hairstyle). Every face also trains as its mirror image; 5-fold cross-validation.
"""

from __future__ import annotations

import json
from typing import Any, Final

import cv2
import numpy as np
from numpy.typing import NDArray
from skimage.feature import hog

from pipeline.calibrate.fixtures import fixtures_dir, image_files, largest_shape, load
from pipeline.calibrate.labels import sunglasses_head_labels
from pipeline.calibrate.reliability import fit_and_report
from pipeline.imaging import RGBImage
from pipeline.settings import EngineSettings
from pipeline.vision.age_gender import estimate_gender
from pipeline.vision.alignment import aligned_crop
from pipeline.vision.landmarks import shape_to_array
from pipeline.vision.mustache import male_log_odds

HEAD_EYES: Final = ((0.4, 0.45), (0.6, 0.45))  # eyes 0.2 apart: the crop shows the whole head
SIZE: Final = 96
REGULARISATION: Final = 0.05


def grey_against_face(gray: NDArray[Any], rows: slice, shape: tuple[int, int]) -> Any:
    levels = gray.astype(np.float64)
    face = levels[40:80, 30:66]
    band = (levels[rows] - face.mean()) / (face.std() + 1.0)
    return cv2.resize(band, shape, interpolation=cv2.INTER_AREA).ravel()


def hat_features(crop: RGBImage) -> NDArray[np.float64]:
    gray = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
    texture = hog(gray[0:40, 8:88], orientations=9, pixels_per_cell=(8, 8), cells_per_block=(2, 2))
    return np.concatenate([texture, grey_against_face(gray, slice(0, 40), (10, 5))])


def hair_features(crop: RGBImage) -> NDArray[np.float64]:
    gray = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
    texture = hog(gray, orientations=9, pixels_per_cell=(12, 12), cells_per_block=(2, 2))
    return np.concatenate([texture, grey_against_face(gray, slice(0, SIZE), (8, 8))])


def measured(
    rows: list[NDArray[np.float64]],
    mirrored: list[NDArray[np.float64]],
    labels: list[str],
    classes: list[str],
) -> dict[str, Any]:
    targets = np.array([classes.index(label) for label in labels])
    _, report = fit_and_report(
        np.array(rows), targets, classes, REGULARISATION, {}, mirrored=np.array(mirrored)
    )
    report["accuracy_of_the_commonest_answer"] = round(
        float(np.bincount(targets).max() / len(targets)), 4
    )
    del report["cv_reliability"]
    return report


def main() -> None:
    settings = EngineSettings()
    hats: tuple[list[Any], list[Any], list[str]] = ([], [], [])
    hair: tuple[list[Any], list[Any], list[str]] = ([], [], [])
    hair_with_gender: tuple[list[Any], list[Any]] = ([], [])
    gender_says = []
    for path in image_files(fixtures_dir() / "sunglasses"):
        hat, hairstyle = sunglasses_head_labels(path.name)
        if hat is None and hairstyle not in {"Long", "Short"}:
            continue
        pixels = load(path)
        shape = largest_shape(pixels, settings)
        if shape is None:
            continue
        crop = aligned_crop(pixels, shape_to_array(shape), SIZE, HEAD_EYES)
        flipped = np.ascontiguousarray(crop[:, ::-1])
        if hat is not None:
            hats[0].append(hat_features(crop))
            hats[1].append(hat_features(flipped))
            hats[2].append(hat)
        if hairstyle in {"Long", "Short"}:
            male = male_log_odds(estimate_gender(pixels, shape))
            hair[0].append(hair_features(crop))
            hair[1].append(hair_features(flipped))
            hair[2].append(hairstyle)
            hair_with_gender[0].append(np.append(hair[0][-1], male))
            hair_with_gender[1].append(np.append(hair[1][-1], male))
            gender_says.append(("Short" if male > 0 else "Long") == hairstyle)
    report = {
        "hat": measured(*hats, ["None", "Wear"]),
        "hairstyle_image_only": measured(*hair, ["Short", "Long"]),
        "hairstyle_image_and_gender": measured(*hair_with_gender, hair[2], ["Short", "Long"]),
        "hairstyle_from_gender_alone": round(float(np.mean(gender_says)), 4),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
