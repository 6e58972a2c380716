"""Big photos: a presigned S3 POST to ``uploads/<id>``, then ``/predict?key=`` reads it back.

The boto3 client is passed in (tests give moto's) or made on first use, never at import: importing
boto3 costs a cold start more than a hundred milliseconds and most requests never need it.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from .errors import InvalidKey, PayloadTooLarge, UploadNotFound

KEY_PREFIX = "uploads/"
KEY_PATTERN = re.compile(r"uploads/[0-9a-f]{32}")
_MISSING_CODES = {"NoSuchKey", "404", "NotFound"}


def new_key() -> str:
    """A fresh ``uploads/<32 hex>`` key: unguessable, so one client cannot read another's photo."""
    return KEY_PREFIX + secrets.token_hex(16)


def check_key(key: str) -> str:
    """The key itself when it is exactly ``uploads/<id>`` as issued; raises InvalidKey."""
    if not KEY_PATTERN.fullmatch(key):
        raise InvalidKey()
    return key


def make_s3_client() -> Any:
    """An S3 client for the function's region that signs with SigV4 (required for POST policies)."""
    import boto3
    from botocore.config import Config

    return boto3.client("s3", config=Config(signature_version="s3v4",
                                            s3={"addressing_style": "virtual"}))


class BucketStore:
    """One bucket and its S3 client: the one passed in (tests give moto's), else made on first
    use, so boto3 is not imported at cold start."""

    def __init__(self, bucket: str, *, client: Any = None) -> None:
        self.bucket = bucket
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = make_s3_client()
        return self._client


class UploadStore(BucketStore):
    """Presigned POSTs to, and reads from, ``uploads/<id>`` in one bucket."""

    def __init__(self, bucket: str, *, max_bytes: int, expires_s: int, client: Any = None) -> None:
        super().__init__(bucket, client=client)
        self.max_bytes = max_bytes
        self.expires_s = expires_s

    def presign(self) -> dict[str, Any]:
        """The contract's 201 body: where and how to POST one photo of at most ``max_bytes``."""
        key = new_key()
        post = self.client.generate_presigned_post(
            Bucket=self.bucket,
            Key=key,
            Conditions=[["content-length-range", 1, self.max_bytes]],
            ExpiresIn=self.expires_s,
        )
        return {"key": key, "url": post["url"], "fields": post["fields"],
                "expires_in": self.expires_s, "max_bytes": self.max_bytes}

    def fetch(self, key: str) -> bytes:
        """The uploaded bytes. Raises InvalidKey, UploadNotFound or PayloadTooLarge; any other S3
        failure (permissions, throttling) propagates as a server fault."""
        from botocore.exceptions import ClientError

        check_key(key)
        try:
            obj = self.client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING_CODES:
                raise UploadNotFound() from None
            raise
        body = obj["Body"]
        try:
            if int(obj.get("ContentLength", 0)) > self.max_bytes:
                raise PayloadTooLarge(
                    f"The upload is over the {self.max_bytes / 1e6:.0f} MB limit."
                )
            data: bytes = body.read(self.max_bytes + 1)
        finally:
            body.close()
        if len(data) > self.max_bytes:
            raise PayloadTooLarge(f"The upload is over the {self.max_bytes / 1e6:.0f} MB limit.")
        return data
