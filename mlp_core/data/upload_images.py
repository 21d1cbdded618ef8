"""Images from an upload, made into what ``torchvision.io.read_image`` reads as one (C, H, W) image.

The rule: an image is kept byte for byte when torchvision decodes it to a single (C, H, W) uint8
tensor with C = 1, 2, 3 or 4 (grey, grey + alpha, RGB, RGBA) and Pillow sees one frame of an 8-bit
mode. Otherwise, if Pillow can read it, **its first frame** is converted to 8 bits per channel (L,
LA, RGB or RGBA) and stored as PNG under the same name, and the upload report says so: an animated
GIF or PNG, a multi-page TIFF, a 16-bit PNG (scaled to 8 bits), a CMYK JPEG, a BMP named ``.png``.
Anything Pillow cannot read, or larger than the pixel limit, is refused with the reason.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
import torch
from PIL import Image
from torchvision.io import decode_image

#: Pillow modes torchvision's decoders turn into the same channels (no conversion needed).
KEPT_MODES = frozenset({"1", "L", "P", "LA", "PA", "RGB", "RGBA"})


class ImageRefused(ValueError):
    """An uploaded image that cannot be used; the message says why in a few words."""


def usable_image(payload: bytes, max_pixels: int) -> tuple[bytes, str | None]:
    """The bytes to store for an uploaded image, and a note when they are a conversion.

    Parameters
    ----------
    payload : bytes
        The file's bytes as the zip holds them.
    max_pixels : int
        Most pixels (width x height) of one frame.

    Returns
    -------
    (bytes, str or None)
        ``payload`` itself and None, or the first frame as an 8-bit PNG and what was converted.

    Raises
    ------
    ImageRefused
        Not an image Pillow reads, too many pixels, or a frame that cannot be converted.
    """
    with warnings.catch_warnings():  # DecompressionBombWarning: the pixel limit below decides
        warnings.simplefilter("ignore")
        try:
            image = Image.open(io.BytesIO(payload))  # reads the header only
        except Image.DecompressionBombError:  # Pillow's own cap, far above ours
            raise ImageRefused(f"far more pixels than allowed ({max_pixels} in all)") from None
        except Exception as error:  # any decoder error means "not a readable image"
            raise ImageRefused(f"not a readable image ({type(error).__name__})") from None
        with image:
            width, height = image.size
            if width * height > max_pixels:
                raise ImageRefused(f"{width}x{height} pixels (allowed: {max_pixels} in all)")
            frames = getattr(image, "n_frames", 1)
            why = _conversion_reason(payload, image, frames)
            if why is None:
                return payload, None
            return _first_frame_png(image), f"{why}: stored as an 8-bit PNG of its first frame"


def decoded_shape(payload: bytes) -> tuple[int, ...] | None:
    """The shape torchvision's ``decode_image`` gives ``payload`` as uint8, None if it fails or
    gives another dtype."""
    try:
        with warnings.catch_warnings():  # torchvision 0.29 deprecates its decoders (TorchCodec)
            warnings.simplefilter("ignore", DeprecationWarning)
            tensor = decode_image(torch.frombuffer(bytearray(payload), dtype=torch.uint8))
    except Exception:
        return None
    return tuple(tensor.shape) if tensor.dtype == torch.uint8 else None


def _conversion_reason(payload: bytes, image: Image.Image, frames: int) -> str | None:
    """Why ``image`` must be converted (see the module's rule), or None to keep its bytes."""
    if frames > 1:
        return f"{image.format or 'image'} of {frames} frames"
    if image.mode not in KEPT_MODES:
        return f"{image.format or 'image'} in mode {image.mode}"
    shape = decoded_shape(payload)
    if shape is None:
        return f"{image.format or 'image'} that torchvision cannot decode"
    if len(shape) != 3 or shape[0] not in (1, 2, 3, 4):
        return f"{image.format or 'image'} decoded as shape {shape}"
    return None


def _first_frame_png(image: Image.Image) -> bytes:
    try:
        image.seek(0)
        frame = _eight_bit(image)
        buffer = io.BytesIO()
        frame.save(buffer, format="PNG")
    except Exception as error:
        raise ImageRefused(f"its first frame cannot be converted ({type(error).__name__})") from None
    payload = buffer.getvalue()
    shape = decoded_shape(payload)
    if shape is None or len(shape) != 3:  # cannot happen for an 8-bit PNG; never store one anyway
        raise ImageRefused("its conversion does not decode as one image")
    return payload


def _eight_bit(image: Image.Image) -> Image.Image:
    """The frame in L, LA, RGB or RGBA; 16- and 32-bit grey scaled down, not clipped."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        pixels = np.asarray(image, dtype=np.float64)
        top = 65535.0 if image.mode.startswith("I;16") else max(float(pixels.max()), 1.0)
        grey = np.clip(np.rint(pixels / top * 255.0), 0, 255).astype(np.uint8)
        return Image.fromarray(grey, mode="L")
    if image.mode in ("1", "L", "LA", "RGB", "RGBA"):
        return image.convert(image.mode if image.mode != "1" else "L")
    if image.mode == "La":
        return image.convert("LA")
    transparent = "transparency" in image.info or image.mode in ("PA", "RGBa")
    return image.convert("RGBA" if transparent else "RGB")
