"""The two library jobs a worker runs: enrol one face, search one image in a group.

Their parameters travel in the job's `params` (`ACCOUNT`, `PERSON`, `GROUP`), so a job is
plain data like every other (`pipeline.jobs`). Both store their result in the shapes of the
documented API: enrolment as a `faceImageItems` entry, search as a `/green/image/scan` task
with scene `sface-n` (docs/search.md has both).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from pipeline.errors import (
    FaceNotQualifiedError,
    FacepipeError,
    InvalidRequestError,
    NoFaceError,
)
from pipeline.imaging import DecodedImage, decode
from pipeline.library.index import Hit
from pipeline.library.matching import TOP_PERSONS, match_distance, matches, score
from pipeline.settings import Settings
from pipeline.sources import ImageRef
from pipeline.vision.detection import FaceBox
from pipeline.vision.engine import FaceEngine
from pipeline.vision.similarity import score_mapping

if TYPE_CHECKING:
    from pipeline.library.store import Library

# A job's result, how many faces it found and how many of them the gate passed.
Outcome = tuple[dict[str, Any], int, int]

ACCOUNT = "account"
PERSON = "person"
GROUP = "group"
SCENE = "sface-n"


def param(params: Mapping[str, str], name: str) -> str:
    try:
        return params[name]
    except KeyError:
        raise InvalidRequestError(f"the job has no {name!r} parameter") from None


def enroll(
    task_id: str,
    ref: ImageRef,
    params: Mapping[str, str],
    image: bytes,
    *,
    library: Library,
    settings: Settings,
) -> Outcome:
    """Store the largest face of `image` for the job's person, if the quality gate passes it.

    Raises `NoFaceError` (470) without a face and `FaceNotQualifiedError` (471) with the
    gate's reasons, so a library never holds a face a search could not trust.
    """
    account, person = param(params, ACCOUNT), param(params, PERSON)
    photo = decoded(image, settings)
    faces = FaceEngine(settings.engine).describe(photo, limit=1)
    if not faces:
        raise NoFaceError("no face detected in the image")
    face = faces[0]
    if not face.analysis.qualified:
        raise FaceNotQualifiedError(
            "the face fails the quality gate: " + ", ".join(face.analysis.reasons)
        )
    box = source_box(face.analysis.box, photo)
    if GROUP in params:
        # Enrolment from a bucket prefix: the folder names the person, who may be new.
        library.ensure_person(account, person, [params[GROUP]])
    face_id = library.add_face(
        account,
        person,
        source_uri=ref.uri,
        etag=ref.etag,
        box=box,
        descriptor=face.embedding,
        descriptor_name=settings.engine.descriptor,
    )
    result = {
        "code": 200,
        "msg": "OK",
        "taskId": task_id,
        "url": ref.uri,
        "personId": person,
        "faceId": int(face_id),
        "success": True,
        "location": box,
    }
    return result, 1, 1


def search(
    task_id: str,
    ref: ImageRef,
    params: Mapping[str, str],
    image: bytes,
    *,
    library: Library,
    settings: Settings,
) -> Outcome:
    """Up to `max_query_faces` faces of `image`, each with the group's persons it matches."""
    account, group = param(params, ACCOUNT), param(params, GROUP)
    photo = decoded(image, settings)
    faces = FaceEngine(settings.engine).describe(photo, settings.library.max_query_faces)
    descriptor = settings.engine.descriptor
    queries = np.array([face.embedding for face in faces], dtype=np.float32)
    found: list[list[Hit]] = (
        library.index.nearest(account, group, descriptor, queries, TOP_PERSONS) if faces else []
    )
    mapping = score_mapping(descriptor)
    group_faces = library.group_faces(account, group, descriptor) if faces else 0
    max_distance = match_distance(mapping, settings.library.match_far, group_faces)
    wanted = {hit.person_id for hits in found for hit in hits}
    enrolled = library.person_descriptors(account, wanted, descriptor)
    names = library.names(account, wanted)
    per_face = []
    for face, query, nearest in zip(faces, queries, found, strict=True):
        persons = matches(
            query, nearest, mapping, max_distance=max_distance, enrolled=enrolled, names=names
        )
        per_face.append(
            {
                **source_box(face.analysis.box, photo),
                "qualified": face.analysis.qualified,
                "faces": [
                    {"id": p.person_id, "name": p.name, "rate": p.similarity, "faceId": p.face_id}
                    for p in persons
                ],
            }
        )
    matched = any(entry["faces"] for entry in per_face)
    best = max((score(hits[0], mapping) for hits in found if hits), default=0.0)
    qualified = sum(1 for face in faces if face.analysis.qualified)
    result = {
        "code": 200,
        "msg": "OK",
        "taskId": task_id,
        "dataId": ref.data_id,
        "url": ref.uri,
        "extras": {"groupId": group},
        "results": [
            {
                "scene": SCENE,
                "suggestion": "review" if matched else "pass",
                "label": "sface" if matched else "normal",
                "rate": round(best, 2),
                "sfaceData": per_face,
            }
        ],
    }
    return result, len(faces), qualified


def failure(
    task_id: str, kind: str, ref: ImageRef, params: Mapping[str, str], error: FacepipeError
) -> dict[str, Any]:
    """A failed enrol or search job's result, in the shape its success has."""
    base = {**error.to_dict(), "taskId": task_id, "url": ref.uri}
    if kind == "enroll":
        return {**base, "personId": params.get(PERSON), "success": False}
    return {**base, "dataId": ref.data_id, "extras": {"groupId": params.get(GROUP)}, "results": []}


def decoded(image: bytes, settings: Settings) -> DecodedImage:
    """The photo as the library's jobs read it (reduced past `decode_max_side`)."""
    return decode(image, settings.limits, max_side=settings.engine.decode_max_side)


def source_box(box: FaceBox, image: DecodedImage) -> dict[str, int]:
    """A box found in `image`, in the source photo's pixels: the `location` the library
    stores and answers."""
    return {
        "x": round(box.x * image.scale),
        "y": round(box.y * image.scale),
        "w": round(box.w * image.scale),
        "h": round(box.h * image.scale),
    }
