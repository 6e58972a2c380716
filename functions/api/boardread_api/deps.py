"""What routes need, as named ``Annotated`` dependencies (tests swap them: dependency_overrides).

The dependencies are ``async def`` although they never wait: FastAPI runs a plain ``def``
dependency in its thread pool, a hand-off each way for a dictionary lookup (about 0.8 ms of a
request's 17 here, measured in process with the app and a 1600 px photo).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from boardread import Reader, get_reader
from fastapi import Depends, Request

from .feedback import FeedbackStore
from .settings import Settings
from .uploads import UploadStore


@lru_cache(maxsize=4)
def load_reader(model_dir: Path | None = None) -> Reader:
    """The reader for ``model_dir`` (None: the packaged models), loaded once per process and
    interpreter-pinned to one thread. Raises boardread.ModelError (a deployment fault)."""
    if model_dir is None:
        return get_reader()
    return Reader(model_dir, num_threads=1)


async def app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def app_reader(request: Request) -> Reader:
    return load_reader(request.app.state.settings.model_dir)


async def app_uploads(request: Request) -> UploadStore | None:
    store: UploadStore | None = request.app.state.uploads
    return store


async def app_feedback(request: Request) -> FeedbackStore | None:
    store: FeedbackStore | None = request.app.state.feedback
    return store


SettingsDep = Annotated[Settings, Depends(app_settings)]
ReaderDep = Annotated[Reader, Depends(app_reader)]
UploadsDep = Annotated[UploadStore | None, Depends(app_uploads)]
FeedbackDep = Annotated[FeedbackStore | None, Depends(app_feedback)]
