"""Scripts that derive the engine's shipped constants from labelled photos.

Tooling beside `bench/`, not part of the installed package: each module runs from the
repository as `python -m calibrate.NAME` (`make calibrate` runs them all, in order) and
rewrites its file in `pipeline/vision/data/`. `labels.py` loads the labels we added to the
fixtures (`labels/*.json`).
"""

from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
# Where the runtime reads its shipped constants and models from.
SHIPPED = REPOSITORY / "pipeline" / "vision" / "data"
