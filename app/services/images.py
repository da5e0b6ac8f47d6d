"""Uploaded pictures (avatars, article covers): read within a size limit, refused unless a common image format
of a sane number of pixels, turned upright, and re-encoded by the caller (no metadata, nothing hidden kept)."""
from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, TypeVar

from PIL import Image, ImageOps, UnidentifiedImageError

from app.errors import Invalid

T = TypeVar("T")
FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}


def measure(path: Path) -> tuple[int, int] | None:
    """A picture's (width, height) from its header, without decoding it; None when it is not one Pillow reads,
    or one so large that Pillow refuses even to open it (a decompression bomb)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                return image.width, image.height
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None


def reencode(source: BinaryIO, *, max_bytes: int, max_pixels: int, mode: str, make: Callable[[Image.Image], T]) -> T:
    """`make` gets the upright picture in `mode` and returns what to keep (the re-encoded bytes)."""
    data = source.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise Invalid("The image is larger than %(mb)s MB.", field="file", params={"mb": max_bytes // (1024 * 1024)})
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in FORMATS:
                raise Invalid("Upload a PNG, JPEG, GIF or WebP image.", field="file")
            if image.width * image.height > max_pixels:
                raise Invalid("The image has too many pixels.", field="file")
            return make(ImageOps.exif_transpose(image).convert(mode))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise Invalid("This file is not an image we can read.", field="file") from None
