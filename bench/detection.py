"""How many faces each detector finds, and how many boxes it puts where there is no face.

    python -m bench.detection        (also key `detection` of `python -m bench.accuracy`)

Per detector (`hog`, `yunet`; `FACEPIPE_ENGINE_DETECTOR`), through `detect_faces` as the
engine runs it (the images as they are, no padding):
- photos with a face found, in `sunglasses/` (selfies), the first 400 of `identities/` (tight
  crops), `masks/with_mask/` (tight crops) and the first 400 of `genki4k/`;
- `faces/`: labelled faces found (at most the labelled count per photo) and extra boxes;
- false boxes on face-free images: scikit-image's texture and object samples that hold no
  face, and 10 crops of each at random places, sizes and rotations (seeded), per 100 images;
- milliseconds per image over all of the above.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any, get_args

import cv2
import numpy as np
from skimage import data

from calibrate.fixtures import fixtures_dir, image_files, load
from pipeline.imaging import RGBImage
from pipeline.settings import Detector, EngineSettings
from pipeline.vision.detection import detect_faces

FIRST = 400
# scikit-image's bundled samples with no face in them (people and cats are left out).
FACE_FREE = (
    "brick", "grass", "gravel", "coffee", "rocket", "coins", "page", "text", "moon",
    "horse", "hubble_deep_field", "colorwheel", "immunohistochemistry", "cell",
    "shepp_logan_phantom", "logo", "binary_blobs", "retina", "clock", "checkerboard",
)  # fmt: skip
CROPS_PER_SAMPLE = 10


def face_free_images() -> list[RGBImage]:
    """The face-free samples as RGB, and seeded random crops of each."""
    rng = np.random.default_rng(0)
    images = []
    for name in FACE_FREE:
        sample = np.asarray(getattr(data, name)())
        rgb = _rgb(sample)
        images.append(rgb)
        height, width = rgb.shape[:2]
        for _ in range(CROPS_PER_SAMPLE):
            side = int(rng.integers(min(64, height, width), min(height, width) + 1))
            top = int(rng.integers(0, height - side + 1))
            left = int(rng.integers(0, width - side + 1))
            crop = rgb[top : top + side, left : left + side]
            angle = float(rng.uniform(-30, 30))
            turn = cv2.getRotationMatrix2D((side / 2, side / 2), angle, 1.0)
            rotated = cv2.warpAffine(crop, turn, (side, side), borderMode=cv2.BORDER_REFLECT)
            images.append(np.ascontiguousarray(rotated, dtype=np.uint8))
    return images


def _rgb(sample: np.ndarray) -> RGBImage:
    if sample.dtype != np.uint8:
        low, high = float(sample.min()), float(sample.max())
        sample = ((sample - low) / max(high - low, 1e-9) * 255).astype(np.uint8)
    if sample.ndim == 2:
        sample = np.repeat(sample[:, :, None], 3, axis=2)
    return np.ascontiguousarray(sample[:, :, :3], dtype=np.uint8)


def detection(
    detectors: tuple[Detector, ...] = get_args(Detector), min_cnn_score: float | None = None
) -> dict[str, Any]:
    """The figures of the module docstring, per detector; `min_cnn_score` overrides
    YuNet's threshold (None: the setting's default)."""
    root = fixtures_dir()
    sets = {
        "sunglasses": image_files(root / "sunglasses"),
        "identities": sorted(
            p for d in (root / "identities").iterdir() if d.is_dir() for p in image_files(d)
        )[:FIRST],
        "masks_with_mask": image_files(root / "masks" / "with_mask"),
        "genki4k": image_files(root / "genki4k")[:FIRST],
    }
    photos = {name: [load(path) for path in paths] for name, paths in sets.items()}
    labels: dict[str, Any] = json.loads((root / "faces" / "labels.json").read_text())["images"]
    faces = {name: load(root / "faces" / name) for name in labels}
    free = face_free_images()
    report: dict[str, Any] = {}
    for detector in detectors:
        settings = EngineSettings(detector=detector)
        if min_cnn_score is not None:
            settings = EngineSettings(detector=detector, min_cnn_score=min_cnn_score)
        started, images = time.perf_counter(), 0
        result: dict[str, Any] = {}
        for name, pixels in photos.items():
            found = sum(bool(detect_faces(p, settings)) for p in pixels)
            result[name] = {"photos": len(pixels), "found": found, "rate": _rate(found, pixels)}
            images += len(pixels)
        expected = found = extra = 0
        for name, pixels in faces.items():
            count, boxes = labels[name]["faces"], len(detect_faces(pixels, settings))
            expected += count
            found += min(count, boxes)
            extra += max(0, boxes - count)
        result["faces"] = {"labelled": expected, "found": found, "extra_boxes": extra}
        false_boxes = sum(len(detect_faces(pixels, settings)) for pixels in free)
        result["face_free"] = {
            "images": len(free),
            "false_boxes": false_boxes,
            "per_100_images": round(100 * false_boxes / len(free), 2),
        }
        images += len(faces) + len(free)
        result["ms_per_image"] = round(1000 * (time.perf_counter() - started) / images, 1)
        report[detector] = result
    return report


def _rate(found: int, pixels: list[RGBImage]) -> float:
    return round(found / len(pixels), 4) if pixels else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--min-cnn-score", type=float, nargs="*", help="YuNet thresholds to try")
    args = parser.parse_args()
    if not args.min_cnn_score:
        print(json.dumps(detection(), indent=2))
        return
    sweep = {str(score): detection(("yunet",), score)["yunet"] for score in args.min_cnn_score}
    print(json.dumps(sweep, indent=2))


if __name__ == "__main__":
    main()
