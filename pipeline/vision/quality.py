"""The documented quality gate: blur < 5, no sunglasses, |pitch|, |yaw|, |roll| <= 30 degrees."""

from __future__ import annotations

from typing import Final

from pipeline.vision.glasses import GlassesValue
from pipeline.vision.pose import HeadPose

BLUR_LIMIT: Final = 5.0
ANGLE_LIMIT: Final = 30.0


def gate(blur: float, pose: HeadPose, glasses: GlassesValue) -> list[str]:
    """The reasons a face fails the gate, in a fixed order; empty means `qualified`.

    Reasons: "blur", "sunglass", "pitch", "yaw", "roll". An angle that could not be estimated
    (NaN) fails its check, since the gate cannot vouch for it.
    """
    reasons = []
    if not blur < BLUR_LIMIT:
        reasons.append("blur")
    if glasses == "Sunglass":
        reasons.append("sunglass")
    for name in ("pitch", "yaw", "roll"):
        # `not <=` so that NaN fails too.
        if not abs(getattr(pose, name)) <= ANGLE_LIMIT:
            reasons.append(name)
    return reasons
