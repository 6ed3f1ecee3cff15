"""facepipe: self-hostable face detection, quality gate and 1:1 compare.

    >>> from pipeline import detect, compare
    >>> detect(open("photo.jpg", "rb").read()).to_json()

Everything that is not Celery lives in this package; `workers` stays thin.
"""

from pipeline.analysis import compare, detect
from pipeline.contract import CompareResponse, DetectResponse

__all__ = ["CompareResponse", "DetectResponse", "compare", "detect"]
