"""Train the extra HOG detector for masked faces: `python -m calibrate.mask_detector`.

dlib's frontal HOG detector finds ~5% of the masked crops in `masks/with_mask/`: it keys on
the nose and mouth a mask hides. This trains a second dlib HOG detector on masked faces.

Data: `masks/with_mask/` sorted by name; even-numbered files train, odd-numbered ones are held
out and give the reported recall. Each training crop is padded by 35% (replicated edge, as
`pad_crop` does for detection) and once more on a plain grey border, so the detector does
not learn the padding. The face box in a crop is placed where the frontal detector puts it
relative to the eyes in the unmasked crops of the same source (`masks/without_mask/`,
median position), and the eyes of a masked face are found by the shape predictor.
Writes `vision/data/masked_face_detector.svm` and prints the held-out recall.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from statistics import median

import cv2
import dlib
import numpy as np

from calibrate import SHIPPED
from calibrate.fixtures import fixtures_dir, image_files, largest_face, load, pad_crop
from pipeline.imaging import RGBImage
from pipeline.settings import EngineSettings
from pipeline.vision.alignment import eye_centres
from pipeline.vision.detection import FaceBox
from pipeline.vision.dlib_models import MASKED_DETECTOR_FILE
from pipeline.vision.landmarks import Landmarks, find_shape, shape_to_array

OUTPUT = SHIPPED / MASKED_DETECTOR_FILE
BORDER = 0.35
BOX_SIDE = 110  # px: training crops are scaled so the face box is about this wide
REGULARISATION = 20.0  # dlib's C
TILTS = (-10.0, 10.0)  # degrees
NEGATIVES = 60  # photos from sunglasses/ (no masks) the detector must not fire on
# A single eye with its brow and cheek looks like a masked face to HOG when it is face-sized:
# such views of unmasked faces (even-numbered `without_mask/` files) are negatives too.
EYE_VIEW_SIDE = 1.6  # the view's side, in eye distances, centred on one eye
EYE_VIEW_SCALE = 160  # px per eye distance: the eye then spans about BOX_SIDE


@dataclass(frozen=True, slots=True)
class EyeFrame:
    """Where the frontal detector's box sits relative to the eyes, in eye distances."""

    dx: float  # box centre minus the eyes' midpoint
    dy: float
    side: float

    def box(self, landmarks: Landmarks) -> FaceBox:
        left, right = eye_centres(landmarks)
        middle, distance = (left + right) / 2, float(np.hypot(*(right - left)))
        side = self.side * distance
        x = middle[0] + self.dx * distance - side / 2
        y = middle[1] + self.dy * distance - side / 2
        return FaceBox(x=x, y=y, w=side, h=side, score=0.0)


def eye_frame(folder: Path, settings: EngineSettings) -> EyeFrame:
    """The median `EyeFrame` of the frontal detector's boxes on unmasked crops."""
    dxs, dys, sides = [], [], []
    for path in image_files(folder):
        pixels = pad_crop(load(path), BORDER)
        found = largest_face(pixels, settings)
        if found is None:
            continue
        box, landmarks = found
        left, right = eye_centres(landmarks)
        middle, distance = (left + right) / 2, float(np.hypot(*(right - left)))
        dxs.append((box.x + box.w / 2 - middle[0]) / distance)
        dys.append((box.y + box.h / 2 - middle[1]) / distance)
        sides.append(box.w / distance)
    return EyeFrame(median(dxs), median(dys), median(sides))


def masked_face_box(pixels: RGBImage, frame: EyeFrame) -> FaceBox:
    """The box the frontal detector would draw, found from the eyes, which a mask leaves visible.

    Start from the whole crop, find the eyes with the shape predictor, box them by `frame`, and
    find the eyes again inside that box.
    """
    height, width = pixels.shape[:2]
    side = min(width, height)
    box = FaceBox(x=(width - side) / 2, y=(height - side) / 2, w=side, h=side, score=0.0)
    for _ in range(2):
        box = frame.box(shape_to_array(find_shape(pixels, box)))
    return box


