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

from mlp_core.errors import Coded, CodedText, register

#: Pillow modes torchvision's decoders turn into the same channels (no conversion needed).
KEPT_MODES = frozenset({"1", "L", "P", "LA", "PA", "RGB", "RGBA"})


#: English texts of why an image is refused or converted (`mlp_core.errors`).
MESSAGES = register(
    {
        "upload.image.bomb": "far more pixels than allowed ({allowed} in all)",
        "upload.image.unreadable": "not a readable image ({kind})",
        "upload.image.pixels": "{size} pixels (allowed: {allowed} in all)",
        "upload.image.frame": "its first frame cannot be converted ({kind})",
        "upload.image.conversion": "its conversion does not decode as one image",
        "upload.image.converted": "{why}: stored as an 8-bit PNG of its first frame",
        "upload.image.frames": "{format} of {frames} frames",
        "upload.image.mode": "{format} in mode {mode}",
        "upload.image.undecodable": "{format} that torchvision cannot decode",
        "upload.image.shape": "{format} decoded as shape {shape}",
    }
)


class ImageRefused(Coded, ValueError):
    """An uploaded image that cannot be used; the message says why in a few words
    (codes ``upload.image.*``)."""


def usable_image(payload: bytes, max_pixels: int) -> tuple[bytes, CodedText | None]:
    """The bytes to store for an uploaded image, and a note when they are a conversion.

    Parameters
    ----------
    payload : bytes
        The file's bytes as the zip holds them.
    max_pixels : int
        Most pixels (width x height) of one frame.

    Returns
    -------
    (bytes, CodedText or None)
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
            raise ImageRefused("upload.image.bomb", allowed=max_pixels) from None
        except Exception as error:  # any decoder error means "not a readable image"
            raise ImageRefused("upload.image.unreadable", kind=type(error).__name__) from None
        with image:
            width, height = image.size
            if width * height > max_pixels:
                size = f"{width}x{height}"
                raise ImageRefused("upload.image.pixels", size=size, allowed=max_pixels)
            frames = getattr(image, "n_frames", 1)
            why = _conversion_reason(payload, image, frames)
            if why is None:
                return payload, None
            return _first_frame_png(image), CodedText("upload.image.converted", why=why)


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


def _conversion_reason(payload: bytes, image: Image.Image, frames: int) -> CodedText | None:
    """Why ``image`` must be converted (see the module's rule), or None to keep its bytes."""
    # Pillow names the format of every file it opens ("GIF", "TIFF"): an identifier, kept as is.
    kind = image.format or "image"
    if frames > 1:
        return CodedText("upload.image.frames", format=kind, frames=frames)
    if image.mode not in KEPT_MODES:
        return CodedText("upload.image.mode", format=kind, mode=image.mode)
    shape = decoded_shape(payload)
    if shape is None:
        return CodedText("upload.image.undecodable", format=kind)
    if len(shape) != 3 or shape[0] not in (1, 2, 3, 4):
        return CodedText("upload.image.shape", format=kind, shape=str(shape))
    return None


def _first_frame_png(image: Image.Image) -> bytes:
    try:
        image.seek(0)
        frame = _eight_bit(image)
        buffer = io.BytesIO()
        frame.save(buffer, format="PNG")
    except Exception as error:
        raise ImageRefused("upload.image.frame", kind=type(error).__name__) from None
    payload = buffer.getvalue()
    shape = decoded_shape(payload)
    if shape is None or len(shape) != 3:  # cannot happen for an 8-bit PNG; never store one anyway
        raise ImageRefused("upload.image.conversion")
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
