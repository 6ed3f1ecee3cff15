"""The open-set decision: a search's false-accept rate spread over the group's faces."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from pipeline.library.index import Hit
from pipeline.library.matching import candidate_persons, match_distance, matches, rank_persons
from pipeline.vision.similarity import ScoreMapping, score_mapping

# Cuts as compare's calibration writes them: each tenfold smaller rate moves less.
MAPPING = ScoreMapping(
    midpoint=0.8,
    slope=18.0,
    thresholds={},
    distances={"0.01": 0.66, "0.001": 0.58, "0.0001": 0.51},
)


def test_calibrated_rates_give_their_own_cut() -> None:
    for far, cut in MAPPING.distances.items():
        assert MAPPING.distance_at(float(far)) == pytest.approx(cut)


def test_between_rates_the_cut_is_linear_in_the_rates_logarithm() -> None:
    assert MAPPING.distance_at(math.sqrt(0.01 * 0.001)) == pytest.approx((0.66 + 0.58) / 2)


def test_beyond_the_rates_the_nearest_slope_continues() -> None:
    """Stricter than a flattening tail would be: another 0.07 per tenfold below 0.0001."""
    assert MAPPING.distance_at(1e-5) == pytest.approx(0.44)
    assert MAPPING.distance_at(1e-6) == pytest.approx(0.37)
    assert MAPPING.distance_at(0.1) == pytest.approx(0.74)


def test_one_face_is_held_to_the_search_rate_itself() -> None:
    assert match_distance(MAPPING, 0.001, 1) == pytest.approx(0.58)


def test_a_larger_group_needs_a_closer_face() -> None:
    """A stranger meets every face: 100 faces at FAR 0.001 per search hold each face to
    about 0.00001 per pair."""
    cuts = [match_distance(MAPPING, 0.001, faces) for faces in (1, 10, 100, 10_000, 10**6)]
    assert cuts == sorted(cuts, reverse=True)
    assert match_distance(MAPPING, 0.001, 100) == pytest.approx(0.44, abs=1e-3)


def test_an_empty_group_does_not_divide_by_zero() -> None:
    assert match_distance(MAPPING, 0.001, 0) == pytest.approx(0.58)


def test_the_shipped_mapping_carries_its_cuts() -> None:
    shipped = score_mapping("sface")
    assert set(shipped.distances) == set(shipped.thresholds)
    assert shipped.distance_at(0.0001) < shipped.distance_at(0.001) < shipped.distance_at(0.01)


def test_candidates_are_persons_by_their_nearest_face() -> None:
    hits = [
        Hit(0.70, "1", "ann"),
        Hit(0.60, "2", "bob"),
        Hit(0.55, "3", "ann"),
        Hit(0.30, "4", "cy"),
    ]
    assert [hit.face_id for hit in candidate_persons(hits)] == ["1", "2", "4"]


def test_persons_are_ranked_by_their_template_not_their_luckiest_face() -> None:
    """Ann has one face very near the query and one far off; Bob two fairly near: Bob's
    template is nearer. The reported face is still each person's nearest."""
    query = _unit([1.0, 0.0, 0.0])
    ann = [_unit([0.95, 0.31, 0.0]), _unit([0.0, 1.0, 0.0])]
    bob = [_unit([0.9, 0.0, 0.44]), _unit([0.9, 0.0, -0.44])]
    hits = [
        Hit(float(face @ query), f"{person}-{i}", person)
        for person, person_faces in (("ann", ann), ("bob", bob))
        for i, face in enumerate(person_faces)
    ]
    templates = {"ann": _unit(sum(ann)), "bob": _unit(sum(bob))}
    ranked = rank_persons(query, candidate_persons(hits), templates)
    assert [hit.person_id for hit in ranked] == ["bob", "ann"]
    assert ranked[0].similarity == pytest.approx(1.0)
    assert ranked[1].face_id == "ann-0"
    # A person whose faces were deleted meanwhile has no template and is left out.
    assert [h.person_id for h in rank_persons(query, hits, {"bob": templates["bob"]})] == [
        "bob",
        "bob",
    ]


def test_only_persons_within_the_cut_match_and_at_most_five() -> None:
    ranked = [Hit(0.9 - i / 100, str(i), f"p{i}") for i in range(8)]
    found = matches(ranked, MAPPING, max_distance=0.125, names={"p0": "Ann"})
    assert [match.person_id for match in found] == ["p0", "p1", "p2"]
    assert found[0].name == "Ann"
    assert len(matches(ranked, MAPPING, max_distance=1.0, names={})) == 5


def _unit(values: Any) -> NDArray[np.float32]:
    vector = np.asarray(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)
