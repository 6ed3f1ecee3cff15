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
- `small_faces`: GENKI-4K faces pasted at a given width into a 4000 x 3000 photo (scikit-image's
  `coffee`, enlarged) at seeded places, with no other face (`alone`), beside a large face
  (scikit-image's astronaut, 800 px wide: `beside_a_large_face`) and beside the same face
  blurred so that the gate refuses it: per width, the share found where they are, the pairs
  of boxes reported for one face (`duplicate_boxes`), and milliseconds per photo; false
  boxes on eight face-free 4000 x 3000 photos (`face_free`); and what the small-face pass
  costs on a 12 Mpx photo with a large face (`cost`: with it and with
  `FACEPIPE_ENGINE_SMALL_FACES=false`).
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
from pipeline.vision.detection import FaceBox, detect_faces, same_face

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
SMALL_FACE_SAMPLES = 60
# The large face beside the small ones: the astronaut's, this wide, in the photo's left part.
LARGE_FACE_WIDTH = 800
# Its blurred copy: Gaussian sigma as a share of its width (blur well over the gate's 5).
LARGE_FACE_BLUR = 0.03
SCENES = ("alone", "beside_a_large_face", "beside_a_blurred_face")
# Face-free 4000 x 3000 photos: these samples enlarged.
LARGE_FACE_FREE = ("coffee", "rocket", "brick", "grass", "gravel", "coins", "page", "horse")


def _astronaut_face() -> RGBImage:
    """scikit-image's astronaut, cut around her face and scaled to a LARGE_FACE_WIDTH face."""
    pixels = np.asarray(data.astronaut())
    (box, *_) = detect_faces(pixels, EngineSettings())
    scale = LARGE_FACE_WIDTH / box.w
    left, top = max(0, round(box.x - box.w / 2)), max(0, round(box.y - box.h / 2))
    crop = pixels[top : round(box.y + 1.6 * box.h), left : round(box.x + 1.5 * box.w)]
    size = (round(crop.shape[1] * scale), round(crop.shape[0] * scale))
    return np.asarray(cv2.resize(crop, size, interpolation=cv2.INTER_CUBIC), dtype=np.uint8)


def _genki_faces(genki: list[RGBImage], samples: int) -> list[tuple[RGBImage, float, float, float]]:
    """GENKI crops with one face found: the crop, the face's width and centre in it."""
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
    return faces


def _duplicates(boxes: list[FaceBox]) -> int:
    """Pairs of reported boxes that are one face (`same_face`)."""
    return sum(same_face(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def small_faces(
    genki: list[RGBImage],
    widths: tuple[int, ...] = SMALL_FACE_WIDTHS,
    samples: int = SMALL_FACE_SAMPLES,
    *,
    scenes: tuple[str, ...] = SCENES,
    extras: bool = True,
) -> dict[str, Any]:
    """How small a face YuNet still finds in a large photo (module docstring): `samples`
    faces pasted at each of `widths`, into a photo with no other face (`alone`), beside a
    large sharp face (`beside_a_large_face`) and beside a large blurred one."""
    settings = EngineSettings(detector="yunet")
    faces = _genki_faces(genki, samples)
    width, height = SMALL_FACE_PHOTO
    background = cv2.resize(np.asarray(data.coffee()), (width, height))
    large = _astronaut_face()
    blurred = cv2.GaussianBlur(large, (0, 0), LARGE_FACE_BLUR * LARGE_FACE_WIDTH)
    nearby = {"alone": None, "beside_a_large_face": large, "beside_a_blurred_face": blurred}
    report: dict[str, Any] = {"photo": f"{width}x{height}", "faces": len(faces)}
    for scene in scenes:
        near = nearby[scene]
        rng = np.random.default_rng(0)
        base = background.copy()
        if near is not None:
            base[200 : 200 + near.shape[0], 200 : 200 + near.shape[1]] = near
        # The small faces go right of the large one.
        free_left = 0 if near is None else 400 + near.shape[1]
        rows: dict[str, Any] = {}
        for face_width in widths:
            hits = duplicates = 0
            started = time.perf_counter()
            for crop, crop_face_width, cx, cy in faces:
                scale = face_width / crop_face_width
                size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
                small = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
                photo = base.copy()
                top = int(rng.integers(0, height - size[1]))
                left = int(rng.integers(free_left, width - size[0]))
                photo[top : top + size[1], left : left + size[0]] = small
                centre = np.array([left + cx * scale, top + cy * scale])
                boxes = detect_faces(photo, settings)
                duplicates += _duplicates(boxes)
                hits += any(
                    np.abs(np.array([b.x + b.w / 2, b.y + b.h / 2]) - centre).max() < face_width / 2
                    for b in boxes
                )
            elapsed = time.perf_counter() - started
            rows[str(face_width)] = {
                "found": round(hits / len(faces), 3),
                "duplicate_boxes": duplicates,
                "ms_per_photo": round(1000 * elapsed / len(faces)),
            }
        report[scene] = rows
    if extras:
        report["face_free"] = _large_face_free(settings)
        report["cost"] = _pass_cost(large, background)
    return report


def _large_face_free(settings: EngineSettings) -> dict[str, Any]:
    """False boxes on face-free 12 Mpx photos, where the small-face pass always runs."""
    width, height = SMALL_FACE_PHOTO
    photos = [cv2.resize(_rgb(getattr(data, name)()), (width, height)) for name in LARGE_FACE_FREE]
    boxes = sum(len(detect_faces(np.asarray(photo, dtype=np.uint8), settings)) for photo in photos)
    return {
        "photos": len(photos),
        "false_boxes": boxes,
        "per_100_photos": 100 * boxes / len(photos),
    }


def _pass_cost(large: RGBImage, background: RGBImage) -> dict[str, Any]:
    """Milliseconds per 12 Mpx photo holding a large face, with the small-face pass and
    without (`FACEPIPE_ENGINE_SMALL_FACES=false`), best of 3."""
    photo = background.copy()
    photo[200 : 200 + large.shape[0], 200 : 200 + large.shape[1]] = large
    cost = {}
    for label, on in (("with_pass", True), ("without_pass", False)):
        settings = EngineSettings(detector="yunet", small_faces=on)
        times = []
        for _ in range(3):
            started = time.perf_counter()
            detect_faces(photo, settings)
            times.append(time.perf_counter() - started)
        cost[f"ms_{label}"] = round(1000 * min(times))
    return cost


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