def training_views(pixels: RGBImage, box: FaceBox) -> list[tuple[RGBImage, dlib.rectangle]]:
    """The crop scaled so its face box is `BOX_SIDE` wide, on two kinds of border."""
    scale = BOX_SIDE / box.w
    height, width = pixels.shape[:2]
    small = cv2.resize(pixels, (max(1, round(width * scale)), max(1, round(height * scale))))
    h, w = small.shape[:2]
    dy, dx = round(h * BORDER), round(w * BORDER)
    left, top = dx + box.x * scale, dy + box.y * scale
    rect = dlib.rectangle(round(left), round(top), round(left + BOX_SIDE), round(top + BOX_SIDE))
    replicated = cv2.copyMakeBorder(small, dy, dy, dx, dx, cv2.BORDER_REPLICATE)
    grey = cv2.copyMakeBorder(small, dy, dy, dx, dx, cv2.BORDER_CONSTANT, value=(128, 128, 128))
    views = [
        (np.ascontiguousarray(replicated, dtype=np.uint8), rect),
        (np.ascontiguousarray(grey, dtype=np.uint8), rect),
    ]
    # Heads tilt: the same face turned by a few degrees about its box centre.
    centre = (left + BOX_SIDE / 2, top + BOX_SIDE / 2)
    for angle in TILTS:
        turn = cv2.getRotationMatrix2D(centre, angle, 1.0)
        size = (replicated.shape[1], replicated.shape[0])
        tilted = cv2.warpAffine(replicated, turn, size, borderMode=cv2.BORDER_REPLICATE)
        views.append((np.ascontiguousarray(tilted, dtype=np.uint8), rect))
    return views


def eye_views(pixels: RGBImage, landmarks: Landmarks) -> list[RGBImage]:
    """Face-sized views of each eye of an unmasked face, with no whole face in them."""
    views = []
    distance = float(np.hypot(*np.subtract(*eye_centres(landmarks))))
    scale = EYE_VIEW_SCALE / max(distance, 1.0)
    half = EYE_VIEW_SIDE * EYE_VIEW_SCALE / 2
    for centre in eye_centres(landmarks):
        # Maps the eye to the middle of a view of side 2 * half.
        affine = np.array(
            [[scale, 0.0, half - scale * centre[0]], [0.0, scale, half - scale * centre[1]]]
        )
        side = round(2 * half)
        view = cv2.warpAffine(pixels, affine, (side, side), borderMode=cv2.BORDER_REPLICATE)
        views.append(np.ascontiguousarray(view, dtype=np.uint8))
    return views


def main() -> None:
    # The unmasked faces are found by dlib's frontal detector alone, so that what this trains
    # does not depend on an earlier masked-face detector (it serves the HOG engine).
    settings = EngineSettings(detector="hog", attributes=False)
    root = fixtures_dir() / "masks"
    frame = eye_frame(root / "without_mask", settings)
    files = image_files(root / "with_mask")
    images, boxes = [], []
    for path in files[0::2]:
        pixels = load(path)
        for image, rect in training_views(pixels, masked_face_box(pixels, frame)):
            images.append(image)
            boxes.append([rect])
    # Unmasked faces are the frontal detector's job; teach this one to leave them alone.
    for path in image_files(fixtures_dir() / "sunglasses")[:NEGATIVES]:
        images.append(load(path))
        boxes.append([])
    for path in image_files(root / "without_mask")[0::2]:
        pixels = pad_crop(load(path), BORDER)
        found = largest_face(pixels, settings)
        for view in eye_views(pixels, found[1]) if found else []:
            images.append(view)
            boxes.append([])
    options = dlib.simple_object_detector_training_options()
    options.add_left_right_image_flips = True
    options.C = REGULARISATION
    options.num_threads = 2
    options.be_verbose = False
    detector = dlib.train_simple_object_detector(images, boxes, options)
    detector.save(str(OUTPUT))
    print(json.dumps({"eye_frame": [frame.dx, frame.dy, frame.side], "trained_on": len(images)}))


if __name__ == "__main__":
    main()
