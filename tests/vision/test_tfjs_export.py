"""The ONNX exports of deploy/convert_tfjs.py give TensorFlow.js's own outputs.

`make setup` converts the models of deploy/human-models.txt into the environment;
`make tfjs-reference` ran each original model in TensorFlow.js (its CPU backend) on inputs
from the formula below and stored the outputs in data/tfjs_reference.json.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import onnxruntime
import pytest
from numpy.typing import NDArray

REPOSITORY = Path(__file__).resolve().parents[2]
REFERENCE = json.loads((Path(__file__).parent / "data" / "tfjs_reference.json").read_text())
MODELS = Path(sys.prefix) / "share" / "facepipe"


def pattern(seed: int, count: int) -> NDArray[np.float32]:
    """deploy/tfjs_reference.mjs's input formula (a ramp with texture, in [0, 1])."""
    k = np.arange(count, dtype=np.float64)
    ramp = np.sin(0.001 * k * seed + seed) * 0.5 + 0.5
    return (0.8 * ramp + 0.2 * (((k * 7919 + seed * 104729) % 1000) / 1000)).astype(np.float32)


def pinned_models() -> list[str]:
    pins = (REPOSITORY / "deploy" / "human-models.txt").read_text().splitlines()
    return [line.split()[1] for line in pins if line.startswith("model ")]


def test_every_pinned_model_has_reference_outputs() -> None:
    assert sorted(REFERENCE["models"]) == sorted(pinned_models())


@pytest.mark.parametrize("name", pinned_models())
def test_the_onnx_export_gives_the_tfjs_outputs(name: str) -> None:
    session = onnxruntime.InferenceSession(
        str(MODELS / f"{name}.onnx"), providers=["CPUExecutionProvider"]
    )
    for run in REFERENCE["models"][name]:
        inputs = pattern(run["seed"], int(np.prod(run["shape"]))).reshape(run["shape"])
        outputs = session.run(None, {session.get_inputs()[0].name: inputs})
        assert len(outputs) == len(run["outputs"])
        for got, expected in zip(outputs, run["outputs"], strict=True):
            np.testing.assert_allclose(got.ravel(), expected, rtol=1e-4, atol=1e-5)


def test_a_wrong_input_gives_other_outputs() -> None:
    """The comparison can fail: another seed's input does not give seed 1's outputs."""
    name = pinned_models()[0]
    session = onnxruntime.InferenceSession(
        str(MODELS / f"{name}.onnx"), providers=["CPUExecutionProvider"]
    )
    first, second = REFERENCE["models"][name][:2]
    inputs = pattern(second["seed"], int(np.prod(first["shape"]))).reshape(first["shape"])
    (got, *_) = session.run(None, {session.get_inputs()[0].name: inputs})
    assert not np.allclose(got.ravel(), first["outputs"][0], rtol=1e-4, atol=1e-5)
