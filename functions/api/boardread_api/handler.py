"""Lambda entry point (template ``Handler: boardread_api.handler.handler``).

Everything here runs once per container, during init: settings, logging, the models. Mangum's
lifespan is off because it would run on every invocation.
"""

from .startup import collector_paused

with collector_paused():
    import cv2
    from boardread.malloc import keep_freed_memory
    from mangum import Mangum

    from .app import create_app
    from .deps import load_reader
    from .logs import configure_logging
    from .settings import get_settings

    keep_freed_memory()
    cv2.setNumThreads(1)  # Lambda's CPU share follows memory; the interpreters use one thread too
    settings = get_settings()
    configure_logging(settings.log_level)
    load_reader(settings.model_dir)
    # A named stage's prefix stays in the path; the app strips it (Settings.root_path).
    handler = Mangum(create_app(settings), lifespan="off")
