"""A job: one image (or one pair, for compare) and the analysis to run on it.

`enroll` and `search` jobs work on the face library (`pipeline.library`): their account,
person and group travel in `params`.

Jobs are plain data: producers build them, the results store keeps them, and a worker runs
one with `run_job`. Nothing here knows about Celery.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, get_args

from pipeline.analysis import compare, detect
from pipeline.contract import CompareResponse, DetectResponse
from pipeline.errors import FacepipeError, InvalidRequestError
from pipeline.library import jobs as library_jobs
from pipeline.settings import Settings
from pipeline.sources import Fetcher, ImageRef

if TYPE_CHECKING:
    from pipeline.library.store import Library

# The kinds of one image whose result is a detect response (faces), which every dialect can
# render: what a folder, a prefix or a bucket event can be run with.
ImageKind = Literal["detect", "attributes", "liveness"]
DETECT_KINDS: tuple[ImageKind, ...] = get_args(ImageKind)
JobKind = Literal[ImageKind, "compare", "enroll", "search"]
JOB_KINDS: tuple[JobKind, ...] = get_args(JobKind)


@dataclass(frozen=True)
class JobSpec:
    """What to analyse. Its idempotency key names the result it produces."""

    kind: JobKind
    source: ImageRef
    target: ImageRef | None = None
    params: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in JOB_KINDS:
            raise InvalidRequestError(f"unknown job kind {self.kind!r}; use one of {JOB_KINDS}")
        if (self.kind == "compare") != (self.target is not None):
            raise InvalidRequestError("a compare job needs a target image; other kinds take none")

    @property
    def images(self) -> list[ImageRef]:
        """The source, and the target of a compare."""
        return [self.source] if self.target is None else [self.source, self.target]

    def idempotency_key(self) -> str:
        """sha256 over source URI + ETag/version + kind + params (+ the target for compare)."""
        parts: list[Any] = [self.kind, _content_id(self.source), dict(sorted(self.params.items()))]
        if self.target is not None:
            parts.append(_content_id(self.target))
        return hashlib.sha256(json.dumps(parts, separators=(",", ":")).encode()).hexdigest()


@dataclass(frozen=True)
class JobOutcome:
    """A successful job's documented response, with the counts summaries are built from."""

    result: dict[str, Any]
    # None for compare jobs, which report a score, not faces.
    faces: int | None
    qualified_faces: int | None


def _content_id(ref: ImageRef) -> list[str | None]:
    return [ref.uri, ref.etag, ref.version]


def run_job(
    task_id: str,
    spec: JobSpec,
    sources: Fetcher,
    settings: Settings,
    library: Library | None = None,
) -> JobOutcome:
    """Fetch, decode and analyse. Raises `pipeline.errors` exceptions on failure.

    `library` is needed by `enroll` and `search` jobs only.
    """
    image = sources.fetch(spec.source)
    if spec.kind in ("enroll", "search"):
        if library is None:
            raise InvalidRequestError(f"a {spec.kind} job needs the face library")
        run = library_jobs.enroll if spec.kind == "enroll" else library_jobs.search
        result, found, passed = run(
            task_id, spec.source, spec.params, image, library=library, settings=settings
        )
        return JobOutcome(result, faces=found, qualified_faces=passed)
    if spec.kind == "compare":
        assert spec.target is not None  # checked in JobSpec.__post_init__
        target = sources.fetch(spec.target)
        response = compare(image, target, request_id=task_id, settings=settings)
        return JobOutcome(response.to_json(), faces=None, qualified_faces=None)
    # "attributes" returns the same face objects: the attributes the engine does not compute
    # (hat and hairstyle unless turned on; bang behind sunglasses or a mask) are null, as
    # documented in pipeline.contract. "liveness" adds each face's liveness verdict.
    detected = detect(
        image,
        data_id=spec.source.data_id,
        task_id=task_id,
        settings=settings,
        liveness=spec.kind == "liveness",
    )
    detected.url = spec.source.uri
    faces = detected.faces or []
    return JobOutcome(
        detected.to_json(),
        faces=len(faces),
        qualified_faces=sum(1 for face in faces if face.qualified),
    )


def failure_result(task_id: str, spec: JobSpec, error: FacepipeError) -> dict[str, Any]:
    """A failed job's result in the same documented shape a success would have."""
    if spec.kind == "compare":
        return CompareResponse.from_error(error, request_id=task_id).to_json()
    if spec.kind in ("enroll", "search"):
        return library_jobs.failure(task_id, spec.kind, spec.source, spec.params, error)
    return DetectResponse.from_error(
        error, task_id=task_id, data_id=spec.source.data_id, url=spec.source.uri
    ).to_json()
