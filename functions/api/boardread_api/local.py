"""Local entry: ``uvicorn boardread_api.local:app`` serves the API and the page in ``web/`` at /.

The same ``create_app`` as on Lambda, plus static files. Without ``web/index.html`` (the page is
built separately) / redirects to /docs and the API works the same.
"""

from pathlib import Path

from boardread.malloc import keep_freed_memory, one_malloc_arena
from starlette.responses import PlainTextResponse, RedirectResponse
from starlette.staticfiles import StaticFiles

from .app import create_app
from .deps import load_reader
from .logs import configure_logging
from .settings import get_settings
from .site import CONFIG_JS, config_js

REPO_WEB_DIR = Path(__file__).resolve().parents[3] / "web"

one_malloc_arena()  # before the reader threads: they serve many requests at once here
keep_freed_memory()
settings = get_settings()
configure_logging(settings.log_level)
load_reader(settings.model_dir)  # now, not in the first request (and a bad model dir fails here)
app = create_app(settings)
web_dir = settings.web_dir or REPO_WEB_DIR

if not (web_dir / CONFIG_JS).is_file():  # same origin: the page calls the API at ""

    @app.get(f"/{CONFIG_JS}", include_in_schema=False)
    def local_config() -> PlainTextResponse:
        return PlainTextResponse(config_js(""), media_type="text/javascript")


if not (web_dir / "index.html").is_file():

    @app.get("/", include_in_schema=False)
    def no_page() -> RedirectResponse:
        return RedirectResponse("/docs")


if web_dir.is_dir():
    app.mount("/", StaticFiles(directory=web_dir, html=True), name="web")
