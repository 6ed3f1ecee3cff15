"""The wire format: pydantic models of the documented responses (docs/contract.md).

Fields facepipe does not compute are `None` (JSON `null`), never guessed: `bang` is null on
faces wearing sunglasses or a mask (`pipeline.vision.bang` measures from the brows and the
cheeks they hide), `hat` and `hairstyle` are null unless
`FACEPIPE_ENGINE_HEAD_ATTRIBUTES=true` (the face-parsing network, `pipeline.vision.head`), and
with `FACEPIPE_ENGINE_ATTRIBUTES=false` so are `smile`, `respirator`, `mustache`, `bang`, `age`
and `gender` (and `hat`, `hairstyle`). `age` and `gender` are not in the Green shape; facepipe
adds them (the ctyun and IMM dialects need them, `pipeline.dialects`).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel, to_pascal

from pipeline.errors import FacepipeError


class _Camel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class _Pascal(BaseModel):
    model_config = ConfigDict(alias_generator=to_pascal, populate_by_name=True)


class Location(_Camel):
    """Face box in pixels of the (EXIF-upright) image, origin top-left."""

    x: float
    y: float
    w: float
    h: float


class Quality(_Camel):
    """blur 0-20 (higher = blurrier); angles in degrees, null if they could not be solved."""

    blur: float
    pitch: float | None
    yaw: float | None
    roll: float | None


class RatedValue(_Camel):
    """An attribute's answer: one `value` of its vocabulary and its `rate` (0..1)."""

    value: str
    rate: float


class Liveness(_Camel):
    """Whether the face is a live person: `Live`, `Spoof` (a photo of a photo) or `Unclear`
    (too small, blurred or turned to judge); `rate` is the probability of `value`, null for
    `Unclear`."""

    value: str
    rate: float | None


class Smile(_Camel):
    value: float
    rate: float


class Age(_Camel):
    """Years; `rate` is the model's probability mass within 5 years, `sd` its spread."""

    value: float
    rate: float
    sd: float


class Face(_Camel):
    location: Location
    quality: Quality
    qualified: bool
    # Why `qualified` is false: any of "blur", "sunglass", "pitch", "yaw", "roll", and
    # "liveness" (a face not judged Live, with FACEPIPE_ENGINE_LIVENESS_GATE on).
    reasons: list[str]
    glasses: RatedValue | None = None
    smile: Smile | None = None
    respirator: RatedValue | None = None
    hat: RatedValue | None = None
    mustache: RatedValue | None = None
    bang: RatedValue | None = None
    hairstyle: RatedValue | None = None
    age: Age | None = None
    gender: RatedValue | None = None
    # Null unless asked for (`liveness: true`, `/green/face/liveness`).
    liveness: Liveness | None = None


class Extras(_Camel):
    width: int
    height: int


class DetectResponse(_Camel):
    """The `/green/face/detect` response; on failure `faces` is null and `error` names it."""

    code: int = 200
    msg: str = "OK"
    error: str | None = None
    data_id: str | None = None
    task_id: str
    url: str | None = None
    extras: Extras | None = None
    faces: list[Face] | None = None

    @classmethod
    def from_error(
        cls, exc: FacepipeError, *, task_id: str, data_id: str | None = None, url: str | None = None
    ) -> DetectResponse:
        return cls(
            code=exc.code,
            msg=exc.message,
            error=exc.name,
            task_id=task_id,
            data_id=data_id,
            url=url,
        )

    def to_json(self) -> dict[str, Any]:
        """The response as documented: camelCase keys, nulls kept."""
        return self.model_dump(mode="json", by_alias=True)


class CompareData(_Pascal):
    similarity_score: float
    # JSON-encoded object, as documented: {"0.0001": "90.07", "0.001": "80.01", ...}
    confidence_thresholds: str


class CompareResponse(_Pascal):
    """The Cloudauth `CompareFaces` response."""

    code: str = "200"
    success: bool = True
    request_id: str
    message: str = "success"
    error: str | None = None
    data: CompareData | None = None

    @classmethod
    def from_error(cls, exc: FacepipeError, *, request_id: str) -> CompareResponse:
        return cls(
            code=str(exc.code),
            success=False,
            request_id=request_id,
            message=exc.message,
            error=exc.name,
        )

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)
