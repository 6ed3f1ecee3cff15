"""From a query face's nearest persons to the persons it matches.

The index (`pipeline.library.index`) ranks the group's persons by their template
(`pipeline.library.templates`); a match reports the person's template similarity on
compare's 0-100 scale (`pipeline.vision.similarity`) and the person's face most similar
to the query.

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
from pipeline.library.templates import PersonDescriptors
from pipeline.vision.similarity import ScoreMapping

# Persons reported per query face, best first (the documented "top 5").
TOP_PERSONS = 5


@dataclass(frozen=True)
class PersonMatch:
    person_id: str
    name: str | None
    # 0-100, compare's scale: the query face against the person's template.
    similarity: float
    # The person's face that was most similar.
    face_id: str


def match_distance(mapping: ScoreMapping, search_far: float, group_faces: int) -> float:
    """The largest distance at which a search reports a person: the per-pair rate p with
    which a stranger, compared with `group_faces` faces, matches any of them with
    probability `search_far` (1 - (1 - p)^n = far, faces taken as independent)."""
    per_pair = -math.expm1(math.log1p(-search_far) / max(group_faces, 1))
    return mapping.distance_at(per_pair)


def distance(hit: Hit) -> float:
    """Cosine distance, the distance compare's mapping is calibrated on."""
    return 1.0 - hit.similarity


def score(hit: Hit, mapping: ScoreMapping) -> float:
    """The hit on compare's 0-100 scale."""
    return mapping.score(distance(hit))


def matches(
    query: NDArray[np.float32],
    nearest: Sequence[Hit],
    mapping: ScoreMapping,
    *,
    max_distance: float,
    enrolled: Mapping[str, PersonDescriptors],
    names: Mapping[str, str | None],
) -> list[PersonMatch]:
    """The persons among `nearest` (the index's, best first) the query face matches (open
    set), at most TOP_PERSONS. A person without descriptors in `enrolled` (its faces deleted
    since the index answered) is left out."""
    return [
        PersonMatch(
            hit.person_id,
            names.get(hit.person_id),
            round(score(hit, mapping), 2),
            enrolled[hit.person_id].nearest_face(query),
        )
        for hit in nearest
        if distance(hit) <= max_distance and hit.person_id in enrolled
    ][:TOP_PERSONS]
