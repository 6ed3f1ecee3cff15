"""Small logistic models fitted by `calibrate.*` and shipped as JSON in `data/`.

A file holds the feature standardisation (`mean`, `scale`), one weight row per class (one row
for a binary model, whose probability is the sigmoid) and the class names. Keeping these as
plain JSON keeps scikit-learn a development dependency: the runtime only needs numpy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True, slots=True)
class LinearModel:
    classes: tuple[str, ...]
    mean: NDArray[np.float64]
    scale: NDArray[np.float64]
    weights: NDArray[np.float64]  # (rows, features)
    bias: NDArray[np.float64]  # (rows,)
    report: dict[str, Any]
    # A binary model's decision threshold on the second class's probability.
    threshold: float = 0.5

    def probabilities(self, features: NDArray[np.float64]) -> dict[str, float]:
        """Probability of each class for one feature vector."""
        logits = self.weights @ ((features - self.mean) / self.scale) + self.bias
        if len(self.classes) == 2 and len(logits) == 1:
            positive = float(1.0 / (1.0 + np.exp(-np.clip(logits[0], -50.0, 50.0))))
            return {self.classes[0]: 1.0 - positive, self.classes[1]: positive}
        shifted = np.exp(logits - logits.max())
        values = shifted / shifted.sum()
        return {name: float(p) for name, p in zip(self.classes, values, strict=True)}

    def verdict(self, features: NDArray[np.float64]) -> tuple[str, float]:
        """The most probable class and its probability."""
        probabilities = self.probabilities(features)
        best = max(probabilities, key=lambda name: probabilities[name])
        return best, round(probabilities[best], 4)


@cache
def load_model(filename: str) -> LinearModel:
    """A model from `pipeline/vision/data/`, read once per process."""
    data = json.loads(resources.files("pipeline.vision.data").joinpath(filename).read_text())
    return LinearModel(
        classes=tuple(data["classes"]),
        mean=np.asarray(data["mean"], dtype=np.float64),
        scale=np.asarray(data["scale"], dtype=np.float64),
        weights=np.atleast_2d(np.asarray(data["weights"], dtype=np.float64)),
        bias=np.atleast_1d(np.asarray(data["bias"], dtype=np.float64)),
        report=data.get("report", {}),
        threshold=float(data.get("threshold", 0.5)),
    )


def model_json(
    classes: list[str],
    *,
    mean: Any,
    scale: Any,
    weights: Any,
    bias: Any,
    report: dict[str, Any],
    threshold: float = 0.5,
) -> str:
    """The JSON `load_model` reads (used by the calibration scripts)."""

    def rounded(values: Any) -> Any:
        return np.round(np.asarray(values, dtype=np.float64), 6).tolist()

    return (
        json.dumps(
            {
                "classes": classes,
                "report": report,
                "threshold": threshold,
                "mean": rounded(mean),
                "scale": rounded(scale),
                "weights": rounded(weights),
                "bias": rounded(bias),
            }
        )
        + "\n"
    )
