"""Images from users, checked with Pillow: decoded in full at upload, guarded when drawn.

A file that only starts like a PNG, a decompression bomb or a truncated JPEG is refused at
upload with a clear 400, and one already stored never stops a PDF: it is left out.
"""

import io
import logging
import warnings

from PIL import Image, UnidentifiedImageError

from .errors import Invalid

log = logging.getLogger(__name__)

MAX_PIXELS = 40_000_000  # a 7,000 x 5,700 photo; more is refused before decoding
LOGO_MAX_SIDE = 600  # stored logos are scaled to this: 24 mm at 600 dpi
FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif"}


def decode(data: bytes, allowed: tuple[str, ...] = ("PNG", "JPEG", "GIF")) -> Image.Image:
    """The image fully decoded, or Invalid naming what is wrong with it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in allowed:
                raise Invalid(
                    f"The image must be {' or '.join(allowed)}.",
                    code="invalid_image",
                    fields={"file": ["Unsupported image type."]},
                )
            width, height = image.size
            if width * height > MAX_PIXELS or width < 1 or height < 1:
                raise Invalid(
                    f"The image is {width} x {height} pixels; the limit is {MAX_PIXELS:,} pixels.",
                    code="image_too_large",
                    fields={"file": ["Too many pixels."]},
                )
            image.load()  # decode every byte: truncation and corruption show here
    except Invalid:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Invalid(
            f"The image has too many pixels; the limit is {MAX_PIXELS:,}.",
            code="image_too_large",
            fields={"file": ["Too many pixels."]},
        ) from None
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        SyntaxError,
        MemoryError,
    ):
        raise Invalid(
            "The image is damaged or not really an image.",
            code="invalid_image",
            fields={"file": ["The image could not be read."]},
        ) from None
    return image


def normalise_logo(data: bytes) -> bytes:
    """A checked logo re-encoded as a small PNG (what reports embed)."""
    image = decode(data, ("PNG", "JPEG"))
    image = image.convert(
        "RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB"
    )
    image.thumbnail((LOGO_MAX_SIDE, LOGO_MAX_SIDE))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def safe_image(data: bytes | None) -> Image.Image | None:
    """For drawing: the decoded image, or None (logged without content) if it is unusable."""
    if not data:
        return None
    try:
        image = decode(data, ("PNG", "JPEG"))
    except Invalid:
        log.warning("a stored image could not be decoded; it is left out")
        return None
    image.thumbnail((LOGO_MAX_SIDE, LOGO_MAX_SIDE))
    return image
