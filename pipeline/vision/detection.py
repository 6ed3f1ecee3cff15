"""Face detection, boxes reported in original pixels: YuNet (a CNN, the default) or dlib's
HOG (`FACEPIPE_ENGINE_DETECTOR=hog`).

With YuNet, the masked-face HOG detector (`calibrate.mask_detector`) is not run: on the
masked crops YuNet misses it finds 1 in 24, and it puts 40 boxes on the 220 face-free images
where YuNet puts 2 (`python -m bench.detection`, key `masked_hog_on_yunet_misses`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Final

import cv2
import dlib
import numpy as np
from numpy.typing import NDArray

from pipeline.imaging import RGBImage
from pipeline.settings import EngineSettings
from pipeline.vision import dlib_models, yunet

# YuNet: images whose shorter side is below this are upscaled to it first (tight crops of
# 64-130 px: the network finds faces from ~20 px, but misses faces that fill the frame).
MIN_CNN_SIDE: Final = 160
# YuNet misses many faces that touch the image's edges (tight crops): the second pass adds
# this fraction of each side, the edge pixels repeated (`python -m bench.detection`).
EDGE_PADDING: Final = 0.25
# The small-face pass enlarges images by at most this factor: YuNet finds faces of ~48 px
# and more, so a 2x copy finds faces of ~24-32 px in a small photo.
MAX_UPSCALE: Final = 2.0
# The small-face pass reads large copies in tiles of at most this side, overlapping by
# TILE_OVERLAP: YuNet's memory grows with the pixels it is given (a 4096 x 4096 copy took
# 1.4 GB, `python -m bench.hostile`), a tile's does not.
TILE_SIDE: Final = 1536
TILE_OVERLAP: Final = 192
# Faces at least this wide in pass 1's copy are found by pass 1 itself (YuNet finds 98% of
# 64 px faces, `python -m bench.detection`, key `small_faces`).
FIRST_PASS_MIN_FACE: Final = 64
# HOG's small-face pass: one 2x upsampling of a copy at most this long.
HOG_RETRY_MAX_SIDE: Final = 1280


@dataclass(frozen=True, slots=True)
class FaceBox:
    """A detected face in original-image pixels (origin top-left) with its detector score;
    `points`, from YuNet: eye centres, nose tip and mouth corners (image-left first)."""

    x: float
    y: float
    w: float
    h: float
    score: float
    points: NDArray[np.float64] | None = None

    @property
    def area(self) -> float:
        return self.w * self.h

    def predictor_box(self) -> FaceBox:
        """The box in the convention of dlib's HOG detector, which the 68-point shape
        predictor and the mask model were fitted on: from the five points when there are
        some (`calibrate.detector` fitted where it lies), else this box."""
        if self.points is None:
            return self
        geometry = _predictor_geometry()
        eyes, mouth = self.points[:2].mean(axis=0), self.points[3:].mean(axis=0)
        centre = eyes + geometry["centre_along_eyes_to_mouth"] * (mouth - eyes)
        side = geometry["side_over_eyes_to_mouth"] * float(np.linalg.norm(mouth - eyes))
        return FaceBox(centre[0] - side / 2, centre[1] - side / 2, side, side, self.score)

    def to_dlib(self) -> dlib.rectangle:
        box = self.predictor_box()
        return dlib.rectangle(
            round(box.x), round(box.y), round(box.x + box.w), round(box.y + box.h)
        )


@cache
def _predictor_geometry() -> dict[str, float]:
    text = resources.files("pipeline.vision.data").joinpath("detector_box.json").read_text()
    geometry: dict[str, float] = json.loads(text)
    return geometry


def detect_faces(pixels: RGBImage, settings: EngineSettings) -> list[FaceBox]:
    """Find faces, largest first, with the configured detector."""
    if settings.detector == "yunet":
        return _cnn_faces(pixels, settings)
    return _hog_faces(pixels, settings)


def _cnn_faces(pixels: RGBImage, settings: EngineSettings) -> list[FaceBox]:
    """YuNet in up to three passes:

    1. on a copy at most `detect_max_side` long (tight crops upscaled to MIN_CNN_SIDE);
    2. when that finds nothing, the same with EDGE_PADDING around it, for faces that fill
       the frame;
    3. for small faces, on a copy enlarged by at most MAX_UPSCALE and at most
       `retry_max_side` long (the decoded photo itself when that is larger), when it sees
       the faces at least 1.5 times as large as pass 1 did, and either nothing was found or
       the photo is over `small_faces_min_pixels` (`small_faces`): a face found near the
       camera says nothing about faces far behind it. A face both passes see is kept once.
    """
    faces = _cnn_at(pixels, settings.detect_max_side, settings)
    if not faces:
        faces = _cnn_padded(pixels, settings)
    height, width = pixels.shape[:2]
    longer = max(height, width)
    retry_side = round(longer * min(MAX_UPSCALE, settings.retry_max_side / longer))
    first_scale = _cnn_scale(height, width, settings.detect_max_side)
    sees_smaller = retry_side > 1.5 * first_scale * longer
    large = settings.small_faces and height * width > settings.small_faces_min_pixels
    if sees_smaller and (not faces or large):
        small = _cnn_tiled(pixels, retry_side, settings)
        if faces:
            # Beside faces already found, the pass adds only faces too small for pass 1: a
            # larger box it finds, pass 1 saw and did not take (the enlarged copy of a
            # blurred photo shows YuNet faces that are none).
            small = [box for box in small if box.w * first_scale < FIRST_PASS_MIN_FACE]
        faces = _merged(faces, small)
    return sorted(faces, key=lambda box: box.area, reverse=True)


def _merged(kept: list[FaceBox], more: list[FaceBox]) -> list[FaceBox]:
    """`kept`, and the boxes of `more` (best score first) that are no face already kept: a
    face seen whole by an earlier pass may be seen again, or in parts, by a tile."""
    merged = list(kept)
    for box in sorted(more, key=lambda box: box.score, reverse=True):
        if not any(same_face(box, other) for other in merged):
            merged.append(box)
    return merged


def _cnn_padded(pixels: RGBImage, settings: EngineSettings) -> list[FaceBox]:
    """YuNet on the photo with EDGE_PADDING of each side added, at the scale the padded photo
    would get; the copy is shrunk before it is padded, so a large photo costs no more."""
    height, width = pixels.shape[:2]
    dy, dx = round(height * EDGE_PADDING), round(width * EDGE_PADDING)
    scale = _cnn_scale(height + 2 * dy, width + 2 * dx, settings.detect_max_side)
    top, left = round(dy * scale), round(dx * scale)
    work = cv2.copyMakeBorder(_resized(pixels, scale), top, top, left, left, cv2.BORDER_REPLICATE)
    found = yunet.detect(
        np.asarray(work, dtype=np.uint8), settings.min_cnn_score, settings.yunet_model
    )
    offset = np.array([left, top], dtype=np.float64)
    return [_cnn_box(face, scale, width, height, offset) for face in found]


def _cnn_scale(height: int, width: int, max_side: int) -> float:
    """The scale of YuNet's copy: at most `max_side` long, at least MIN_CNN_SIDE short."""
    return float(min(max_side / max(height, width), max(1.0, MIN_CNN_SIDE / min(height, width))))


