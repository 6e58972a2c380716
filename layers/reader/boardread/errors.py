"""The errors a reading can end in. Each has a stable ``code``; HTTP statuses live in the API."""

from __future__ import annotations


class ReaderError(Exception):
    """Base class: something about the input that the reader cannot read."""

    code = "reader_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


class InvalidImage(ReaderError):
    """Raised when no decoder reads the bytes: empty, truncated, or not an image format we take."""

    code = "invalid_image"

    def __init__(
        self,
        message: str = "The upload is not a readable image (JPEG, PNG, WebP, BMP or TIFF).",
    ) -> None:
        super().__init__(message)


class ImageTooSmall(ReaderError):
    """Raised when the header says a side is under the minimum (before decoding)."""

    code = "image_too_small"


class ImageTooLarge(ReaderError):
    """Raised when the header says the image has more pixels than allowed (before decoding)."""

    code = "image_too_large"


class ModelError(Exception):
    """Raised when a model file or its manifest is missing or does not match. A deployment fault."""
