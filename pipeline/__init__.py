"""facepipe: self-hostable face detection, quality gate, attributes, 1:1 compare and 1:N
search over a face library.

    >>> from pipeline import detect, compare, render
    >>> detect(open("photo.jpg", "rb").read()).to_json()
    >>> render(detect(data).to_json(), "imm")  # or "ctyun"

Everything that is not Celery lives in this package; `workers` stays thin. The subpackages:
`vision` (the face engine), `sources` (where images come from), `store` (results), `library`
(persons, faces, search), `producers` (jobs in), `api` (the HTTP service), `signatures`,
`report` and `cli`. docs/layout.md names every module.
"""

from pipeline.analysis import compare, detect
from pipeline.contract import CompareResponse, DetectResponse
from pipeline.dialects import render

__all__ = ["CompareResponse", "DetectResponse", "compare", "detect", "render"]
