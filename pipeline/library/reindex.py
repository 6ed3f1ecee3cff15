"""Re-embed stored faces with the configured descriptor: `facepipe reindex`.

Search compares a query only with faces stored under the descriptor it computed
(`FACEPIPE_ENGINE_DESCRIPTOR`), so after that setting changes, faces enrolled under the other
one are not searched until they are re-embedded. Reindexing fetches each such face's photo
again (the URI it was enrolled from; a bucket object only if its ETag is still the one
enrolled), finds the face at its stored box, computes the
configured descriptor and swaps it in, one face per transaction with its person's templates.

A run can stop anywhere: a rerun picks up the faces still under another descriptor, and a run
after the last one changes nothing. A face keeps its old descriptor, and is reported, when its
photo cannot be fetched any more (an inline image expires an hour after its request) or no
face is found at its box; delete it or enrol it again. While a run is under way, a search
sees each face under one descriptor or the other, never both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Final

import numpy as np
from numpy.typing import NDArray

from pipeline.errors import FacepipeError, NoFaceError
from pipeline.library.faces import FaceUnder
from pipeline.library.jobs import decoded, source_box
from pipeline.library.store import Library
from pipeline.settings import Settings
from pipeline.sources import ImageRef, Sources
from pipeline.vision.detection import detect_faces
from pipeline.vision.embedding import face_embedding

# Faces read from the store per page.
PAGE: Final = 256
# The stored box and the one found now must overlap at least this much (intersection over
# union) to be the same face: the same detector finds it again within a few pixels.
MIN_OVERLAP: Final = 0.5


@dataclass(frozen=True)
class Reindexed:
    """What became of one face: `error` is None when it was re-embedded."""

    stored: FaceUnder
    error: FacepipeError | None


@dataclass
class ReindexSummary:
    """How many faces a run re-embedded, and how many it left under their old descriptor by
    error name."""

    reindexed: int = 0
    failed: dict[str, int] = field(default_factory=dict)


def overlap(a: dict[str, int], b: dict[str, int]) -> float:
    """Intersection over union of two boxes ({"x", "y", "w", "h"})."""
    width = min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"])
    height = min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"])
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    return inter / (a["w"] * a["h"] + b["w"] * b["h"] - inter)


def reembed(data: bytes, stored_box: dict[str, int], settings: Settings) -> NDArray[np.float64]:
    """The configured descriptor of the face found at `stored_box` in the photo, read and
    located as enrolment read it; `NoFaceError` when no face overlaps the box enough."""
    photo = decoded(data, settings)
    best, best_overlap = None, MIN_OVERLAP
    for box in detect_faces(photo.pixels, settings.engine):
        if (score := overlap(source_box(box, photo), stored_box)) >= best_overlap:
            best, best_overlap = box, score
    if best is None:
        raise NoFaceError("no face found at the stored face's box")
    return face_embedding(photo.pixels, best, settings.engine)


def _pages(library: Library, descriptor: str, account: str | None) -> Iterator[list[FaceUnder]]:
    """The faces under another descriptor, a page at a time (a page's failures stay
    behind it, so each face is tried once per run)."""
    after = ""
    while page := library.faces_not_under(descriptor, account=account, after=after, limit=PAGE):
        yield page
        after = page[-1].face.face_id


def reindex(
    library: Library,
    settings: Settings,
    *,
    account: str | None = None,
    workers: int = 1,
    on_face: Callable[[Reindexed], None] | None = None,
) -> ReindexSummary:
    """Move every face (of `account`, or all) to the configured descriptor (module
    docstring); `on_face` hears of each face as it is done."""
    descriptor = settings.engine.descriptor
    sources = Sources(settings)

    def one(stored: FaceUnder) -> Reindexed:
        try:
            data = sources.fetch_unchanged(ImageRef(stored.face.source_uri, etag=stored.etag))
            vector = reembed(data, stored.face.box, settings)
        except FacepipeError as error:
            return Reindexed(stored, error)
        # False: deleted or reindexed meanwhile, so nothing is left to do for it either.
        library.swap_descriptor(stored, vector, descriptor)
        return Reindexed(stored, None)

    summary = ReindexSummary()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for page in _pages(library, descriptor, account):
            for done in pool.map(one, page):
                if done.error is None:
                    summary.reindexed += 1
                else:
                    name = done.error.name
                    summary.failed[name] = summary.failed.get(name, 0) + 1
                if on_face is not None:
                    on_face(done)
    return summary
