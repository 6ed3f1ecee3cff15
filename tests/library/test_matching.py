"""The open-set decision: a search's false-accept rate spread over the group's faces."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from pipeline.library.index import Hit
from pipeline.library.matching import match_distance, matches
from pipeline.library.templates import PersonDescriptors, person_templates, template
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


def test_a_template_is_the_unit_mean_of_a_persons_faces() -> None:
    """Ann has one face very near the query and one far off; Bob two fairly near: Bob's
    template is nearer, so search ranks him first."""
    query = _unit([1.0, 0.0, 0.0])
    ann = [_unit([0.95, 0.31, 0.0]), _unit([0.0, 1.0, 0.0])]
    bob = [_unit([0.9, 0.0, 0.44]), _unit([0.9, 0.0, -0.44])]
    found = dict(person_templates(["ann", "ann", "bob", "bob"], np.array(ann + bob)))
    assert found["bob"] @ query == pytest.approx(1.0)
    assert found["ann"] @ query < found["bob"] @ query
    np.testing.assert_allclose(found["ann"], _unit(ann[0] + ann[1]), atol=1e-6)
    assert np.linalg.norm(template(np.array([ann[0], -ann[0]]))) == 0.0


def test_the_reported_face_is_the_persons_nearest() -> None:
    faces = PersonDescriptors(["far", "near"], np.array([_unit([0, 1, 0]), _unit([1, 0.1, 0])]))
    assert faces.nearest_face(_unit([1.0, 0.0, 0.0])) == "near"


def test_only_persons_within_the_cut_match_and_at_most_five() -> None:
    query = _unit([1.0, 0.0, 0.0])
    nearest = [Hit(0.9 - i / 100, f"p{i}") for i in range(8)]
    enrolled = {f"p{i}": PersonDescriptors([str(i)], query[None, :]) for i in range(8)}
    found = matches(
        query, nearest, MAPPING, max_distance=0.125, enrolled=enrolled, names={"p0": "Ann"}
    )
    assert [match.person_id for match in found] == ["p0", "p1", "p2"]
    assert found[0].name == "Ann"
    assert found[0].face_id == "0"
    assert len(matches(query, nearest, MAPPING, max_distance=1.0, enrolled=enrolled, names={})) == 5
    # A person whose faces were deleted since the index answered is left out.
    del enrolled["p1"]
    found = matches(query, nearest, MAPPING, max_distance=0.125, enrolled=enrolled, names={})
    assert [match.person_id for match in found] == ["p0", "p2"]


def _unit(values: Any) -> NDArray[np.float32]:
    vector = np.asarray(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)
