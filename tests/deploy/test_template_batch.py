"""template.yaml's BatchFunction: the S3 trigger, retries, limits and least privilege.

(`sam validate --lint`, in test_template.py, also catches the circular dependency the S3 access
would make if it sat in the function's role: cfn-lint E3004.)
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from boardread_batch.keys import INCOMING_PREFIX, RESULTS_PREFIX
from boardread_batch.settings import ENV_PREFIX, BatchSettings
from samtranslator.yaml_helper import yaml_parse

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    parsed: dict[str, Any] = yaml_parse((REPO / "template.yaml").read_text())
    return parsed


@pytest.fixture(scope="module")
def batch(template: dict[str, Any]) -> dict[str, Any]:
    function: dict[str, Any] = template["Resources"]["BatchFunction"]
    return function


def statements(policy_document: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = policy_document["Statement"]
    return found


def test_function_is_built_and_run_like_the_api(batch: dict[str, Any]) -> None:
    assert batch["Metadata"] == {"BuildMethod": "makefile"}
    props = batch["Properties"]
    assert props["CodeUri"] == "functions/batch/"
    assert props["Handler"] == "boardread_batch.handler.handler"
    assert props["Layers"] == [{"Ref": "RuntimeLayer"}, {"Ref": "ReaderLayer"}]
    assert props["Role"] == {"Fn::GetAtt": ["BatchFunctionRole", "Arn"]}
    assert props["LoggingConfig"]["LogGroup"] == {"Ref": "BatchFunctionLogGroup"}
    assert props["LoggingConfig"]["LogFormat"] == "JSON"
    makefile = (REPO / "functions" / "batch" / "Makefile").read_text()
    assert "build-BatchFunction:" in makefile and "lambda.mk" in makefile


def test_limits_leave_room_for_one_bounded_read(batch: dict[str, Any]) -> None:
    props = batch["Properties"]
    env = props["Environment"]["Variables"]
    known = {ENV_PREFIX + f.name.upper() for f in fields(BatchSettings)}
    assert set(env) <= known, set(env) - known  # no misspelt setting
    settings = BatchSettings.from_env(env)
    assert settings.max_object_bytes == 20_000_000 == BatchSettings().max_object_bytes
    # A read is cut well before Lambda would stop the function (a timeout would be retried).
    assert settings.read_timeout_s + 10 <= props["Timeout"] <= 900
    assert props["MemorySize"] >= 1769


def test_trigger_is_incoming_only_and_cannot_loop(batch: dict[str, Any]) -> None:
    (event,) = batch["Properties"]["Events"].values()
    assert event["Type"] == "S3"
    assert event["Properties"]["Bucket"] == {"Ref": "DataBucket"}
    assert event["Properties"]["Events"] == "s3:ObjectCreated:*"
    assert event["Properties"]["Filter"] == {
        "S3Key": {"Rules": [{"Name": "prefix", "Value": INCOMING_PREFIX}]}}
    assert not RESULTS_PREFIX.startswith(INCOMING_PREFIX)  # results never re-trigger
    retries = batch["Properties"]["EventInvokeConfig"]
    assert retries["MaximumRetryAttempts"] <= 2


def test_role_reaches_only_its_logs_and_two_prefixes(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    role = resources["BatchFunctionRole"]["Properties"]
    # The role must not name the bucket: DataBucket's notification waits for the function,
    # which waits for its role (a circular dependency). The S3 access is a separate policy.
    assert "DataBucket" not in str(role)
    (logs,) = role["Policies"]
    assert statements(logs["PolicyDocument"]) == [{
        "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": {"Fn::GetAtt": ["BatchFunctionLogGroup", "Arn"]}}]

    access = [r["Properties"] for r in resources.values()
              if r["Type"] in ("AWS::IAM::RolePolicy", "AWS::IAM::Policy")
              and {"Ref": "BatchFunctionRole"} in (r["Properties"].get("Roles") or [
                  r["Properties"].get("RoleName")])]
    (policy,) = access
    assert statements(policy["PolicyDocument"]) == [
        {"Effect": "Allow", "Action": "s3:GetObject",
         "Resource": {"Fn::Sub": "${DataBucket.Arn}/incoming/*"}},
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
         "Resource": {"Fn::Sub": "${DataBucket.Arn}/results/*"}},
    ]


def test_own_log_group_with_retention_and_an_output(template: dict[str, Any]) -> None:
    group = template["Resources"]["BatchFunctionLogGroup"]["Properties"]
    assert group["LogGroupName"] == {"Fn::Sub": "/aws/lambda/${AWS::StackName}-batch"}
    assert group["RetentionInDays"] == {"Ref": "LogRetentionInDays"}
    function_name = template["Resources"]["BatchFunction"]["Properties"]["FunctionName"]
    assert function_name == {"Fn::Sub": "${AWS::StackName}-batch"}
    assert template["Outputs"]["BatchFunctionName"]["Value"] == {"Ref": "BatchFunction"}
    assert template["Outputs"]["DataBucketName"]["Value"] == {"Ref": "DataBucket"}  # the CLI's
