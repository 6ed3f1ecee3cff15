"""Compare's shipped FAR tables: stricter false-accept rates ask for more similar faces."""

from __future__ import annotations

import itertools
from typing import get_args

import pytest

from pipeline.settings import Descriptor
from pipeline.vision.similarity import score_mapping


@pytest.mark.parametrize("descriptor", get_args(Descriptor))
def test_the_far_table_is_monotone(descriptor: Descriptor) -> None:
    mapping = score_mapping(descriptor)
    rates = sorted(mapping.thresholds, key=float)
    assert rates == ["0.0001", "0.001", "0.01"]
    scores = [mapping.thresholds[rate] for rate in rates]
    distances = [mapping.distances[rate] for rate in rates]
    # Strictly: a lower FAR accepts fewer pairs, so its score is higher, its distance lower.
    assert all(a > b for a, b in itertools.pairwise(scores))
    assert all(a < b for a, b in itertools.pairwise(distances))
