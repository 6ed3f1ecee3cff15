"""Bytes -> validated RGB pixels, within the documented image limits.

The order of the checks is the point of this module: size and format are checked on the raw
bytes, width and height on the header, and only then are pixels decoded, so that a
decompression bomb is refused before it can allocate anything.

What the limits accept can still be large (250 Mpx), and the engine looks at a few thousand
pixels at most, so `decode` takes a `max_side`. A larger JPEG, PNG or WEBP is then shrunk
while it is decoded, by libvips (`pyvips`): JPEG and WEBP at a reduced decode scale, PNG row
by row, so the full-size image is never in memory (`python -m bench.hostile` measures it).
BMP, which libvips does not read, is decoded by Pillow and reduced before any conversion
copies it. The reduced image reports its `scale` against the original, and boxes are mapped
back through it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Final

import numpy as np
import pyvips
from numpy.typing import NDArray
from PIL import Image, ImageOps

from pipeline.errors import (
    EmptyImageError,
    GifPixelsError,
    ImageDecodeError,
    ImageDimensionsError,
    ImagePixelsError,
    ImageTooLargeError,
    UnsupportedImageFormatError,
)
from pipeline.settings import ImageLimits

# facepipe enforces its own (documented) pixel limits before decoding; Pillow's lower default
# guard would refuse images the contract allows.
Image.MAX_IMAGE_PIXELS = None
# A worker decodes each image once: libvips' operation cache would only hold memory.
pyvips.cache_set_max(0)

RGBImage = NDArray[np.uint8]

ALLOWED_FORMATS: Final = ("PNG", "JPEG", "BMP", "GIF", "WEBP")
# How libvips reports that it could not allocate memory (or a thread's stack).
_ALLOCATION_FAILED: Final = ("out of memory", "Resource temporarily unavailable")
# What libvips shrinks on load (GIF never needs it: its pixel limit is below any max_side).
SHRINK_ON_LOAD_FORMATS: Final = ("PNG", "JPEG", "WEBP")

# Leading bytes of formats we accept, and of common ones we refuse by name, so that a refusal
# says what the file is rather than "cannot decode".
_ALLOWED_SIGNATURES: Final = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
)
_REFUSED_SIGNATURES: Final = (
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"%PDF", "PDF"),
    (b"8BPS", "PSD"),
    (b"\x00\x00\x01\x00", "ICO"),
    (b"\x00\x00\x00\x0cjP  ", "JPEG 2000"),
    (b"\xff\x4f\xff\x51", "JPEG 2000"),
)
_ISO_BRANDS: Final = {b"heic": "HEIC", b"heix": "HEIC", b"mif1": "HEIF", b"avif": "AVIF"}
_TEXT_MARKUP: Final = ((b"<svg", "SVG"), (b"<?xml", "XML/SVG"), (b"<!doctype html", "HTML"))


@dataclass(frozen=True, slots=True)
class DecodedImage:
    """An upright RGB image and what it was decoded from.

    `width`/`height` are those of `pixels`, i.e. after EXIF orientation was applied. `scale`
    is original pixels per decoded pixel (1.0 unless `decode` reduced the image): face boxes
    found in `pixels` times `scale` are boxes in the upright original.
    """

    pixels: RGBImage
    format: str
    scale: float = 1.0

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def original_width(self) -> int:
        return round(self.width * self.scale)

    @property
    def original_height(self) -> int:
        return round(self.height * self.scale)


def sniff_format(data: bytes) -> str:
    """The format named by the leading bytes, or raise `UnsupportedImageFormatError`."""
    for signature, name in _ALLOWED_SIGNATURES:
        if data.startswith(signature):
            return name
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    refused = _refused_format(data)
    allowed = ", ".join(ALLOWED_FORMATS)
    if refused:
        raise UnsupportedImageFormatError(f"{refused} images are not supported; use {allowed}")
    raise UnsupportedImageFormatError(f"the data is not a recognised image; use {allowed}")


def _refused_format(data: bytes) -> str | None:
    for signature, name in _REFUSED_SIGNATURES:
        if data.startswith(signature):
            return name
    if data[4:8] == b"ftyp" and data[8:12] in _ISO_BRANDS:
        return _ISO_BRANDS[data[8:12]]
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    for marker, name in _TEXT_MARKUP:
        if head.startswith(marker):
            return name
    if head.startswith(b"<html") or b"<html" in head:
        return "HTML"
    return None


def check_dimensions(width: int, height: int, image_format: str, limits: ImageLimits) -> None:
    """Raise the documented error when a header's dimensions break a limit."""
    if width <= 0 or height <= 0:
        raise ImageDecodeError(f"the image header gives an empty size ({width}x{height})")
    if width > limits.max_side or height > limits.max_side:
        raise ImageDimensionsError(
            f"image is {width}x{height} px; width and height must each be <= {limits.max_side:,} px"
        )
    pixels = width * height
    if image_format == "GIF" and pixels > limits.max_gif_pixels:
        raise GifPixelsError(
            f"GIF has {pixels:,} pixels ({width}x{height}); GIFs may have at most "
            f"{limits.max_gif_pixels:,}"
        )
    if pixels > limits.max_pixels:
        raise ImagePixelsError(
            f"image has {pixels:,} pixels ({width}x{height}); the limit is {limits.max_pixels:,}"
        )


