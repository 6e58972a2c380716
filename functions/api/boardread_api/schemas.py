"""Response models for OpenAPI only: routes return the core's ``Prediction.to_dict()`` as is."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Category = Literal["digit", "letter", "free_pattern"]


class Alternative(BaseModel):
    category: Category
    label: str | None
    confidence: float


class Timings(BaseModel):
    decode: float
    preprocess: float
    inference: float
    total: float


class PredictionBody(BaseModel):
    category: Category
    label: str | None = Field(description='"0"-"9", "A"-"Z", or null for free_pattern')
    confidence: float = Field(description="Probability of this exact answer (category and label)")
    category_confidence: float
    label_confidence: float | None
    alternatives: list[Alternative] = Field(description="Best first, the answer itself first")
    board_found: bool = Field(description="False: no board outline found, the whole photo was used")
    timings_ms: Timings
    model_version: str
    board_png: str | None = Field(
        None, description="With ?debug=true: base64 PNG (<= 256 px) of the normalised board"
    )


class ErrorDetail(BaseModel):
    code: str
    message: str
    request_id: str | None


class ErrorBody(BaseModel):
    error: ErrorDetail


class UploadTicket(BaseModel):
    key: str = Field(description="uploads/<id>: pass it to POST /predict?key=")
    url: str = Field(description="POST the photo here as multipart/form-data")
    fields: dict[str, str] = Field(description="Form fields to send before the 'file' field")
    expires_in: int = Field(description="Seconds the POST stays valid")
    max_bytes: int = Field(description="Largest photo S3 accepts")


class Health(BaseModel):
    status: Literal["ok"]
    model_version: str
    models: dict[str, str] = Field(description="sha256 of each model file")


class FeedbackReceipt(BaseModel):
    id: str = Field(description="The stored correction's id (a random uuid4, 32 hex digits)")
    key: str = Field(description="Where it is stored in the data bucket: "
                                 "feedback/<category>/<label>/<id>.jpg or feedback/free_pattern/<id>.jpg")
    category: Category
    label: str | None = Field(description='As stored: "0"-"9", "A"-"Z", or null for free_pattern')
