"""Scripts that derive the engine's shipped constants from labelled photos.

Each module runs as `python -m pipeline.calibrate.NAME` and rewrites
`pipeline/vision/data/NAME.json`.
"""
