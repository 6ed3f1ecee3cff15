"""A person's template: the normalised mean of its descriptors of one name.

Search ranks persons by their template, which judges a person by every photo enrolled
rather than by its luckiest one (rank-1 on the `identities/` crops: 94% against 90% for
the best single face, `python -m bench.search`). Both search backends index templates, one
per person, so this module is their one definition.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

Key = TypeVar("Key", bound=Hashable)

# Descriptors are stored as little-endian float32 unit vectors.
DESCRIPTOR_DTYPE = np.dtype("<f4")
# A template of descriptors that cancel out is no direction; it is kept unscaled.
_TINY = 1e-12


def pack(descriptor: NDArray[Any]) -> bytes:
    """A descriptor as it is stored: scaled to unit length, little-endian float32."""
    vector = np.asarray(descriptor, dtype=np.float64)
    return (vector / np.linalg.norm(vector)).astype(DESCRIPTOR_DTYPE).tobytes()


def unpack(blobs: Sequence[bytes]) -> NDArray[np.float32]:
    """Stored descriptors (all of one name, so of one length) as the rows of a matrix."""
    joined = np.frombuffer(b"".join(blobs), dtype=DESCRIPTOR_DTYPE)
    return joined.reshape(len(blobs), -1 if blobs else 0).astype(np.float32)


def template(descriptors: NDArray[Any]) -> NDArray[np.float32]:
    """The unit mean of the rows of `descriptors` (unit vectors of one person)."""
    mean: NDArray[np.float64] = np.asarray(descriptors, dtype=np.float64).mean(axis=0)
    return (mean / max(float(np.linalg.norm(mean)), _TINY)).astype(np.float32)


def runs(keys: Sequence[Key]) -> list[tuple[Key, slice]]:
    """Each run of equal consecutive keys (rows ordered by key) and the rows it spans."""
    found = []
    start = 0
    for key, run in groupby(keys):
        end = start + sum(1 for _ in run)
        found.append((key, slice(start, end)))
        start = end
    return found


def person_templates(
    keys: Sequence[Key], descriptors: NDArray[Any]
) -> list[tuple[Key, NDArray[np.float32]]]:
    """One template per run of equal keys: row i of `descriptors` belongs to `keys[i]`, and
    the rows of one key are consecutive (ordered by key)."""
    return [(key, template(descriptors[rows])) for key, rows in runs(keys)]


@dataclass(frozen=True)
class GroupTemplates:
    """The templates of one descriptor name of a group's persons: row i of `matrix` is
    `person_ids[i]`'s."""

    person_ids: list[str]
    matrix: NDArray[np.float32]


@dataclass(frozen=True)
class PersonDescriptors:
    """A person's descriptors of one name: row i of `matrix` is `face_ids[i]`'s."""

    face_ids: list[str]
    matrix: NDArray[np.float32]

    def nearest_face(self, query: NDArray[np.float32]) -> str:
        """The face most similar to `query`."""
        return self.face_ids[int(np.argmax(self.matrix @ query))]
