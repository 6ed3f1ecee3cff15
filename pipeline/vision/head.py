"""Hat (`Wear` / `None`) and hairstyle (`Short` / `Long`) from the face-parsing map.

Each is a logistic model on a few class fractions of the parsed head
(`pipeline.vision.parsing.HeadParsing.features`): hat on the hat, hair and skin shares above
the forehead; hairstyle on the hair below the jaw and beside the cheeks. Both are fitted by
`python -m calibrate.head` on the `sunglasses/` faces we labelled, and `rate` is the
model's probability of the reported value.

Not answered: `Bald` (one bald face among the labelled photos: nothing to fit or check it on,
so a bald head is called Short). Fringes (`bang`) come from the forehead's pixels instead
(`pipeline.vision.bang`): the parsed forehead's hair share did not tell them from hairlines.
"""

from __future__ import annotations

from typing import Final, Literal, cast

import numpy as np

from pipeline.vision.linear import load_model
from pipeline.vision.verdict import Verdict

HAT_MODEL: Final = "hat.json"
HAIRSTYLE_MODEL: Final = "hairstyle.json"
HAT_FEATURES: Final = ("hat_crown", "hair_crown", "skin_crown", "hat_forehead")
HAIRSTYLE_FEATURES: Final = ("hair_below_jaw", "hair_sides")
HatValue = Literal["Wear", "None"]
HairstyleValue = Literal["Short", "Long"]


HatVerdict = Verdict[HatValue]
HairstyleVerdict = Verdict[HairstyleValue]


def _verdict(
    model_file: str, names: tuple[str, ...], features: dict[str, float]
) -> tuple[str, float]:
    row = np.array([features[name] for name in names], dtype=np.float64)
    return load_model(model_file).verdict(row)


def classify_hat(features: dict[str, float]) -> HatVerdict:
    """Whether the head with these `HeadParsing.features()` wears a hat or cap."""
    value, rate = _verdict(HAT_MODEL, HAT_FEATURES, features)
    return HatVerdict(cast(HatValue, value), rate)


def classify_hairstyle(features: dict[str, float]) -> HairstyleVerdict:
    """Long (below the jaw) or Short hair on the head with these `HeadParsing.features()`."""
    value, rate = _verdict(HAIRSTYLE_MODEL, HAIRSTYLE_FEATURES, features)
    return HairstyleVerdict(cast(HairstyleValue, value), rate)
