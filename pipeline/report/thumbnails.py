"""Report thumbnails: the source image upright (EXIF applied), at most `THUMB_SIDE` pixels a
side, as an embeddable JPEG data URI."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

from PIL import Image

from pipeline.errors import FacepipeError
from pipeline.imaging import decode

THUMB_SIDE = 240
# Decoding shrinks large images on the way (libvips): a thumbnail needs no more than this.
DECODE_SIDE = 4 * THUMB_SIDE


@dataclass(frozen=True)
class Thumbnail:
    """`data_uri` of a `width` x `height` JPEG; `scale` is thumbnail pixels per pixel of
    the upright original, which maps the stored face boxes onto it."""

    data_uri: str
    width: int
    height: int
    scale: float


def make_thumbnail(data: bytes) -> Thumbnail | None:
    """The thumbnail of an image's bytes; None when they are not an image facepipe reads."""
    try:
        decoded = decode(data, max_side=DECODE_SIDE)
    except FacepipeError:
        return None
    image = Image.fromarray(decoded.pixels)
    image.thumbnail((THUMB_SIDE, THUMB_SIDE))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    original_width = decoded.width * decoded.scale
    return Thumbnail(
        data_uri="data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode(),
        width=image.width,
        height=image.height,
        scale=image.width / original_width,
    )
