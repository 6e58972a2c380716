"""boardread's HTTP API: a FastAPI app served by Mangum on Lambda and by uvicorn locally."""

from .startup import collector_paused, defer_model_schemas, refuse_pydantic_v1

with collector_paused():
    defer_model_schemas()
    refuse_pydantic_v1()
    from .app import create_app
    from .settings import Settings, get_settings

__all__ = ["Settings", "create_app", "get_settings"]