def _resized(pixels: RGBImage, scale: float) -> RGBImage:
    if scale == 1.0:
        return np.ascontiguousarray(pixels)
    height, width = pixels.shape[:2]
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    shrink = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return np.asarray(cv2.resize(pixels, size, interpolation=shrink), dtype=np.uint8)


def _cnn_at(pixels: RGBImage, max_side: int, settings: EngineSettings) -> list[FaceBox]:
    height, width = pixels.shape[:2]
    scale = _cnn_scale(height, width, max_side)
    found = yunet.detect(_resized(pixels, scale), settings.min_cnn_score, settings.yunet_model)
    return [_cnn_box(face, scale, width, height) for face in found]


def _cnn_tiled(pixels: RGBImage, side: int, settings: EngineSettings) -> list[FaceBox]:
    """YuNet on a copy `side` long, tile by tile; a face seen by two tiles is kept once."""
    height, width = pixels.shape[:2]
    scale = side / max(height, width)
    work = _resized(pixels, scale)
    step = TILE_SIDE - TILE_OVERLAP
    faces: list[FaceBox] = []
    for top in range(0, max(1, work.shape[0] - TILE_OVERLAP), step):
        for left in range(0, max(1, work.shape[1] - TILE_OVERLAP), step):
            tile = np.ascontiguousarray(work[top : top + TILE_SIDE, left : left + TILE_SIDE])
            offset = np.array([-left, -top], dtype=np.float64)
            found = yunet.detect(tile, settings.min_cnn_score, settings.yunet_model)
            faces.extend(_cnn_box(face, scale, width, height, offset) for face in found)
    return _merged([], faces)


