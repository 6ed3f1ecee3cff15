"""Per-image speed of facepipe's detect and compare against the plain face_recognition recipe.

    python -m bench.engine [--rounds 3]

Baseline (same process, same decoded photos): dlib HOG with one upsampling on the full-size
image, 68 landmarks and the 128-d encoding of every face, as face_recognition does.
facepipe detect: decode + every computed field (boxes, landmarks, pose, blur, glasses, gate,
and the attributes: masked-face detector, smile, mask, age, gender, mustache, bang).
"gate only": the same with `FACEPIPE_ENGINE_ATTRIBUTES=false`, i.e. the engine before the
attributes. "head": the default plus hat and hairstyle from the face-parsing network
(`FACEPIPE_ENGINE_HEAD_ATTRIBUTES=true`, off by default). compare: decode both photos, the
largest face of each, SFace descriptors and the score (models loaded before timing);
compare_dlib_ms_per_pair: the same with dlib's descriptor. "liveness": the default detect with
each face's liveness (`detect(..., liveness=True)`); liveness_ratio is its time over
detect's. "main face": detect without the small-face pass beside found faces
(`FACEPIPE_ENGINE_SMALL_FACES=false`), the cost for photos that hold one face of interest.
Every runner uses settings built once, as a worker holds them;
settings_from_environment_ms is what building them on each call costs.
attribute_stages_ms_per_image: what each attribute stage costs per image (best of
rounds), the masked-face detector as the difference between detection with and without it;
`age_dlib+faceres` is the age stage with `FACEPIPE_ENGINE_AGE_MODEL=dlib+faceres` (it
replaces `age`, it is not part of the default).
Prints JSON; targets: detect_ratio <= 0.6 of the baseline at equal or better recall,
attributes_overhead <= 0.4 (full detect vs gate only, same run) and liveness_ratio <= 1.3.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from calibrate.fixtures import fixtures_dir
from pipeline.analysis import compare, detect
from pipeline.imaging import decode
from pipeline.settings import Descriptor, EngineSettings, Settings
from pipeline.vision import dlib_models
from pipeline.vision.age_gender import estimate_age, estimate_gender
from pipeline.vision.bang import classify_bang
from pipeline.vision.detection import detect_faces
from pipeline.vision.dlib_models import dlib_encoder
from pipeline.vision.landmarks import find_shape, shape_to_array
from pipeline.vision.mask import classify_mask
from pipeline.vision.mustache import classify_mustache
from pipeline.vision.smile import estimate_smile


def baseline(data: bytes) -> int:
    models = dlib_models.load()
    pixels = decode(data).pixels
    rects = models.detector(pixels, 1)
    for rect in rects:
        shape = models.shape_predictor(pixels, rect)
        dlib_encoder().compute_face_descriptor(pixels, shape)
    return len(rects)


# Every runner gets settings built once, as a worker holds them: reading them from the
# environment on each call costs milliseconds that belong to neither side of the comparison.
DEFAULT = Settings()


def facepipe_detect(data: bytes) -> int:
    faces = detect(data, settings=DEFAULT).faces
    return len(faces or [])


GATE_ONLY = Settings(engine=EngineSettings(attributes=False))


def gate_only_detect(data: bytes) -> int:
    faces = detect(data, settings=GATE_ONLY).faces
    return len(faces or [])


MAIN_FACE = Settings(engine=EngineSettings(small_faces=False))


def main_face_detect(data: bytes) -> int:
    faces = detect(data, settings=MAIN_FACE).faces
    return len(faces or [])


def liveness_detect(data: bytes) -> int:
    faces = detect(data, settings=DEFAULT, liveness=True).faces
    return len(faces or [])


HEAD = Settings(engine=EngineSettings(head_attributes=True))


def head_detect(data: bytes) -> int:
    faces = detect(data, settings=HEAD).faces
    return len(faces or [])


def timed(
    runners: dict[str, Callable[[bytes], int]], photos: dict[str, bytes], rounds: int
) -> dict[str, tuple[float, dict[str, int]]]:
    """Per runner: seconds per image (each photo's best of `rounds`, averaged over the photos)
    and the faces found per photo.

    The runners take turns on each photo, so a slower stretch of a shared machine slows all
    of them alike instead of whichever happened to run then.
    """
    best = {label: dict.fromkeys(photos, float("inf")) for label in runners}
    found: dict[str, dict[str, int]] = {label: {} for label in runners}
    for _ in range(rounds):
        for name, data in photos.items():
            for label, run in runners.items():
                start = time.perf_counter()
                found[label][name] = run(data)
                best[label][name] = min(best[label][name], time.perf_counter() - start)
    return {label: (sum(best[label].values()) / len(photos), found[label]) for label in runners}


def stage_costs(photos: dict[str, bytes], rounds: int) -> dict[str, float]:
    """Milliseconds per image of each attribute stage: each call's best of `rounds`."""
    best: dict[tuple[str, ...], float] = {}

    def clock(key: tuple[str, ...], run: Callable[..., object], *args: Any) -> None:
        start = time.perf_counter()
        run(*args)
        best[key] = min(best.get(key, float("inf")), time.perf_counter() - start)

    with_masked, frontal_only = EngineSettings(), EngineSettings(attributes=False)
    for _ in range(rounds):
        for name, data in photos.items():
            pixels = decode(data).pixels
            clock(("detection_with_masked_detector", name), detect_faces, pixels, with_masked)
            clock(("detection_frontal_only", name), detect_faces, pixels, frontal_only)
            for index, box in enumerate(detect_faces(pixels, with_masked)):
                shape = find_shape(pixels, box)
                landmarks = shape_to_array(shape)
                gender = estimate_gender(pixels, shape)
                face = (name, str(index))
                clock(("gender", *face), estimate_gender, pixels, shape)
                clock(("age", *face), estimate_age, pixels, shape)
                clock(("age_dlib+faceres", *face), estimate_age, pixels, shape, "dlib+faceres")
                clock(("smile", *face), estimate_smile, pixels, landmarks)
                clock(("mask", *face), classify_mask, pixels, box, landmarks)
                clock(("mustache", *face), classify_mustache, pixels, landmarks, gender)
                clock(("bang", *face), classify_bang, pixels, landmarks)
    totals: dict[str, float] = {}
    for (stage, *_), seconds in best.items():
        totals[stage] = totals.get(stage, 0.0) + seconds
    costs = {stage: round(total * 1000 / len(photos), 1) for stage, total in totals.items()}
    costs["masked_face_detector"] = round(
        costs.pop("detection_with_masked_detector") - costs.pop("detection_frontal_only"), 1
    )
    return costs


def compare_time(
    photos: dict[str, bytes], pairs: list[tuple[str, str]], descriptor: Descriptor
) -> float:
    """Seconds per compare call, after one untimed call that loads the descriptor's model."""
    settings = Settings(engine=EngineSettings(descriptor=descriptor))
    compare(photos[pairs[0][0]], photos[pairs[0][1]], settings=settings)
    start = time.perf_counter()
    for a, b in pairs:
        compare(photos[a], photos[b], settings=settings)
    return (time.perf_counter() - start) / len(pairs)


def settings_time(rounds: int) -> float:
    """Seconds to read `Settings` from the environment: what `detect(data)` pays per call
    when no settings are passed, and what the runners above are spared."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        Settings()
        best = min(best, time.perf_counter() - start)
    return best


def recall(found: dict[str, int], labels: dict[str, Any]) -> float:
    expected = sum(label["faces"] for label in labels.values())
    return sum(min(found[name], label["faces"]) for name, label in labels.items()) / expected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    faces = fixtures_dir() / "faces"
    labels = json.loads((faces / "labels.json").read_text())["images"]
    photos = {name: (faces / name).read_bytes() for name in labels}
    # Load the models outside the timings.
    facepipe_detect(photos["obama.jpg"])
    head_detect(photos["obama.jpg"])
    liveness_detect(photos["obama.jpg"])
    baseline(photos["obama.jpg"])

    runs = timed(
        {
            "baseline": baseline,
            "detect": facepipe_detect,
            "gate_only": gate_only_detect,
            "head": head_detect,
            "liveness": liveness_detect,
            "main_face": main_face_detect,
        },
        photos,
        args.rounds,
    )
    base_seconds, base_found = runs["baseline"]
    detect_seconds, detect_found = runs["detect"]
    gate_seconds, gate_found = runs["gate_only"]
    head_seconds, _ = runs["head"]
    liveness_seconds, _ = runs["liveness"]
    main_face_seconds, main_face_found = runs["main_face"]
    pairs = [
        ("obama.jpg", "obama2.jpg"),
        ("obama.jpg", "biden.jpg"),
        ("rose_leslie.jpg", "kit_harington.jpg"),
    ]
    compare_seconds = {
        descriptor: compare_time(photos, pairs, descriptor) for descriptor in ("sface", "dlib")
    }

    print(
        json.dumps(
            {
                "images": len(photos),
                "baseline_ms_per_image": round(base_seconds * 1000, 1),
                "detect_ms_per_image": round(detect_seconds * 1000, 1),
                "detect_ratio": round(detect_seconds / base_seconds, 3),
                "target_ratio": 0.6,
                "baseline_recall": round(recall(base_found, labels), 4),
                "detect_recall": round(recall(detect_found, labels), 4),
                "gate_only_ms_per_image": round(gate_seconds * 1000, 1),
                "gate_only_recall": round(recall(gate_found, labels), 4),
                "attributes_overhead": round(detect_seconds / gate_seconds - 1, 3),
                "target_overhead": 0.4,
                "head_attributes_ms_per_image": round(head_seconds * 1000, 1),
                "head_attributes_overhead": round(head_seconds / gate_seconds - 1, 3),
                "main_face_ms_per_image": round(main_face_seconds * 1000, 1),
                "main_face_recall": round(recall(main_face_found, labels), 4),
                "liveness_ms_per_image": round(liveness_seconds * 1000, 1),
                "liveness_ratio": round(liveness_seconds / detect_seconds, 3),
                "target_liveness_ratio": 1.3,
                "attribute_stages_ms_per_image": stage_costs(photos, args.rounds),
                "settings_from_environment_ms": round(settings_time(args.rounds) * 1000, 2),
                "compare_ms_per_pair": round(compare_seconds["sface"] * 1000, 1),
                "compare_dlib_ms_per_pair": round(compare_seconds["dlib"] * 1000, 1),
                "source": str(Path(faces)),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
