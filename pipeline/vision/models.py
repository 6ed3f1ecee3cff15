"""The networks the engine runs, and the one rule they are loaded by.

Each model has its own module (`dlib_models`, `yunet`, `sface`, `age_gender`, `faceres`,
`parsing`)
with two functions:

- `load(...)`: the model, read on first use and cached. Per process where its runtime may
  be shared by threads (dlib, onnxruntime sessions), per thread where it may not (OpenCV's
  networks set per-call state).
- `warm(settings)`: load it now if these settings use it.

Workers warm every model before their first job, so a sync API call does not wait for one.
The small JSON models (`linear`) load on first use; they take milliseconds.
"""

from __future__ import annotations

from typing import Protocol

from pipeline.settings import EngineSettings
from pipeline.vision import age_gender, dlib_models, faceres, parsing, sface, yunet


class Model(Protocol):
    """A model module (module docstring)."""

    def warm(self, settings: EngineSettings) -> None: ...


MODELS: tuple[Model, ...] = (dlib_models, yunet, sface, age_gender, faceres, parsing)


def warm_up(settings: EngineSettings) -> None:
    """Load every model these settings use."""
    for model in MODELS:
        model.warm(settings)
