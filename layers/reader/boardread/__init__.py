"""boardread: read the digit, letter or free pattern on a photographed board."""

import logging

from .errors import ImageTooLarge, ImageTooSmall, InvalidImage, ModelError, ReaderError
from .pipeline import Prediction, get_reader, prepare_photo, read_board
from .reader import Reader

__all__ = [
    "ImageTooLarge",
    "ImageTooSmall",
    "InvalidImage",
    "ModelError",
    "Prediction",
    "Reader",
    "ReaderError",
    "get_reader",
    "prepare_photo",
    "read_board",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
