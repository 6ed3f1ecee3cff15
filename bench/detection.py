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

Also, for YuNet (the default):
- `masked_hog_on_yunet_misses`: of the photos YuNet finds no face in, how many the
  masked-face HOG detector would add, and the boxes it puts on the face-free images;
- `small_faces`: GENKI-4K faces pasted at a given width into a 4000 x 3000 photo with no face
  (scikit-image's `coffee`, enlarged), seeded places: the share found where they are, and the
  milliseconds per photo (the small-face pass runs on the whole photo).
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any, get_args

import cv2
import dlib
import numpy as np
from skimage import data

from calibrate.fixtures import fixtures_dir, image_files, load
from pipeline.imaging import RGBImage
from pipeline.settings import Detector, EngineSettings
from pipeline.vision import dlib_models
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
    if "yunet" in detectors and min_cnn_score is None:
        report["masked_hog_on_yunet_misses"] = masked_hog_on_yunet_misses(photos, free)
        genki = [load(path) for path in image_files(root / "genki4k")[FIRST : 2 * FIRST]]
        report["small_faces"] = small_faces(genki)
    return report


def masked_hog_on_yunet_misses(
    photos: dict[str, list[RGBImage]], free: list[RGBImage]
) -> dict[str, Any]:
    """What the masked-face HOG detector adds where YuNet finds nothing."""
    settings = EngineSettings(detector="yunet")
    masked = dlib_models.load().masked_detector
    report: dict[str, Any] = {}
    for name, pixels in photos.items():
        missed = [p for p in pixels if not detect_faces(p, settings)]
        added = sum(bool(len(_masked_boxes(masked, p, settings))) for p in missed)
        report[name] = {"yunet_misses": len(missed), "masked_hog_finds": added}
    report["face_free_boxes"] = sum(len(_masked_boxes(masked, p, settings)) for p in free)
    return report


def _masked_boxes(
    detector: dlib.fhog_object_detector, pixels: RGBImage, settings: EngineSettings
) -> list[dlib.rectangle]:
    # As the HOG engine runs it: at most detect_max_side long, upsampled once.
    scale = min(1.0, settings.detect_max_side / max(pixels.shape[:2]))
    size = (round(pixels.shape[1] * scale), round(pixels.shape[0] * scale))
    work = pixels if scale == 1.0 else cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)
    boxes, _, _ = detector.run(np.ascontiguousarray(work), 1, settings.min_masked_detection_score)
    return list(boxes)


SMALL_FACE_WIDTHS = (24, 32, 40, 48, 64)
SMALL_FACE_PHOTO = (4000, 3000)
SMALL_FACE_SAMPLES = 30


def small_faces(
    genki: list[RGBImage],
    widths: tuple[int, ...] = SMALL_FACE_WIDTHS,
    samples: int = SMALL_FACE_SAMPLES,
) -> dict[str, Any]:
    """How small a face YuNet still finds in a large photo (module docstring): `samples`
    faces pasted at each of `widths`."""
    settings = EngineSettings(detector="yunet")
    faces = []
    for crop in genki:
        # The face's width and centre in the crop, from the crop enlarged 3x.
        big = cv2.resize(crop, (crop.shape[1] * 3, crop.shape[0] * 3))
        found = detect_faces(np.asarray(big, dtype=np.uint8), settings)
        if len(found) == 1:
            box = found[0]
            faces.append((crop, box.w / 3, (box.x + box.w / 2) / 3, (box.y + box.h / 2) / 3))
        if len(faces) == samples:
            break
    width, height = SMALL_FACE_PHOTO
    background = cv2.resize(np.asarray(data.coffee()), (width, height))
    rng = np.random.default_rng(0)
    report: dict[str, Any] = {"photo": f"{width}x{height}", "faces": len(faces)}
    for face_width in widths:
        hits, started = 0, time.perf_counter()
        for crop, crop_face_width, cx, cy in faces:
            scale = face_width / crop_face_width
            size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
            small = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
            photo = background.copy()
            top = int(rng.integers(0, height - size[1]))
            left = int(rng.integers(0, width - size[0]))
            photo[top : top + size[1], left : left + size[0]] = small
            centre = np.array([left + cx * scale, top + cy * scale])
            hits += any(
                np.abs(np.array([b.x + b.w / 2, b.y + b.h / 2]) - centre).max() < face_width / 2
                for b in detect_faces(photo, settings)
            )
        elapsed = time.perf_counter() - started
        report[str(face_width)] = {
            "found": round(hits / len(faces), 3),
            "ms_per_photo": round(1000 * elapsed / len(faces)),
        }
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
