"""From a query face's nearest stored faces to the persons it matches.

The nearest faces name the candidate persons; each candidate is then scored by its
template, the normalised mean of all its descriptors, which judges a person by every photo
enrolled rather than by its luckiest one (rank-1 on the `identities/` crops: 94% against
90% for the best single face, `python -m bench.search`). Similarities are reported on
compare's 0-100 scale (`pipeline.vision.similarity`).

Search is open-set: a stranger gets "no match", not the nearest enrolled person. The
false-accept rate it is set by (FAR 0.001 by default) is that of a search: the share of
searches for someone not in the group that match anyone. A stranger meets every face of the
group, so each is held to a per-pair rate that many times smaller (`match_distance`): the
larger the group, the closer a person must be.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from pipeline.library.index import Hit
from pipeline.vision.similarity import ScoreMapping

# Persons reported per query face, best first (the documented "top 5").
TOP_PERSONS = 5
# Persons whose templates are compared, per query face: those with the nearest faces.
CANDIDATE_PERSONS = 2 * TOP_PERSONS


@dataclass(frozen=True)
class PersonMatch:
    person_id: str
    name: str | None
    # 0-100, compare's scale: the query face against the person's template.
    similarity: float
    # The person's face that was most similar.
    face_id: str


def candidates_per_face(max_faces_per_person: int) -> int:
    """How many nearest faces to fetch so that TOP_PERSONS distinct persons are among them
    even when each has all its faces nearer than the next person's."""
    return TOP_PERSONS * max_faces_per_person


def match_distance(mapping: ScoreMapping, search_far: float, group_faces: int) -> float:
    """The largest distance at which a search reports a person: the per-pair rate p with
    which a stranger, compared with `group_faces` faces, matches any of them with
    probability `search_far` (1 - (1 - p)^n = far, faces taken as independent)."""
    per_pair = -math.expm1(math.log1p(-search_far) / max(group_faces, 1))
    return mapping.distance_at(per_pair)


def candidate_persons(hits: Sequence[Hit]) -> list[Hit]:
    """Per person its most similar face, for the CANDIDATE_PERSONS nearest persons."""
    best: dict[str, Hit] = {}
    for hit in hits:
        known = best.get(hit.person_id)
        if known is None or hit.similarity > known.similarity:
            best[hit.person_id] = hit
    ranked = sorted(best.values(), key=lambda hit: (-hit.similarity, hit.person_id))
    return ranked[:CANDIDATE_PERSONS]


def rank_persons(
    query: NDArray[np.float32],
    candidates: Sequence[Hit],
    templates: Mapping[str, NDArray[np.float32]],
) -> list[Hit]:
    """The candidates re-scored by their templates, best first: each a Hit whose similarity
    is the template's and whose face is the person's most similar one. A candidate without
    a template (its faces deleted meanwhile) is dropped."""
    scored = [
        Hit(float(np.dot(templates[hit.person_id], query)), hit.face_id, hit.person_id)
        for hit in candidates
        if hit.person_id in templates
    ]
    return sorted(scored, key=lambda hit: (-hit.similarity, hit.person_id))


def distance(hit: Hit) -> float:
    """Cosine distance, the distance compare's mapping is calibrated on."""
    return 1.0 - hit.similarity


def score(hit: Hit, mapping: ScoreMapping) -> float:
    """The hit on compare's 0-100 scale."""
    return mapping.score(distance(hit))


def matches(
    ranked: Sequence[Hit],
    mapping: ScoreMapping,
    max_distance: float,
    names: Mapping[str, str | None],
) -> list[PersonMatch]:
    """The persons (`rank_persons`) a query face matches (open set), at most TOP_PERSONS."""
    return [
        PersonMatch(
            hit.person_id, names.get(hit.person_id), round(score(hit, mapping), 2), hit.face_id
        )
        for hit in ranked
        if distance(hit) <= max_distance
    ][:TOP_PERSONS]
