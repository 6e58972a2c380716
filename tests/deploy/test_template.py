"""template.yaml: `sam validate --lint`, and the promises it keeps to the API and the issue."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from boardread_api import Settings
from samtranslator.yaml_helper import yaml_parse

REPO = Path(__file__).resolve().parents[2]
SAM = shutil.which("sam", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    parsed: dict[str, Any] = yaml_parse((REPO / "template.yaml").read_text())
    return parsed


@pytest.mark.skipif(SAM is None, reason="the sam binary is not installed (pip install aws-sam-cli)")
def test_sam_validate_lint() -> None:
    assert SAM is not None
    done = subprocess.run([SAM, "validate", "--lint", "--template-file", "template.yaml"],
                          cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, "SAM_CLI_TELEMETRY": "0"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "is a valid SAM Template" in done.stdout


def test_reads_top_down(template: dict[str, Any]) -> None:
    assert list(template)[:6] == ["AWSTemplateFormatVersion", "Transform", "Description",
                                  "Parameters", "Conditions", "Globals"]
    assert list(template)[-2:] == ["Resources", "Outputs"]
    assert set(template["Outputs"]) >= {"ApiUrl", "SiteUrl", "SiteBucketName", "UploadsBucketName"}
    assert all(o.get("Description") for o in template["Outputs"].values())


def test_function_runtime_and_limits(template: dict[str, Any]) -> None:
    function = template["Globals"]["Function"]
    assert function["Runtime"] == "python3.11" and function["Architectures"] == ["x86_64"]
    assert function["Timeout"] <= 15  # well under API Gateway's 30 s
    api = template["Resources"]["ApiFunction"]["Properties"]
    assert api["Handler"] == "boardread_api.handler.handler"
    assert len(api["Layers"]) == 2
    assert "ReservedConcurrentExecutions" in api
    assert api["LoggingConfig"]["LogGroup"] == {"Ref": "ApiFunctionLogGroup"}


def test_every_resource_described(template: dict[str, Any]) -> None:
    """Description where CloudFormation has one; the others carry a comment in the YAML."""
    text = (REPO / "template.yaml").read_text()
    for name, resource in template["Resources"].items():
        if resource["Type"].startswith("AWS::Serverless::") or resource["Type"] == "AWS::IAM::Role":
            assert resource["Properties"].get("Description"), name
        else:
            before = text[: text.index(f"\n  {name}:\n")].rstrip().splitlines()[-1]
            assert before.strip().startswith("#"), name


def test_uploads_bucket_matches_the_api(template: dict[str, Any]) -> None:
    bucket = template["Resources"]["UploadsBucket"]["Properties"]
    (rule,) = bucket["LifecycleConfiguration"]["Rules"]
    assert rule["Prefix"] == "uploads/" and rule["ExpirationInDays"] == 1
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    env = template["Resources"]["ApiFunction"]["Properties"]["Environment"]["Variables"]
    assert env["BOARDREAD_UPLOADS_BUCKET"] == {"Ref": "UploadsBucket"}
    defaults = Settings()
    assert defaults.upload_max_bytes == 20_000_000 and defaults.upload_expires_s == 300


def test_feedback_route_env_and_least_privilege(template: dict[str, Any]) -> None:
    """POST /feedback reaches the function, which knows the data bucket and may only put new
    objects under feedback/ in it: no read, no list, no delete, no other prefix."""
    api = template["Resources"]["ApiFunction"]["Properties"]
    routes = {(e["Properties"]["Method"], e["Properties"]["Path"]) for e in api["Events"].values()
              if e["Type"] == "HttpApi"}
    assert ("POST", "/feedback") in routes
    assert api["Environment"]["Variables"]["BOARDREAD_DATA_BUCKET"] == {"Ref": "DataBucket"}
    assert template["Resources"]["DataBucket"]["Type"] == "AWS::S3::Bucket"
    role = template["Resources"]["ApiFunctionRole"]["Properties"]
    on_data = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]
               if "DataBucket" in str(s["Resource"])]
    assert on_data == [{"Effect": "Allow", "Action": "s3:PutObject",
                        "Resource": {"Fn::Sub": "${DataBucket.Arn}/feedback/*"}}]
    env = json.loads((REPO / "env.json").read_text())["ApiFunction"]
    assert env["BOARDREAD_DATA_BUCKET"] == ""  # sam local: no bucket, so 501 feedback_unavailable


def test_iam_is_scoped_to_named_arns(template: dict[str, Any]) -> None:
    role = template["Resources"]["ApiFunctionRole"]["Properties"]
    for policy in role["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            assert statement["Resource"] != "*" and "*" not in str(statement["Action"])


def test_site_bucket_is_read_only_to_the_public(template: dict[str, Any]) -> None:
    site = template["Resources"]["SiteBucket"]["Properties"]
    assert site["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert site["PublicAccessBlockConfiguration"]["BlockPublicAcls"] is True
    (statement,) = template["Resources"]["SiteBucketPolicy"]["Properties"]["PolicyDocument"][
        "Statement"]
    assert statement["Effect"] == "Allow" and statement["Action"] == "s3:GetObject"
    assert statement["Resource"] == {"Fn::Sub": "${SiteBucket.Arn}/*"}


def test_the_cold_start_benchmark_has_the_functions_environment(template: dict[str, Any]) -> None:
    """make bench-api's cold start runs with the runtime knobs Lambda gets (thread pins, no
    pydantic plugin scan), so its figure is the function's."""
    from tests.bench.bench_api import child_env

    env = template["Resources"]["ApiFunction"]["Properties"]["Environment"]["Variables"]
    knobs = {k: v for k, v in env.items() if not k.startswith("BOARDREAD_")}
    assert knobs == {"OPENBLAS_NUM_THREADS": "1", "PYDANTIC_DISABLE_PLUGINS": "1"}
    assert knobs.items() <= child_env("int8").items()
