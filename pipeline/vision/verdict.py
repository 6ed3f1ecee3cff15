"""What an attribute model answers: one value of its vocabulary and how likely it is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

Value = TypeVar("Value", bound=str)


# No slots: on Python 3.11 a frozen, slotted generic dataclass fails when built through a
# subscripted alias such as `Verdict[GenderValue](...)` (a TypeError from super()).
@dataclass(frozen=True)
class Verdict(Generic[Value]):
    """`value` (e.g. "Has" / "None") and `rate`, the model's probability of it (0..1)."""

    value: Value
    rate: float
