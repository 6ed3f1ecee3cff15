"""Embedding distance -> CompareFaces `SimilarityScore` (0-100) and `ConfidenceThresholds`.

`score = 100 / (1 + exp(slope * (distance - midpoint)))`: the probability, in percent, that two
faces at that distance are the same person when same and different pairs are equally likely,
fitted by logistic regression on measured pairs. Each false-accept-rate threshold is the score
of the largest distance that at most that fraction of measured impostor pairs fall under.
Both come from `python -m calibrate.compare`, one file per descriptor
(`data/compare_sface.json`, `data/compare_dlib.json`, with the data, pair counts and the
false-reject rate measured at each threshold).
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from pipeline.settings import Descriptor


@dataclass(frozen=True, slots=True)
class ScoreMapping:
    midpoint: float
    slope: float
    # false-accept rate (as a string key, e.g. "0.001") -> score threshold
    thresholds: dict[str, float]
    # the same rates -> the distance under which that fraction of impostor pairs fell
    distances: dict[str, float] = field(default_factory=dict)

    def score(self, distance: float) -> float:
        exponent = max(-50.0, min(50.0, self.slope * (distance - self.midpoint)))
        return 100.0 / (1.0 + math.exp(exponent))

    def distance_at(self, far: float) -> float:
        """The distance under which a `far` fraction of impostor pairs fall, for any rate.

        Between the calibrated rates: linear in log10(rate). Beyond them, the nearest
        segment's slope continues: impostor distances thin out faster than that towards
        small rates (each tenfold smaller rate moved the measured cut less than the one
        before), so the extrapolated cut is the stricter one.
        """
        if len(self.distances) < 2:
            raise ValueError("distance_at needs the distances of at least two rates")
        points = sorted((math.log10(float(rate)), cut) for rate, cut in self.distances.items())
        x = math.log10(max(far, 1e-300))
        segments = list(itertools.pairwise(points))
        # The first segment that reaches x, or the last one when x lies beyond them all.
        (x0, y0), (x1, y1) = next((s for s in segments if x <= s[1][0]), segments[-1])
        return y0 + (y1 - y0) * (x - x0) / (x1 - x0)


def mapping_file(descriptor: Descriptor) -> str:
    return f"compare_{descriptor}.json"


@cache
def score_mapping(descriptor: Descriptor) -> ScoreMapping:
    """The shipped mapping for this descriptor (loaded once per process)."""
    text = resources.files("pipeline.vision.data").joinpath(mapping_file(descriptor)).read_text()
    data = json.loads(text)
    return ScoreMapping(
        midpoint=float(data["midpoint"]),
        slope=float(data["slope"]),
        thresholds={far: float(t["score"]) for far, t in data["thresholds"].items()},
        distances={far: float(t["distance"]) for far, t in data["thresholds"].items()},
    )
