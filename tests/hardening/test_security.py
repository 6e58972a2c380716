"""The promises of SECURITY.md that code can check: logs carry no image bytes, every answer says
nosniff, the IAM role names its ARNs and lets S3 say 404, nothing in the stack is publicly
writable, CORS is the site's origin only, the API is throttled and the pins are complete."""

from __future__ import annotations

import base64
import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from boardread_api import Settings, create_app
from boardread_api.logs import JsonFormatter
from fastapi.testclient import TestClient
from samtranslator.yaml_helper import yaml_parse

from tests.hardening.test_corpus import CORPUS

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    parsed: dict[str, Any] = yaml_parse((REPO / "template.yaml").read_text())
    return parsed


def test_log_lines_never_carry_the_upload(clean_env: pytest.MonkeyPatch,
                                          access_log: list[logging.LogRecord]) -> None:
    """Every corpus request, good or bad: one short line, and no 12-byte run of its body in any
    form (raw, hex, base64)."""
    with TestClient(create_app(Settings())) as client:
        for case in CORPUS:
            access_log.clear()
            client.post(case.url, content=case.body, headers=case.headers)
            (record,) = access_log
            line = JsonFormatter().format(record)
            assert len(line) < 1500, case.name
            body = case.body
            for start in range(0, max(1, len(body) - 12), max(1, len(body) // 16)):
                chunk = body[start:start + 12]
                if len(chunk) < 12 or len(set(chunk)) < 4:  # padding, runs of one byte
                    continue
                for form in (chunk.decode("latin-1"), chunk.hex(),
                             base64.b64encode(chunk).decode()[:12]):
                    assert form not in line, (case.name, start)


def test_every_answer_says_nosniff(clean_env: pytest.MonkeyPatch, board_jpeg: bytes) -> None:
    with TestClient(create_app(Settings())) as client:
        responses = [client.get("/health"), client.get("/docs"), client.get("/nope/<b>x</b>"),
                     client.post("/predict", content=b"x", headers={"content-type": "text/html"}),
                     client.post("/predict", files={"file": ("b.jpg", board_jpeg)})]
    for response in responses:
        assert response.headers["x-content-type-options"] == "nosniff", response.request.url
    assert responses[2].headers["content-type"] == "application/json"


def _statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    role = template["Resources"]["ApiFunctionRole"]["Properties"]
    return [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]


def test_iam_names_its_arns_and_lets_s3_say_404(template: dict[str, Any]) -> None:
    statements = _statements(template)
    actions = sorted(a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str)
                                                   else s["Action"]))
    assert actions == ["logs:CreateLogStream", "logs:PutLogEvents", "s3:GetObject",
                       "s3:ListBucket", "s3:PutObject", "s3:PutObject"]  # uploads/, feedback/
    assert all(s["Effect"] == "Allow" for s in statements)
    resources = json.dumps([s["Resource"] for s in statements])
    assert '"*"' not in resources and "arn:aws:s3:::*" not in resources
    (listing,) = [s for s in statements if s["Action"] == "s3:ListBucket"]
    # S3 decides 404 vs 403 for GetObject from ListBucket in that request's context, which has no
    # s3:prefix: a condition on it would turn every missing upload into a 403 (and a 500).
    assert "Condition" not in listing
    assert listing["Resource"] == {"Fn::GetAtt": ["UploadsBucket", "Arn"]}
    role = template["Resources"]["ApiFunctionRole"]["Properties"]
    assert "ManagedPolicyArns" not in role


def test_nothing_is_publicly_writable(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    uploads = resources["UploadsBucket"]["Properties"]
    assert all(uploads["PublicAccessBlockConfiguration"].values())
    for name in ("UploadsBucket", "SiteBucket"):
        rules = resources[name]["Properties"]["OwnershipControls"]["Rules"]
        assert rules == [{"ObjectOwnership": "BucketOwnerEnforced"}]  # no ACLs at all
    for name in ("UploadsBucketPolicy", "SiteBucketPolicy"):
        for statement in resources[name]["Properties"]["PolicyDocument"]["Statement"]:
            if statement.get("Principal") == "*" and statement["Effect"] == "Allow":
                assert statement["Action"] == "s3:GetObject", name  # the site's pages only
    (tls,) = resources["UploadsBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert tls["Effect"] == "Deny" and tls["Condition"] == {
        "Bool": {"aws:SecureTransport": "false"}}


def test_cors_is_the_site_origin_only(template: dict[str, Any]) -> None:
    origin = {"Fn::If": ["HasSiteOrigin", {"Ref": "SiteOrigin"},
                         {"Fn::GetAtt": ["SiteBucket", "WebsiteURL"]}]}
    api = template["Resources"]["HttpApi"]["Properties"]["CorsConfiguration"]
    assert api["AllowOrigins"] == [origin]
    assert not api.get("AllowCredentials")
    assert api["AllowMethods"] == ["GET", "POST"]
    (rule,) = template["Resources"]["UploadsBucket"]["Properties"]["CorsConfiguration"][
        "CorsRules"]
    assert rule["AllowedOrigins"] == [origin] and rule["AllowedMethods"] == ["POST"]


def test_the_api_is_throttled_and_the_function_bounded(template: dict[str, Any]) -> None:
    api = template["Resources"]["HttpApi"]["Properties"]
    assert api["DefaultRouteSettings"] == {"ThrottlingRateLimit": {"Ref": "ThrottlingRateLimit"},
                                           "ThrottlingBurstLimit": {"Ref": "ThrottlingBurstLimit"}}
    parameters = template["Parameters"]
    assert parameters["ThrottlingRateLimit"]["Default"] <= 50
    assert parameters["ThrottlingBurstLimit"]["Default"] <= 100
    assert template["Globals"]["Function"]["Timeout"] <= 15
    events = template["Resources"]["ApiFunction"]["Properties"]["Events"]
    assert sorted((e["Properties"]["Method"], e["Properties"]["Path"]) for e in events.values()) == [
        ("GET", "/docs"), ("GET", "/health"), ("GET", "/openapi.json"), ("POST", "/feedback"),
        ("POST", "/predict"), ("POST", "/uploads")]  # no catch-all route, no function URL


def test_every_shipped_package_is_pinned() -> None:
    """The function's requirements equal constraints.txt, which pins every top-level package of
    every extra; layer builds and CI install with ``-c constraints.txt``."""
    pins = {}
    for line in (REPO / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.lower().replace("_", "-")] = version
    for line in (REPO / "functions/api/requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            assert pins[name.lower()] == version, name
    pyproject = (REPO / "pyproject.toml").read_text()
    names = re.findall(r'"([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?(?:[<>=!].*?)?"', pyproject.split(
        "[project.scripts]")[0].split("dependencies = [", 1)[1])
    for name in names:
        assert name.lower() in pins, name
