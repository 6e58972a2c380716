"""Corrections: a photo and what is really on it, kept as training data in the data bucket.

Each correction is one object, ``feedback/<category>/<label>/<id>.jpg`` (``feedback/free_pattern/
<id>.jpg`` for a drawing): the layout ``boardread.cli.labelled_photos`` and ``training.dataset
--extra`` read, so a synced ``feedback/`` prefix is a training folder. The server picks every part
of the key (the id is a random uuid4) and writes with ``If-None-Match: *``, so no request can
replace an object that is already there.

The stored photo is what the reader itself decodes (``boardread.decode.decode_image``: EXIF
orientation applied, grey), at most 1024 px on its long side, re-encoded as JPEG without any
metadata. The boto3 client is passed in (tests give moto's) or made on first use, as in
``uploads.py``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import cv2
from boardread.decode import DEFAULT_MAX_PIXELS, DEFAULT_MIN_SIDE, decode_image

from .errors import InvalidCategory, InvalidLabel, MissingLabel, UnexpectedLabel
from .uploads import BucketStore

KEY_PREFIX = "feedback/"
CATEGORIES = ("digit", "letter", "free_pattern")
LABELS: dict[str, frozenset[str]] = {
    "digit": frozenset("0123456789"),
    "letter": frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
}
STORED_MAX_SIDE = 1024
JPEG_QUALITY = 90
# A uuid4 never repeats in practice; a refused write (412) just draws another one, this often.
PUT_ATTEMPTS = 3
# 412: an object has the key; 409: another conditional write to it is in flight.
_TAKEN_CODES = {"PreconditionFailed", "412", "ConditionalRequestConflict", "409"}


@dataclass(frozen=True)
class Correction:
    """What is on the board, as stored: ``label`` is "0"-"9", "A"-"Z", or None (free_pattern)."""

    category: str
    label: str | None


def check_correction(category: object, label: object) -> Correction:
    """The correction from the form's ``category`` and ``label`` values (None when absent).

    A lower-case letter is stored as its capital. Raises InvalidCategory, MissingLabel,
    InvalidLabel or UnexpectedLabel.
    """
    if category is None or (isinstance(category, str) and not category.strip()):
        raise InvalidCategory("The field 'category' is required: digit, letter or free_pattern.")
    if not isinstance(category, str) or category.strip() not in CATEGORIES:
        raise InvalidCategory()
    category = category.strip()
    if label is not None and not isinstance(label, str):  # a file part named label
        raise InvalidLabel("The field 'label' must be text, not a file.")
    text = (label or "").strip()
    if category == "free_pattern":
        if text:
            raise UnexpectedLabel()
        return Correction(category, None)
    if not text:
        raise MissingLabel(
            f"A {category} correction needs the field 'label' "
            f"({'0-9' if category == 'digit' else 'A-Z, or a-z'})."
        )
    stored = text.upper() if category == "letter" else text
    if stored not in LABELS[category]:
        raise InvalidLabel(
            "For a digit the label is one of 0-9." if category == "digit"
            else "For a letter the label is one of A-Z (a-z is stored as the capital)."
        )
    return Correction(category, stored)


def feedback_jpeg(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS,
                  min_side: int = DEFAULT_MIN_SIDE) -> bytes:
    """The photo to store: decoded as the reader decodes it (the same refusals: InvalidImage,
    ImageTooSmall, ImageTooLarge), shrunk to ``STORED_MAX_SIDE``, JPEG with no metadata."""
    image = decode_image(data, max_pixels=max_pixels, min_side=min_side,
                         working_side=STORED_MAX_SIDE)
    height, width = image.shape[:2]
    scale = STORED_MAX_SIDE / max(height, width)
    if scale < 1:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:  # pragma: no cover - a decoded uint8 image always encodes
        raise RuntimeError("JPEG encoding failed")
    return bytes(encoded.tobytes())


def new_id() -> str:
    """A fresh object id: a random uuid4 (122 random bits), as 32 hex digits."""
    return uuid.uuid4().hex


def feedback_key(correction: Correction, object_id: str) -> str:
    """``feedback/digit/7/<id>.jpg``, ``feedback/letter/K/<id>.jpg``, ``feedback/free_pattern/<id>.jpg``."""
    folder = correction.category if correction.label is None else (
        f"{correction.category}/{correction.label}")
    return f"{KEY_PREFIX}{folder}/{object_id}.jpg"


class KeyTaken(RuntimeError):
    """Raised when every id drawn for a correction named an object that already exists."""


class FeedbackStore(BucketStore):
    """Writes corrections under ``feedback/`` in one bucket, never over an existing object."""

    def put(self, correction: Correction, jpeg: bytes) -> tuple[str, str]:
        """Store the photo under a new key; returns (id, key). Raises KeyTaken after
        PUT_ATTEMPTS refused writes; any other S3 failure propagates as a server fault."""
        from botocore.exceptions import ClientError

        for _ in range(PUT_ATTEMPTS):
            object_id = new_id()
            key = feedback_key(correction, object_id)
            try:
                self.client.put_object(Bucket=self.bucket, Key=key, Body=jpeg,
                                       ContentType="image/jpeg", IfNoneMatch="*")
            except ClientError as exc:
                error = exc.response.get("Error", {})
                if error.get("Code") in _TAKEN_CODES:
                    continue  # the key exists (or is being written): leave it, draw another id
                raise
            return object_id, key
        raise KeyTaken(f"{PUT_ATTEMPTS} ids in a row named existing objects")
