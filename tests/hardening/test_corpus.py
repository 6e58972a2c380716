"""The bad-input corpus (corpus.py) through the app and through the Lambda handler: never a
5xx, always JSON, and exactly the contract's status and code for each case."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest
from boardread_api import Settings, create_app
from fastapi.testclient import TestClient

from tests.api.contract import assert_error, assert_prediction
from tests.conftest import FakeContext, event_body, load_event, render_jpeg
from tests.hardening.corpus import Case, build_corpus, case_event

CORPUS = build_corpus(render_jpeg(5), event_body(load_event("predict-png-raw")))
IDS = [case.name for case in CORPUS]


def check_answer(case: Case, status: int, headers: Any, content_type: str | None,
                 body: Any) -> None:
    assert status < 500, (case.name, body)
    assert content_type == "application/json", (case.name, content_type)
    if case.code is None:
        assert status == 200, (case.name, case.why, body)
        assert_prediction(body, debug=case.query.get("debug") == "true")
    else:
        assert_error(status, headers, body, expected_status=case.status, code=case.code)


def test_corpus_is_big_and_named_once() -> None:
    assert len(CORPUS) >= 30
    assert len(set(IDS)) == len(IDS)
    assert {c.code for c in CORPUS} >= {None, "invalid_image", "image_too_small",
                                        "image_too_large", "payload_too_large",
                                        "unsupported_media_type", "missing_file"}


@pytest.fixture(scope="module")
def app_client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings())) as client:
        yield client


@pytest.mark.parametrize("case", CORPUS, ids=IDS)
def test_through_the_app(app_client: TestClient, case: Case) -> None:
    response = app_client.post(case.url, content=case.body, headers=case.headers)
    check_answer(case, response.status_code, response.headers,
                 response.headers.get("content-type"), response.json())


@pytest.fixture(scope="module")
def lambda_handler() -> Iterator[Callable[[dict[str, Any], Any], dict[str, Any]]]:
    """``boardread_api.handler.handler`` as a new container imports it (no uploads bucket)."""
    import importlib
    import logging
    import os
    import sys

    from boardread_api.settings import ENV_PREFIX, get_settings

    saved_env = {k: v for k, v in os.environ.items() if k.startswith(ENV_PREFIX)}
    for name in saved_env:
        del os.environ[name]
    logger = logging.getLogger("boardread_api")
    saved_log = (list(logger.handlers), logger.propagate, logger.level)
    old: ModuleType | None = sys.modules.pop("boardread_api.handler", None)
    get_settings.cache_clear()
    try:
        yield importlib.import_module("boardread_api.handler").handler
    finally:
        sys.modules.pop("boardread_api.handler", None)
        if old is not None:
            sys.modules["boardread_api.handler"] = old
        os.environ.update(saved_env)
        get_settings.cache_clear()
        logger.handlers[:] = saved_log[0]
        logger.propagate, logger.level = saved_log[1], saved_log[2]


@pytest.mark.parametrize("case", CORPUS, ids=IDS)
def test_through_the_handler(lambda_handler: Callable[..., dict[str, Any]], case: Case) -> None:
    event = case_event(case)
    result = lambda_handler(event, FakeContext())
    headers = result["headers"]
    assert result["isBase64Encoded"] is False
    body = json.loads(result["body"])
    check_answer(case, result["statusCode"], headers, headers.get("content-type"), body)
    if case.code:
        assert body["error"]["request_id"] == event["requestContext"]["requestId"]
