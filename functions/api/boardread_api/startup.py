"""Cold-start economies: work a Lambda container's init does not need to do.

Measured in CPU time on this machine, from a fresh process (``make bench-api`` for the total):
Python's cyclic garbage collector runs about thirty times while FastAPI, pydantic, NumPy and
OpenCV are imported, and finds nothing to free (about 30 ms), and once more over everything the
imports made when it is turned back on (about 15 ms); pydantic builds a validator for each of
FastAPI's forty-odd OpenAPI models at import, used only by ``/openapi.json`` (about 20 ms);
FastAPI imports ``pydantic.v1`` only to refuse its models (about 12 ms).
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block (reference counting still frees).

    What the block made (modules, classes, the models) lives as long as the process: it is
    frozen when the block ends (``gc.freeze``), so no later collection walks it again.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def refuse_pydantic_v1() -> bool:
    """Make ``import pydantic.v1`` fail at once (a ``None`` in ``sys.modules``), unless it is
    already imported. FastAPI imports it only to check that no model is a pydantic v1 model,
    which it no longer supports, and treats an ImportError as "none is". True if refused.
    """
    if sys.modules.get("pydantic.v1") is not None:
        return False
    sys.modules["pydantic.v1"] = None  # type: ignore[assignment]
    return True


def defer_model_schemas() -> bool:
    """Make every pydantic model built from now on build its validator on first use.

    This is the ``defer_build`` setting of each model's config, made the default through
    pydantic's config defaults (an internal table, so it is looked up defensively: with a
    pydantic that lacks it, nothing changes and False is returned). Call it before FastAPI is
    imported. Behaviour is unchanged: a deferred model is complete once first used.
    """
    try:
        from pydantic._internal._config import config_defaults
    except ImportError:
        return False
    if "defer_build" not in config_defaults:
        return False
    config_defaults["defer_build"] = True
    return True
