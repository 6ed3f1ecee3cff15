"""Fit the hat and hairstyle models: `python -m calibrate.head`.

Data: the largest face of each `sunglasses/` photo, labelled by us
(`calibrate.labels.sunglasses_head_labels`); these selfies show
whole heads, unlike the tight crops of the other folders, on which the parsing network sees
mostly padding. Features: class fractions of the face-parsing map
(`pipeline.vision.parsing.HeadParsing.features`). 5-fold cross-validation; each model ships
only if it beats always giving the commonest answer.

Also reported, never trained on: the `faces/` photos whose labels.json gives `hat` or
`hairstyle`. Writes `vision/data/hat.json` and `hairstyle.json`. Needs scikit-learn and the
exported parsing network (`make setup`). Fringes are not read from the parsing map, whose
forehead shares found none of our labelled fringes, but from the forehead's pixels
(`calibrate.bang`).
"""

from __future__ import annotations

import json
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray
from sklearn.pipeline import Pipeline

from calibrate import SHIPPED
from calibrate.fixtures import (
    fixtures_dir,
    image_files,
    largest_face,
    largest_shape,
    load,
)
from calibrate.labels import sunglasses_head_labels
from calibrate.reliability import cross_validated, fit_and_report, shipped_json
from pipeline.imaging import RGBImage
from pipeline.settings import EngineSettings
from pipeline.vision.age_gender import estimate_gender
from pipeline.vision.head import HAIRSTYLE_FEATURES, HAIRSTYLE_MODEL, HAT_FEATURES, HAT_MODEL
from pipeline.vision.landmarks import shape_to_array
from pipeline.vision.parsing import parse_head

DATA = SHIPPED
REGULARISATION: Final = 1.0  # sklearn C; few features, so little to regularise
# attribute -> (classes, features)
ATTRIBUTES: Final = {
    "hat": (["None", "Wear"], HAT_FEATURES),
    "hairstyle": (["Short", "Long"], HAIRSTYLE_FEATURES),
}


def gender_check(rows: list[tuple[dict[str, float], dict[str, Any]]]) -> dict[str, Any]:
    """Hairstyle read off gender (women Long, men Short), and the model within each gender.

    The model must beat the first and stay right within each gender, or it is reading
    gender, not hair.
    """
    chosen = [(f, labels) for f, labels in rows if labels["hairstyle"] in {"Short", "Long"}]
    matrix = np.array([[f[name] for name in HAIRSTYLE_FEATURES] for f, _ in chosen])
    targets = np.array([labels["hairstyle"] == "Long" for _, labels in chosen], dtype=int)
    _, predicted = cross_validated(matrix, targets, REGULARISATION)
    right = predicted.argmax(axis=1) == targets
    women = np.array([labels["gender"] == "Female" for _, labels in chosen])
    long_hair = targets.astype(bool)
    # The faces gender gets wrong: only these show whether the model reads hair.
    short_women, long_men = women & ~long_hair, ~women & long_hair
    return {
        "accuracy_of_gender_alone": round(float(np.mean(women == targets.astype(bool))), 4),
        "cv_accuracy_among_women": round(float(right[women].mean()), 4),
        "cv_accuracy_among_men": round(float(right[~women].mean()), 4),
        "faces": {"women": int(women.sum()), "men": int((~women).sum())},
        "short_haired_women_called_short": f"{int(right[short_women].sum())}/{short_women.sum()}",
        "long_haired_men_called_long": f"{int(right[long_men].sum())}/{long_men.sum()}",
    }


def head_features(pixels: RGBImage, settings: EngineSettings) -> dict[str, float] | None:
    """Parsing features of the largest face, or None when no face is found."""
    found = largest_face(pixels, settings)
    if found is None:
        return None
    return parse_head(pixels, found[1], settings.parsing_model).features()


def labelled_sunglasses(
    settings: EngineSettings, every: int = 1
) -> list[tuple[dict[str, float], dict[str, Any]]]:
    """(features, {attribute: label or None}) of the labelled `sunglasses/` faces found.

    `every`: only every n-th photo, for a quicker check.

    The labels also carry `gender`, the gender network's verdict on the face, to check that
    the hairstyle model reads hair rather than gender.
    """
    rows = []
    for path in image_files(fixtures_dir() / "sunglasses")[::every]:
        hat, hairstyle = sunglasses_head_labels(path.name)
        labels = {"hat": hat, "hairstyle": hairstyle}
        if hat is None and hairstyle is None:
            continue
        pixels = load(path)
        # One shape serves both: the gender network takes dlib's shape, the parser its points.
        shape = largest_shape(pixels, settings)
        if shape is None:
            continue
        labels["gender"] = estimate_gender(pixels, shape).value
        landmarks = shape_to_array(shape)
        rows.append((parse_head(pixels, landmarks, settings.parsing_model).features(), labels))
    return rows


def fit(
    rows: list[tuple[dict[str, float], dict[str, Any]]], attribute: str
) -> tuple[Pipeline, dict[str, Any]]:
    classes, names = ATTRIBUTES[attribute]
    chosen = [(features, labels[attribute]) for features, labels in rows]
    chosen = [(features, label) for features, label in chosen if label in classes]
    matrix: NDArray[np.float64] = np.array([[f[name] for name in names] for f, _ in chosen])
    targets = np.array([classes.index(label) for _, label in chosen])
    about = {
        "data": "largest faces of sunglasses/, labelled by us",
        "features": list(names),
        "accuracy_of_the_commonest_answer": round(
            float(np.bincount(targets).max() / len(targets)), 4
        ),
    }
    return fit_and_report(matrix, targets, classes, REGULARISATION, about)


def faces_check(settings: EngineSettings, models: dict[str, Pipeline]) -> dict[str, Any]:
    """The fitted models on the `faces/` photos labelled.json labels: right / labelled."""
    root = fixtures_dir() / "faces"
    labels = json.loads((root / "labels.json").read_text())["images"]
    right = dict.fromkeys(models, 0)
    total = dict.fromkeys(models, 0)
    for name, label in sorted(labels.items()):
        wanted = {a: label.get("attributes", {}).get(a) for a in models}
        if all(value is None for value in wanted.values()):
            continue
        features = head_features(load(root / name), settings)
        for attribute, value in wanted.items():
            if value is None or features is None:
                continue
            classes, names = ATTRIBUTES[attribute]
            row = np.array([[features[n] for n in names]])
            answer = classes[int(models[attribute].predict(row)[0])]
            total[attribute] += 1
            right[attribute] += answer == value
    return {a: f"{right[a]}/{total[a]}" for a in models}


def main() -> None:
    settings = EngineSettings()
    rows = labelled_sunglasses(settings)
    models, reports = {}, {}
    for attribute in ATTRIBUTES:
        models[attribute], reports[attribute] = fit(rows, attribute)
    reports["hairstyle"]["gender_check"] = gender_check(rows)
    reports["faces_check"] = faces_check(settings, models)
    for attribute, filename in (("hat", HAT_MODEL), ("hairstyle", HAIRSTYLE_MODEL)):
        classes = ATTRIBUTES[attribute][0]
        (DATA / filename).write_text(shipped_json(models[attribute], classes, reports[attribute]))
    print(json.dumps(reports, indent=2))


if __name__ == "__main__":
    main()
