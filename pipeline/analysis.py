"""The public entry points: bytes in, documented response shapes out."""

from __future__ import annotations

import json
import math
import uuid
from typing import Any

from pipeline.contract import (
    Age,
    CompareData,
    CompareResponse,
    DetectResponse,
    Extras,
    Face,
    Liveness,
    Location,
    Quality,
    RatedValue,
    Smile,
)
from pipeline.imaging import decode
from pipeline.settings import Settings
from pipeline.vision import verdict
from pipeline.vision.embedding import distance
from pipeline.vision.engine import FaceAnalysis, FaceEngine
from pipeline.vision.similarity import score_mapping


def new_task_id() -> str:
    """A fresh task id (the results store will hand these out once it exists)."""
    return uuid.uuid4().hex


def detect(
    image: bytes,
    *,
    data_id: str | None = None,
    task_id: str | None = None,
    settings: Settings | None = None,
    liveness: bool = False,
) -> DetectResponse:
    """Detect faces and their quality in image bytes, in the `/green/face/detect` shape;
    `liveness` also says of each face whether it is a live person or a photo of a photo.

    Raises a `pipeline.errors.ImageError` subclass when the bytes break a documented limit;
    `DetectResponse.from_error` renders it in the same shape. `settings`: None reads them from
    the environment, which takes milliseconds; build them once when calling in a loop.
    """
    settings = settings or Settings()
    decoded = decode(image, settings.limits, max_side=settings.engine.decode_max_side)
    faces = FaceEngine(settings.engine).analyse(decoded, liveness=liveness)
    return DetectResponse(
        data_id=data_id,
        task_id=task_id or new_task_id(),
        extras=Extras(width=decoded.original_width, height=decoded.original_height),
        faces=[_to_face(face, decoded.scale) for face in faces],
    )


def _angle(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 2)


def _to_face(face: FaceAnalysis, scale: float) -> Face:
    """The documented face object; `scale` maps the box back to the original image."""
    box = face.box
    return Face(
        location=Location(
            x=round(box.x * scale, 1),
            y=round(box.y * scale, 1),
            w=round(box.w * scale, 1),
            h=round(box.h * scale, 1),
        ),
        quality=Quality(
            blur=face.blur,
            pitch=_angle(face.pose.pitch),
            yaw=_angle(face.pose.yaw),
            roll=_angle(face.pose.roll),
        ),
        qualified=face.qualified,
        reasons=face.reasons,
        glasses=RatedValue(value=face.glasses.value, rate=face.glasses.rate),
        smile=Smile(value=face.smile.value, rate=face.smile.rate) if face.smile else None,
        respirator=_verdict(face.respirator),
        age=Age(value=face.age.value, rate=face.age.rate, sd=face.age.sd) if face.age else None,
        gender=_verdict(face.gender),
        mustache=_verdict(face.mustache),
        bang=_verdict(face.bang),
        hat=_verdict(face.hat),
        hairstyle=_verdict(face.hairstyle),
        liveness=Liveness(value=face.liveness.value, rate=face.liveness.rate)
        if face.liveness
        else None,
    )


def _verdict(found: verdict.Verdict[Any] | None) -> RatedValue | None:
    return None if found is None else RatedValue(value=found.value, rate=found.rate)


def compare(
    source: bytes,
    target: bytes,
    *,
    request_id: str | None = None,
    settings: Settings | None = None,
) -> CompareResponse:
    """Compare the largest face of each image, in the Cloudauth `CompareFaces` shape.

    Raises `NoFaceError` when either image has no face, or an `ImageError` for bad bytes.
    """
    settings = settings or Settings()
    engine = FaceEngine(settings.engine)
    max_side = settings.engine.decode_max_side
    source_image = decode(source, settings.limits, max_side=max_side)
    source_embedding = engine.largest_face_embedding(source_image, "source")
    target_image = decode(target, settings.limits, max_side=max_side)
    target_embedding = engine.largest_face_embedding(target_image, "target")
    descriptor = settings.engine.descriptor
    mapping = score_mapping(descriptor)
    score = mapping.score(distance(source_embedding, target_embedding, descriptor))
    thresholds = {far: f"{value:.2f}" for far, value in mapping.thresholds.items()}
    return CompareResponse(
        request_id=request_id or new_task_id(),
        data=CompareData(
            similarity_score=round(score, 2), confidence_thresholds=json.dumps(thresholds)
        ),
    )
