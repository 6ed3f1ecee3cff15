"""facepipe: self-hostable face detection, quality gate, attributes and 1:1 compare.

    >>> from pipeline import detect, compare, render
    >>> detect(open("photo.jpg", "rb").read()).to_json()
    >>> render(detect(data).to_json(), "imm")  # or "ctyun"

Everything that is not Celery lives in this package; `workers` stays thin.
"""

from pipeline.analysis import compare, detect
from pipeline.contract import CompareResponse, DetectResponse
from pipeline.dialects import render

__all__ = ["CompareResponse", "DetectResponse", "compare", "detect", "render"]
