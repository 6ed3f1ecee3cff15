"""Fit the liveness model: `python -m calibrate.liveness`.

Spoofs: the NUAA print-attack frames of `liveness/spoof/`. Live faces: the NUAA webcam
frames of `liveness/live/`, and real photos of other people, so that the model learns
"print or not" rather than "NUAA webcam or not": every `identities/` crop and every
`masks/without_mask/` crop (padded before detection). The other real photos (`faces/`,
`sunglasses/`, `genki4k/`, `ages/`) are kept out of training: bench.accuracy measures on them
how often a real photo is called a spoof.

Cross-validation holds out whole subjects (5 folds; a NUAA subject, an `identities/` person
or a `masks/` photo is never in both the training and the tested part), and the report
gives, on the NUAA frames of held-out subjects: APCER (spoofs taken for live), BPCER (live
taken for spoofs), ACER (their mean) and the share of frames that are `Unclear`. Faces that
are `Unclear` (`pipeline.vision.liveness.unclear_reason`) are neither trained on nor scored.
Writes `vision/data/liveness.json`. Needs scikit-learn (a dev dependency).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from calibrate import SHIPPED
from calibrate.fixtures import fixtures_dir, image_files, load, pad_crop
from calibrate.reliability import cross_validated, reliability_table, shipped_json
from pipeline.imaging import DecodedImage, RGBImage
from pipeline.settings import EngineSettings
from pipeline.vision.engine import FaceEngine
from pipeline.vision.liveness import MODEL_FILE, face_crop, liveness_features, unclear_reason

OUTPUT = SHIPPED / MODEL_FILE
REGULARISATION = 0.1  # sklearn C
CLASSES = ["Live", "Spoof"]


@dataclass(frozen=True)
class Sample:
    """One photo: its label (1 = spoof), its subject, and its features (None: Unclear)."""

    spoof: int
    subject: str
    nuaa: bool
    features: NDArray[np.float64] | None


def judged(pixels: RGBImage, engine: FaceEngine) -> NDArray[np.float64] | bool | None:
    """The largest face's features; None when it is Unclear, False when there is no face."""
    faces = engine.analyse(DecodedImage(pixels=pixels, format="fixture"))
    if not faces:
        return False
    face = faces[0]
    if unclear_reason(face.box, face.pose, face.blur) is not None:
        return None
    return liveness_features(face_crop(pixels, face.box))


def samples(root: Path, engine: FaceEngine) -> Iterator[Sample]:
    for label, spoof in (("live", 0), ("spoof", 1)):
        for subject in sorted((root / "liveness" / label).iterdir()):
            for path in image_files(subject):
                found = judged(load(path), engine)
                if found is not False:
                    yield Sample(spoof, f"nuaa-{subject.name}", True, _or_none(found))
    for person in sorted((root / "identities").iterdir()):
        for path in image_files(person):
            found = judged(pad_crop(load(path)), engine)
            if found is not False:
                yield Sample(0, f"identities-{person.name}", False, _or_none(found))
    for path in image_files(root / "masks" / "without_mask"):
        found = judged(pad_crop(load(path)), engine)
        if found is not False:
            yield Sample(0, f"masks-{path.stem}", False, _or_none(found))


def _or_none(found: NDArray[np.float64] | bool | None) -> NDArray[np.float64] | None:
    return found if isinstance(found, np.ndarray) else None


def nuaa_report(rows: list[Sample], spoof_probability: NDArray[np.float64]) -> dict[str, float]:
    """APCER, BPCER, ACER and Unclear on the NUAA frames (cross-validated probabilities of
    the judged ones, in the order of `rows`' judged samples)."""
    judged_rows = [row for row in rows if row.features is not None]
    nuaa = np.array([row.nuaa for row in judged_rows])
    spoof = np.array([row.spoof for row in judged_rows])[nuaa]
    called_spoof = spoof_probability[nuaa] >= 0.5
    apcer = float(1.0 - called_spoof[spoof == 1].mean())
    bpcer = float(called_spoof[spoof == 0].mean())
    nuaa_rows = [row for row in rows if row.nuaa]
    unclear = sum(row.features is None for row in nuaa_rows) / len(nuaa_rows)
    return {
        "apcer": round(apcer, 4),
        "bpcer": round(bpcer, 4),
        "acer": round((apcer + bpcer) / 2, 4),
        "unclear": round(unclear, 4),
        "frames": len(nuaa_rows),
    }


def main() -> None:
    engine = FaceEngine(EngineSettings(attributes=False))
    rows = list(samples(fixtures_dir(), engine))
    judged_rows = [row for row in rows if row.features is not None]
    features = np.array([row.features for row in judged_rows])
    labels = np.array([row.spoof for row in judged_rows])
    groups = [row.subject for row in judged_rows]
    model, predicted = cross_validated(
        features, labels, REGULARISATION, balanced=True, groups=groups
    )
    report = {
        "data": "NUAA print attacks (9 subjects) + real photos of identities/ and masks/",
        "folds": "5, subjects held out",
        "samples": {name: int((labels == i).sum()) for i, name in enumerate(CLASSES)},
        "nuaa_held_out_subjects": nuaa_report(rows, predicted[:, 1]),
        "cv_reliability": reliability_table(
            predicted.max(axis=1), predicted.argmax(axis=1) == labels
        ),
    }
    OUTPUT.write_text(shipped_json(model, CLASSES, report))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
