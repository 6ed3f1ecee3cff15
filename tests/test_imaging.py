"""Decoding: accepted formats, pixel handling, and each documented limit's own error."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import zlib

import numpy as np
import pytest
from PIL import Image

from pipeline import errors
from pipeline.imaging import decode
from pipeline.settings import ImageLimits


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A small, well-formed PNG whose header claims a size its few data bytes do not have."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + png_chunk(b"IEND", b"")
    )


def png_bomb(width: int, height: int) -> bytes:
    """A 1-bit PNG whose rows are all zero: a few hundred KB that inflate to width*height px."""
    row = b"\x00" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", body)
        + png_chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "BMP", "GIF", "WEBP"])
def test_accepted_formats_decode_to_rgb(fmt: str) -> None:
    image = Image.new("RGB", (40, 30), (200, 100, 50))
    decoded = decode(encode(image, fmt))
    assert decoded.format == fmt
    assert decoded.pixels.shape == (30, 40, 3)
    assert decoded.pixels.dtype == np.uint8


def test_rgba_is_composited_on_white_not_black() -> None:
    image = Image.new("RGBA", (8, 8), (0, 0, 0, 0))
    pixels = decode(encode(image, "PNG")).pixels
    assert (pixels == 255).all()


def test_grayscale_becomes_three_equal_channels() -> None:
    pixels = decode(encode(Image.new("L", (5, 5), 77), "PNG")).pixels
    assert pixels.shape == (5, 5, 3)
    assert (pixels == 77).all()


def test_16_bit_grayscale_is_scaled_not_clipped() -> None:
    wide = np.full((4, 4), 32768, dtype=np.uint16)
    pixels = decode(encode(Image.fromarray(wide), "PNG")).pixels
    assert (pixels == 128).all()


def test_exif_orientation_is_applied() -> None:
    image = Image.new("RGB", (60, 20), (10, 20, 30))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    decoded = decode(encode(image, "JPEG", exif=exif))
    assert (decoded.width, decoded.height) == (20, 60)


def test_gif_gives_its_first_frame() -> None:
    frames = [Image.new("RGB", (10, 10), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
    pixels = decode(buffer.getvalue()).pixels
    assert pixels[5, 5, 0] > 200
    assert pixels[5, 5, 2] < 50


def test_zero_bytes() -> None:
    with pytest.raises(errors.EmptyImageError):
        decode(b"")


def test_truncated_jpeg() -> None:
    data = encode(Image.effect_noise((300, 300), 60).convert("RGB"), "JPEG")
    with pytest.raises(errors.ImageDecodeError, match="truncated"):
        decode(data[: len(data) // 2])


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (b"<!DOCTYPE html><html><body>not found</body></html>", "HTML"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>', "SVG"),
        (b"\xef\xbb\xbf<?xml version='1.0'?><svg/>", "XML/SVG"),
    ],
)
def test_markup_is_refused_by_name(data: bytes, named: str) -> None:
    with pytest.raises(errors.UnsupportedImageFormatError, match=named):
        decode(data)


def test_tiff_is_refused_by_name() -> None:
    with pytest.raises(errors.UnsupportedImageFormatError, match="TIFF"):
        decode(encode(Image.new("RGB", (10, 10)), "TIFF"))


def test_random_bytes_are_not_an_image() -> None:
    with pytest.raises(errors.UnsupportedImageFormatError, match="not a recognised image"):
        decode(bytes(range(256)) * 4)


def test_png_header_claiming_30001_px_width() -> None:
    with pytest.raises(
        errors.ImageDimensionsError, match=r"30001x10 px; width and height must each be <= 30,000"
    ):
        decode(png_claiming(30_001, 10))


def test_gif_over_its_pixel_limit() -> None:
    # 2049 x 2049 = 4,198,401 > 4,194,304 (the same size as a PNG would be allowed)
    data = encode(Image.new("P", (2049, 2049)), "GIF")
    with pytest.raises(errors.GifPixelsError):
        decode(data)
    assert decode(encode(Image.new("RGB", (2049, 2049)), "PNG")).width == 2049


def test_file_over_20_mb() -> None:
    data = b"\xff\xd8\xff" + b"\x00" * (21 * 1024 * 1024)
    with pytest.raises(errors.ImageTooLargeError, match=r"21\.0 MB"):
        decode(data)


def test_png_decompression_bomb_is_refused_before_decoding() -> None:
    bomb = png_bomb(20_000, 20_000)  # 400 million pixels in well under 1 MB
    assert len(bomb) < 1_000_000
    with pytest.raises(errors.ImagePixelsError, match="400,000,000"):
        decode(bomb)


def test_limits_can_be_lowered() -> None:
    with pytest.raises(errors.ImageDimensionsError):
        decode(encode(Image.new("RGB", (50, 50)), "PNG"), ImageLimits(max_side=40))


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "BMP"])
def test_a_large_image_is_decoded_reduced_with_its_scale(fmt: str) -> None:
    image = Image.new("RGB", (6000, 1000), (200, 100, 50))  # a BMP of 18 MB, under 20
    decoded = decode(encode(image, fmt), max_side=3000)
    assert (decoded.width, decoded.height) == (3000, 500)
    assert decoded.scale == 2.0
    assert (decoded.original_width, decoded.original_height) == (6000, 1000)
    assert np.abs(decoded.pixels[250, 1500].astype(int) - (200, 100, 50)).max() <= 3


@pytest.mark.parametrize("mode", ["RGBA", "LA", "I;16", "P"])
def test_reduced_images_keep_the_colour_rules(mode: str) -> None:
    values = {"RGBA": (0, 0, 0, 0), "LA": (0, 0), "I;16": 32768, "P": 0}
    image = Image.new(mode, (5000, 10), values[mode])
    options = {"transparency": 0} if mode == "P" else {}
    pixels = decode(encode(image, "PNG", **options), max_side=1000).pixels
    expected = 128 if mode == "I;16" else 255  # transparency on white, 16 bits scaled
    assert pixels.shape == (2, 1000, 3)
    assert np.abs(pixels.astype(int) - expected).max() <= 1


def test_a_reduced_image_is_upright() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    decoded = decode(encode(Image.new("RGB", (6000, 2000)), "JPEG", exif=exif), max_side=3000)
    assert (decoded.width, decoded.height) == (1000, 3000)


def test_a_225_mpx_png_never_takes_its_full_size_in_memory() -> None:
    # In a fresh process: its peak (VmHWM) is then this decode's, not the test session's.
    script = (
        "import io, pathlib; from PIL import Image; from pipeline.imaging import decode\n"
        "buffer = io.BytesIO(); Image.new('L', (15000, 15000)).save(buffer, 'PNG')\n"
        "data = buffer.getvalue(); before = pathlib.Path('/proc/self/status').read_text()\n"
        "decoded = decode(data, max_side=4096)\n"
        "status = pathlib.Path('/proc/self/status').read_text()\n"
        "print(decoded.width, decoded.height, decoded.scale,"
        " int(status.split('VmHWM:')[1].split()[0]) // 1024)\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    ).stdout.split()
    width, height, scale, peak_mb = int(output[0]), int(output[1]), float(output[2]), int(output[3])
    assert (width, height) == (4096, 4096)
    assert scale == pytest.approx(15000 / 4096)
    # Making the input needs one 225 MB gray image; decoding it whole as RGB needs 675 MB more.
    assert peak_mb < 600, peak_mb
