"""Reading image files a user hands in, with one named error per problem.

Every error names the file, the problem and the fix. All are subclasses of
the built-in exception a caller would expect (``OSError`` for files,
``FileNotFoundError``, ``PermissionError``, ``TypeError`` and ``ValueError``
for pixel data), so ``except OSError`` keeps working.
"""
import io
import os.path as osp
from typing import Optional

import mmcv
import mmengine.fileio as fileio
import numpy as np
from PIL import Image

PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'
JPEG_SIGNATURE = b'\xff\xd8\xff'
TIFF_SIGNATURES = (b'II*\x00', b'MM\x00*', b'II+\x00', b'MM\x00+')
RE_EXPORT = 'Copy or export it again (an interrupted copy or download ' \
    'leaves such files).'


class ImageFileError(OSError):
    """A file cannot be used as an image. ``path`` is the file."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.path = path


class MissingImageFileError(ImageFileError, FileNotFoundError):
    """The file does not exist."""


class UnreadableImageFileError(ImageFileError, PermissionError):
    """The file exists but this process may not read it."""


class EmptyImageFileError(ImageFileError):
    """The file has 0 bytes."""


class TruncatedImageFileError(ImageFileError):
    """The file ends before its image data does."""


class UndecodableImageFileError(ImageFileError):
    """The file is not an image in a supported format, or is corrupt."""


class MultiPageImageFileError(ImageFileError):
    """A TIFF with several pages: which one is the image is ambiguous."""


class UnsupportedPixelTypeError(TypeError):
    """The decoded pixels have a type the loader has no rule for."""


class NonFiniteImageError(ValueError):
    """A floating-point image holds NaN or infinite values."""


def near_misses(path: str) -> str:
    """A hint naming files beside ``path`` whose name differs only in letter
    case or suffix, or '' (also for non-local paths)."""
    folder, name = osp.split(path)
    stem = osp.splitext(name)[0].lower()
    try:
        entries = sorted(fileio.list_dir_or_file(folder, list_dir=False))
    except (OSError, NotImplementedError, TypeError, ValueError):
        return ''
    found = [
        entry for entry in entries
        if osp.splitext(entry)[0].lower() == stem and entry != name
    ]
    if not found:
        return ''
    return (f' {", ".join(found)} exists beside it: names must match '
            'exactly, letter case and suffix included; rename the file or '
            'set the dataset\'s suffix (img_suffix, ir_suffix, '
            'seg_map_suffix).')


def read_image_bytes(path: str,
                     kind: str,
                     missing_hint: str = '',
                     backend_args: Optional[dict] = None) -> bytes:
    """The bytes of an image file.

    Args:
        path (str): The file.
        kind (str): What it is, for messages, e.g. ``'Visible image'``.
        missing_hint (str): Said when the file does not exist, e.g. which
            config fields build its path. Defaults to ''.
        backend_args (dict, optional): mmengine file backend arguments.

    Returns:
        bytes: The content, not empty.

    Raises:
        MissingImageFileError: No such file (names near misses).
        UnreadableImageFileError: Permission denied.
        EmptyImageFileError: The file is empty.
    """
    try:
        data = fileio.get(path, backend_args=backend_args)
    except FileNotFoundError as err:
        raise MissingImageFileError(
            f'{kind} {path} does not exist.{near_misses(path)} '
            f'{missing_hint}'.rstrip(), path) from err
    except PermissionError as err:
        raise UnreadableImageFileError(
            f'{kind} {path} cannot be read: permission denied. Make it '
            f'readable for this user, e.g. `chmod a+r {path}`.', path) from err
    except IsADirectoryError as err:
        raise UndecodableImageFileError(
            f'{kind} {path} is a folder, not an image file.', path) from err
    if not data:
        raise EmptyImageFileError(
            f'{kind} {path} is empty (0 bytes). {RE_EXPORT}', path)
    return data


def _truncated(data: bytes) -> bool:
    """Whether a PNG or JPEG stream lacks its end marker (other formats:
    unknown, False)."""
    if data.startswith(PNG_SIGNATURE):
        return data.rfind(b'IEND') == -1
    if data.startswith(JPEG_SIGNATURE):
        # after the last start-of-scan there must be an end-of-image marker
        # (0xFF bytes inside scan data are stuffed, so FFD9 is a marker)
        return data.rfind(b'\xff\xd9') < data.rfind(b'\xff\xda')
    return False


def _num_pages(data: bytes) -> int:
    """Number of pages of a TIFF (1 for other formats or when unknown)."""
    if not data.startswith(TIFF_SIGNATURES):
        return 1
    try:
        with Image.open(io.BytesIO(data)) as image:
            return getattr(image, 'n_frames', 1)
    except Exception:  # corrupt: decoding reports it
        return 1


def decode_image(data: bytes,
                 path: str,
                 kind: str,
                 backend: str = 'cv2') -> np.ndarray:
    """Decode image bytes unchanged (bit depth and channels kept).

    Args:
        data (bytes): The file content (from :func:`read_image_bytes`).
        path (str): The file, for messages.
        kind (str): What it is, e.g. ``'Visible image'``.
        backend (str): ``mmcv.imfrombytes`` backend: ``'cv2'`` (colour as
            B, G, R) or ``'pillow'`` (palette PNGs give their indices, as
            label maps need). Defaults to 'cv2'.

    Returns:
        np.ndarray: ``(H, W)`` or ``(H, W, C)`` pixels.

    Raises:
        MultiPageImageFileError: A TIFF with several pages.
        TruncatedImageFileError: A PNG or JPEG without its end marker
            (even if the decoder would return a partial image).
        UndecodableImageFileError: Anything else the decoder rejects.
    """
    pages = _num_pages(data)
    if pages > 1:
        raise MultiPageImageFileError(
            f'{kind} {path} is a multi-page TIFF ({pages} pages), so which '
            'page is the image is ambiguous. Save the page you mean as a '
            'single-page image, e.g. `tiffsplit` or PIL '
            '(`Image.open(path).seek(i)`, then `save`).', path)
    try:
        image = mmcv.imfrombytes(data, flag='unchanged', backend=backend)
    except Exception:  # cv2.error, PIL errors: classified below
        image = None
    if _truncated(data):
        raise TruncatedImageFileError(
            f'{kind} {path} is truncated: the file ends before its image '
            f'data does. {RE_EXPORT}', path)
    if image is None or image.size == 0:
        raise UndecodableImageFileError(
            f'{kind} {path} cannot be decoded: it is corrupt, truncated or '
            'not an image (PNG, JPEG, BMP, TIFF, WebP). Re-export it as '
            'PNG, JPEG or TIFF.', path)
    return image
