"""Accuracy of the engine on the labelled photos, printed as JSON.

    python -m bench.accuracy [--genki 600]

- recall: labelled faces found in `faces/`;
- detection: each detector (HOG, YuNet) on the fixture sets and on face-free images
  (`bench/detection.py`);
- compare, for each descriptor (SFace, dlib): the share of all same-person and of
  different-person `identities/` pairs accepted at each FAR, each pair judged by thresholds
  derived without its people (`calibrate.compare.person_folds`); the shipped thresholds' own
  figures are quoted from `vision/data/compare_<descriptor>.json` (`python -m calibrate.compare`);
- roll: error of the roll change on copies rotated by ±10, ±20, ±35 degrees;
- blur: scores of sharp photos and of copies blurred with sigma = 2.5% of the face width;
- pose vs GENKI-4K labels (GENKI counts yaw and roll with the opposite sign to facepipe, see
  `pipeline/vision/pose.py`; its labels are negated here before comparing);
- attributes (glasses, mask, smile, gender): see `bench/attributes.py`;
- liveness (print attacks across held-out subjects, real photos, the npm networks): see
  `bench/liveness.py`;
- age and gender on the labelled `ages/` faces: see `bench/age.py`;
- face descriptors side by side (SFace, dlib, the npm networks): see `bench/descriptors.py`.
"""

from __future__ import annotations

import argparse
import json
import math
from importlib import resources
from pathlib import Path
from statistics import mean
from typing import Any

import cv2
import numpy as np

from bench.age import age
from bench.attributes import attributes
from bench.descriptors import descriptors
from bench.detection import detection
from bench.liveness import liveness
from calibrate.compare import DESCRIPTORS, embeddings, person_folds, photos
from calibrate.fixtures import fixtures_dir, largest_face, load
from pipeline.imaging import RGBImage, decode
from pipeline.settings import EngineSettings
from pipeline.vision.blur import blur_score
from pipeline.vision.detection import detect_faces
from pipeline.vision.pose import estimate_pose
from pipeline.vision.similarity import mapping_file

SETTINGS = EngineSettings()


def shipped(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        resources.files("pipeline.vision.data").joinpath(name).read_text()
    )
    return data


def face_recall(faces: Path, labels: dict[str, Any]) -> dict[str, Any]:
    expected = found = 0
    for name, label in labels.items():
        expected += label["faces"]
        found += min(label["faces"], len(detect_faces(load(faces / name), SETTINGS)))
    return {"labelled_faces": expected, "found": found, "recall": round(found / expected, 4)}


def compare_pairs() -> dict[str, Any]:
    """Per descriptor: compare on the held-out `identities/` people, and the calibration's
    own figures (`vision/data/compare_<descriptor>.json`)."""
    report = {}
    for descriptor in DESCRIPTORS:
        calibration = shipped(mapping_file(descriptor))
        report[descriptor] = {
            "identities_person_folds": person_folds(descriptor, *embeddings(photos(), descriptor)),
            "calibration": {
                far: {"false_reject_rate": t["false_reject_rate"], "distance": t["distance"]}
                for far, t in calibration["thresholds"].items()
            },
            "calibration_data": calibration["data"],
        }
    return report


def rotated(pixels: RGBImage, degrees: float) -> RGBImage:
    height, width = pixels.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    out = cv2.warpAffine(pixels, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE)
    return np.asarray(out, dtype=np.uint8)


def roll_error(faces: Path, labels: dict[str, Any]) -> dict[str, Any]:
    singles = [n for n, lab in labels.items() if lab["faces"] == 1]
    # Each photo's own pose is measured once, not once per angle.
    upright: dict[str, tuple[RGBImage, float | None]] = {}
    for name in singles:
        pixels = load(faces / name)
        base = largest_face(pixels, SETTINGS)
        upright[name] = (pixels, None if base is None else estimate_pose(base[1]).roll)
    result = {}
    for degrees in (-35, -20, -10, 10, 20, 35):
        errors, missed = [], 0
        for pixels, base_roll in upright.values():
            turned = largest_face(rotated(pixels, degrees), SETTINGS)
            if base_roll is None or turned is None:
                missed += 1
                continue
            change = estimate_pose(turned[1]).roll - base_roll
            errors.append(abs(change - degrees))
        result[str(degrees)] = {
            "photos": len(singles),
            "face_not_found": missed,
            "mean_abs_error_deg": round(mean(errors), 2) if errors else None,
            "max_abs_error_deg": round(max(errors), 2) if errors else None,
        }
    return result


def blur_separation(faces: Path, labels: dict[str, Any]) -> dict[str, Any]:
    sharp, blurred = [], []
    for name in labels:
        pixels = load(faces / name)
        found = largest_face(pixels, SETTINGS)
        if found is None:
            continue
        copy = np.asarray(cv2.GaussianBlur(pixels, (0, 0), 0.025 * found[0].w), dtype=np.uint8)
        sharp.append(blur_score(pixels, found[1]))
        blurred.append(blur_score(copy, found[1]))
    return {
        "sharp": {
            "n": len(sharp),
            "max": max(sharp),
            "mean": round(mean(sharp), 2),
            "share_below_5": round(mean(s < 5 for s in sharp), 4),
        },
        "blurred_sigma_2_5pct": {
            "n": len(blurred),
            "min": min(blurred),
            "mean": round(mean(blurred), 2),
            "share_at_least_5": round(mean(s >= 5 for s in blurred), 4),
        },
    }


def genki_pose(root: Path, limit: int) -> dict[str, Any]:
    labels = json.loads((root / "labels.json").read_text())
    rows = []
    for name, label in list(labels.items())[:limit]:
        crop = decode((root / name).read_bytes()).pixels
        big = cv2.resize(crop, (192, 192), interpolation=cv2.INTER_CUBIC)
        padded = np.asarray(
            cv2.copyMakeBorder(big, 64, 64, 64, 64, cv2.BORDER_REPLICATE), dtype=np.uint8
        )
        found = largest_face(padded, SETTINGS)
        if found is None:
            continue
        pose = estimate_pose(found[1])
        rows.append(
            (
                -math.degrees(label["yaw_rad"]) - pose.yaw,
                math.degrees(label["pitch_rad"]) - pose.pitch,
                -math.degrees(label["roll_rad"]) - pose.roll,
            )
        )
    errors = np.abs(np.array(rows))
    return {
        "crops": min(limit, len(labels)),
        "faces_found": len(rows),
        "mae_deg": {
            "yaw": round(float(errors[:, 0].mean()), 2),
            "pitch": round(float(errors[:, 1].mean()), 2),
            "roll": round(float(errors[:, 2].mean()), 2),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--genki", type=int, default=600, help="GENKI crops to score")
    args = parser.parse_args()
    root = fixtures_dir()
    faces = root / "faces"
    labels = json.loads((faces / "labels.json").read_text())["images"]
    report = {
        "recall": face_recall(faces, labels),
        "detection": detection(),
        "compare": compare_pairs(),
        "roll_on_rotated_copies": roll_error(faces, labels),
        "blur": blur_separation(faces, labels),
        "pose_vs_genki4k": genki_pose(root / "genki4k", args.genki),
        "attributes": attributes(root),
        "liveness": liveness(root),
        "age": age(root),
        "descriptors": descriptors(),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