def decode(
    data: bytes, limits: ImageLimits | None = None, *, max_side: int | None = None
) -> DecodedImage:
    """Decode image bytes into an upright RGB array, enforcing every documented limit.

    GIF and animated WEBP give their first frame; transparency is composited onto white;
    16-bit images are scaled to 8 bits; EXIF orientation is applied. With `max_side`, an
    image whose longer side is larger comes back reduced to it (see the module docstring).
    """
    limits = limits or ImageLimits()
    if not data:
        raise EmptyImageError("the image is empty (0 bytes)")
    if len(data) > limits.max_bytes:
        raise ImageTooLargeError(
            f"image is {len(data) / 1_048_576:.1f} MB; the limit is "
            f"{limits.max_bytes / 1_048_576:.0f} MB"
        )
    image_format = sniff_format(data)
    try:
        image = Image.open(io.BytesIO(data), formats=[image_format])
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageDecodeError(f"cannot read the {image_format} header: {exc}") from exc
    with image:
        original = max(image.size)
        check_dimensions(image.width, image.height, image_format, limits)
        try:
            if max_side is not None and original > max_side:
                if image_format in SHRINK_ON_LOAD_FORMATS:
                    pixels = _shrunk_on_load(data, max_side)
                else:
                    pixels = _to_rgb(_upright(_reduced(image, max_side)))
            else:
                image.load()
                pixels = _to_rgb(_upright(image))
        except pyvips.Error as exc:
            if any(marker in str(exc) for marker in _ALLOCATION_FAILED):
                # The job's memory cap (workers.limits), not the image's fault.
                raise MemoryError(str(exc)) from exc
            raise ImageDecodeError(f"the {image_format} data is corrupt: {exc}") from exc
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise ImageDecodeError(
                f"the {image_format} data is corrupt or truncated: {exc}"
            ) from exc
    scale = original / max(pixels.shape[:2])
    return DecodedImage(pixels=pixels, format=image_format, scale=scale)


def _shrunk_on_load(data: bytes, max_side: int) -> RGBImage:
    """Upright RGB pixels with the longer side `max_side`, never decoded at full size."""
    image = pyvips.Image.thumbnail_buffer(data, max_side, height=max_side, size="down")
    # 8-bit sRGB from grey, 16-bit and CMYK, with alpha kept as a band until flattened.
    image = image.colourspace("srgb")
    if image.hasalpha():
        image = image.flatten(background=[255, 255, 255])
    if image.format != "uchar":
        image = image.cast("uchar")
    pixels: RGBImage = np.ascontiguousarray(image.numpy()[:, :, :3])
    return pixels


def _reduced(image: Image.Image, max_side: int) -> Image.Image:
    """`image` (a format libvips does not read) loaded and reduced to `max_side`."""
    image.load()
    if image.mode in ("P", "1"):  # palette indices cannot be averaged
        image = image.convert("RGBA" if _has_alpha(image) else "RGB")
    ratio = max_side / max(image.size)
    size = (max(1, round(image.width * ratio)), max(1, round(image.height * ratio)))
    # reducing_gap: integer box reduction first, then a filtered resize of the rest.
    return image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)


def _upright(image: Image.Image) -> Image.Image:
    """`image` turned by its EXIF orientation, in place: a copy costs more than the decode."""
    ImageOps.exif_transpose(image, in_place=True)
    return image


def _to_rgb(image: Image.Image) -> RGBImage:
    if image.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        # 16-bit grayscale: Pillow's convert("L") clips instead of scaling.
        wide = np.asarray(image, dtype=np.uint32)
        gray = np.clip(wide >> 8, 0, 255).astype(np.uint8)
        return np.ascontiguousarray(np.repeat(gray[:, :, None], 3, axis=2))
    if image.mode == "F":
        gray = np.clip(np.asarray(image, dtype=np.float32), 0, 255).astype(np.uint8)
        return np.ascontiguousarray(np.repeat(gray[:, :, None], 3, axis=2))
    if _has_alpha(image):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    if image.mode != "RGB":
        image = image.convert("RGB")
    # np.array, not asarray: one writable copy, where asarray(...).copy() made two.
    return np.array(image, dtype=np.uint8)


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info
