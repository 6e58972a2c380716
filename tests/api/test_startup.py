"""The cold-start economies leave the process as it was, and the API complete."""

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest
from boardread_api.startup import collector_paused

from tests.conftest import freed_block_given_back_kb

REPO = Path(__file__).resolve().parents[2]

FRESH_HANDLER = """
import gc, json, sys
from boardread_api import handler
from fastapi.openapi.models import OpenAPI
deferred = not OpenAPI.__pydantic_complete__
event = json.load(open(sys.argv[1]))
event.update(rawPath="/openapi.json", routeKey="GET /openapi.json")
event["requestContext"]["http"]["path"] = "/openapi.json"
class Context:
    aws_request_id = "startup-test"
response = handler.handler(event, Context())
print(json.dumps({"deferred": deferred, "gc": gc.isenabled(), "frozen": gc.get_freeze_count(),
                  "v1": sys.modules.get("pydantic.v1") is not None,
                  "status": response["statusCode"], "body": response["body"]}))
"""


def test_a_fresh_lambda_container_defers_schemas_and_still_serves_openapi():
    """In a new process (the import order matters), as Lambda starts one: GET /openapi.json."""
    done = subprocess.run(
        [sys.executable, "-c", FRESH_HANDLER, str(REPO / "events" / "docs.json")],
        capture_output=True, text=True, timeout=120, check=True,
        env={"PATH": "/usr/bin:/bin", "BOARDREAD_LOG_LEVEL": "WARNING"})
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["deferred"] and result["gc"] and result["frozen"] > 10_000
    assert not result["v1"]
    assert result["status"] == 200
    schema = json.loads(result["body"])
    assert "/predict" in schema["paths"] and "PredictionBody" in schema["components"]["schemas"]


FIRST_PREDICT = """
import json, sys
from boardread_api import handler
from fastapi.routing import APIRoute
routes = [r.path for r in handler.handler.app.router.routes if isinstance(r, APIRoute)]
class Context:
    aws_request_id = "startup-test"
response = handler.handler(json.load(open(sys.argv[1])), Context())
print(json.dumps({"status": response["statusCode"], "routes": routes,
                  "anyio_backend": "anyio._backends._asyncio" in sys.modules}))
"""


def test_a_fresh_container_reads_its_first_photo_without_building_more():
    """The routes are the app's own, built once at init (an included router is built again on
    the first request), and the photo is read in boardread's own thread (anyio's thread pool
    imports its asyncio backend then): ~20 ms of a cold start."""
    done = subprocess.run(
        [sys.executable, "-c", FIRST_PREDICT, str(REPO / "events" / "predict-jpeg-multipart.json")],
        capture_output=True, text=True, timeout=120, check=True,
        env={"PATH": "/usr/bin:/bin", "BOARDREAD_LOG_LEVEL": "WARNING"})
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status"] == 200
    assert {"/predict", "/health", "/uploads", "/feedback"} <= set(result["routes"])
    assert not result["anyio_backend"]


def test_openapi_schema_is_whole_with_deferred_models(client):
    schema = client.get("/openapi.json").json()
    assert {"/predict", "/health", "/uploads", "/feedback"} <= set(schema["paths"])
    assert "PredictionBody" in schema["components"]["schemas"]


@pytest.mark.parametrize("enabled", [True, False])
def test_collector_paused_restores_the_collector_even_after_an_error(enabled):
    (gc.enable if enabled else gc.disable)()
    try:
        with pytest.raises(RuntimeError), collector_paused():
            assert not gc.isenabled()
            raise RuntimeError
        assert gc.isenabled() is enabled
    finally:
        gc.enable()


def test_what_the_paused_block_makes_is_frozen_for_good():
    gc.unfreeze()
    try:
        with collector_paused():
            made = [[i] for i in range(1000)]
        assert gc.get_freeze_count() >= len(made)
    finally:
        gc.unfreeze()


def test_pydantic_v1_already_imported_is_left_alone():
    """Refusing pydantic.v1 must never break a process that already uses it."""
    code = ("import sys, pydantic.v1\n"
            "from boardread_api.startup import refuse_pydantic_v1\n"
            "assert not refuse_pydantic_v1()\n"
            "from pydantic.v1 import BaseModel\n"
            "print(sys.modules['pydantic.v1'] is not None)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.strip().endswith("True")


ARENAS = """
import ctypes, sys, threading
from boardread.malloc import one_malloc_arena
if sys.argv[1] == "one":
    assert one_malloc_arena()
def churn():
    blocks = [bytearray(100_000) for _ in range(20)]
threads = [threading.Thread(target=churn) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
ctypes.CDLL(None).malloc_stats()  # one "Arena n:" block per arena, on stderr
"""


@pytest.mark.parametrize(("mode", "one"), [("one", True), ("default", False)])
def test_the_local_server_keeps_one_malloc_arena_for_its_threads(mode, one):
    """Threads that allocate each get an arena of their own unless one_malloc_arena ran (the
    local server's reads then share one, and freed memory is reused across them)."""
    done = subprocess.run([sys.executable, "-c", ARENAS, mode], capture_output=True, text=True,
                          timeout=60, check=True)
    arenas = sum(line.startswith("Arena ") for line in done.stderr.splitlines())
    assert (arenas == 1) if one else (arenas > 1), done.stderr


KEEP_FREED_MEMORY = "from boardread.malloc import keep_freed_memory\nassert keep_freed_memory()"


@pytest.mark.parametrize(("setup", "kept"), [(KEEP_FREED_MEMORY, True), ("", False)])
def test_the_api_keeps_freed_memory_for_the_next_photo(setup, kept):
    """A photo's 3 MB of arrays, freed, stay with the process for the next photo (no page
    faults to take them back); by default glibc gives such a block back at once."""
    returned_kb = freed_block_given_back_kb(setup)
    assert (returned_kb < 512) if kept else (returned_kb > 2048), returned_kb
