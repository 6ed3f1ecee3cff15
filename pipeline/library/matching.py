"""From a query face's nearest stored faces to the persons it matches.

A person's similarity is that of its most similar face, on compare's 0-100 scale
(`pipeline.vision.similarity`). Search is open-set: only persons at or above the threshold
of the configured false-accept rate (FAR 0.001 by default) are reported, so a stranger gets
"no match", not the nearest enrolled person.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pipeline.library.index import Hit
from pipeline.vision.similarity import ScoreMapping

# Persons reported per query face, best first (the documented "top 5").
TOP_PERSONS = 5


@dataclass(frozen=True)
class PersonMatch:
    person_id: str
    name: str | None
    # 0-100, compare's scale.
    similarity: float
    # The person's face that was most similar.
    face_id: str


def candidates_per_face(max_faces_per_person: int) -> int:
    """How many nearest faces to fetch so that TOP_PERSONS distinct persons are among them
    even when each has all its faces nearer than the next person's."""
    return TOP_PERSONS * max_faces_per_person


def best_persons(hits: Sequence[Hit], mapping: ScoreMapping, threshold: float) -> list[Hit]:
    """Per person its best hit, the persons at or above `threshold` only, best first."""
    best: dict[str, Hit] = {}
    for hit in hits:
        known = best.get(hit.person_id)
        if known is None or hit.similarity > known.similarity:
            best[hit.person_id] = hit
    ranked = sorted(best.values(), key=lambda hit: (-hit.similarity, hit.person_id))
    return [hit for hit in ranked if score(hit, mapping) >= threshold][:TOP_PERSONS]


def score(hit: Hit, mapping: ScoreMapping) -> float:
    """The hit on compare's 0-100 scale (cosine distance = 1 - similarity)."""
    return mapping.score(1.0 - hit.similarity)


def matches(
    hits: Sequence[Hit], mapping: ScoreMapping, threshold: float, names: Mapping[str, str | None]
) -> list[PersonMatch]:
    """The persons a query face matches (open set, module docstring), best first."""
    return [
        PersonMatch(
            hit.person_id, names.get(hit.person_id), round(score(hit, mapping), 2), hit.face_id
        )
        for hit in best_persons(hits, mapping, threshold)
    ]