def _cnn_box(
    face: yunet.Detection,
    scale: float,
    width: int,
    height: int,
    offset: NDArray[np.float64] | None = None,
) -> FaceBox:
    """A YuNet face found on a copy scaled by `scale` (and padded by `offset` pixels of the
    copy), in the original's pixels, clipped to it."""
    shift = np.zeros(2) if offset is None else offset
    x, y = (face.box[0] - shift[0]) / scale, (face.box[1] - shift[1]) / scale
    w, h = face.box[2] / scale, face.box[3] / scale
    left, top = max(0.0, x), max(0.0, y)
    right, bottom = min(float(width), x + w), min(float(height), y + h)
    points = (face.points - shift) / scale
    return FaceBox(left, top, right - left, bottom - top, face.score, points)


def _hog_faces(pixels: RGBImage, settings: EngineSettings) -> list[FaceBox]:
    """Find faces with dlib's HOG, largest first.

    Pass one runs HOG without upsampling on a copy at most `detect_max_side` long, which finds
    faces down to ~80 px of that copy at a fraction of full-size cost. Only when it finds
    nothing does pass two look for small faces: HOG with one upsampling on a copy at most
    HOG_RETRY_MAX_SIDE long (HOG costs ~30 times YuNet per pixel).

    Each pass runs dlib's frontal detector and our masked-face detector together
    (`run_multiple` computes the HOG pyramid once for both). A masked-face box that overlaps
    a frontal one is the same face and is dropped.
    """
    faces = _detect_at(pixels, settings.detect_max_side, 0, settings)
    if not faces:
        faces = _detect_at(pixels, HOG_RETRY_MAX_SIDE, 1, settings)
    return sorted(faces, key=lambda box: box.area, reverse=True)


def _detect_at(
    pixels: RGBImage, max_side: int, upsample: int, settings: EngineSettings
) -> list[FaceBox]:
    height, width = pixels.shape[:2]
    scale = min(1.0, max_side / max(height, width))
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        work = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)
    else:
        work = np.ascontiguousarray(pixels)
    models = dlib_models.load()
    if not settings.attributes:
        rects, scores, _ = models.detector.run(work, upsample, settings.min_detection_score)
        return [
            _clip_box(r, score, scale, width, height)
            for r, score in zip(rects, scores, strict=True)
        ]
    floor = min(settings.min_detection_score, settings.min_masked_detection_score)
    rects, scores, kinds = dlib.fhog_object_detector.run_multiple(
        [models.detector, models.masked_detector], work, upsample, floor
    )
    frontal, masked = [], []
    for rect, score, kind in zip(rects, scores, kinds, strict=True):
        # `kind` is the position in the list of detectors: 0 frontal, 1 masked.
        if kind == 0 and score >= settings.min_detection_score:
            frontal.append(_clip_box(rect, score, scale, width, height))
        elif kind == 1 and score >= settings.min_masked_detection_score:
            masked.append(_clip_box(rect, score, scale, width, height))
    return frontal + [box for box in masked if not any(same_face(box, f) for f in frontal)]


def same_face(a: FaceBox, b: FaceBox) -> bool:
    """Intersection over the smaller box above one third: the same face."""
    width = min(a.x + a.w, b.x + b.w) - max(a.x, b.x)
    height = min(a.y + a.h, b.y + b.h) - max(a.y, b.y)
    if width <= 0 or height <= 0:
        return False
    return width * height > min(a.area, b.area) / 3


def _clip_box(rect: dlib.rectangle, score: float, scale: float, width: int, height: int) -> FaceBox:
    # HOG boxes may stick out of the image for faces cut by its edge; report the visible part.
    left = max(0.0, rect.left() / scale)
    top = max(0.0, rect.top() / scale)
    right = min(float(width), (rect.right() + 1) / scale)
    bottom = min(float(height), (rect.bottom() + 1) / scale)
    return FaceBox(x=left, y=top, w=right - left, h=bottom - top, score=float(score))
