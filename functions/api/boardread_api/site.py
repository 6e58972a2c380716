"""What the web page reads from us: ``config.js``, written by the publisher and served locally."""

from __future__ import annotations

import json

CONFIG_JS = "config.js"


def config_js(api_url: str) -> str:
    """``window.BOARDREAD_CONFIG.apiUrl``: the API's base URL without a trailing slash, or ""
    when the page and the API share an origin (the local server)."""
    config = {"apiUrl": api_url.rstrip("/")}
    return f"window.BOARDREAD_CONFIG = Object.freeze({json.dumps(config)});\n"
