"""`make publish` on moto: stack outputs -> web/ in the site bucket, config.js -> the API URL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from boardread_api.site import config_js
from boardread_deploy.publish import default_stack_name, publish_site
from moto import mock_aws

REGION = "eu-west-1"
API_URL = "https://k7xq2m9v1d.execute-api.eu-west-1.amazonaws.com/"
# A stand-in for template.yaml with the outputs publish reads (moto cannot deploy the real one).
STACK_TEMPLATE = {
    "Resources": {"SiteBucket": {"Type": "AWS::S3::Bucket"}},
    "Outputs": {
        "ApiUrl": {"Value": API_URL},
        "SiteBucketName": {"Value": {"Ref": "SiteBucket"}},
        "SiteUrl": {"Value": {"Fn::GetAtt": ["SiteBucket", "WebsiteURL"]}},
    },
}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Any]]:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        cloudformation = boto3.client("cloudformation", region_name=REGION)
        cloudformation.create_stack(StackName="boardread-test",
                                    TemplateBody=json.dumps(STACK_TEMPLATE))
        yield cloudformation, boto3.client("s3", region_name=REGION)


@pytest.fixture
def web_dir(tmp_path: Path) -> Path:
    files = {
        "index.html": "<!doctype html><script src=config.js></script><script src=app.js></script>",
        "app.js": "document.title = 'boardread';",
        "style.css": "body { margin: 0 }",
        "config.js": "window.BOARDREAD_CONFIG = Object.freeze({\"apiUrl\": \"\"});",  # local one
        "img/board.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
        "publish.py": "print('not for the bucket')",
        ".env": "SECRET=1",
        "README.md": "notes",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "favicon.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 16)
    (tmp_path / "screenshots").mkdir()
    (tmp_path / "screenshots" / "desktop.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 16)
    return tmp_path


def bucket_of(cloudformation: Any) -> str:
    (stack,) = cloudformation.describe_stacks(StackName="boardread-test")["Stacks"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    return outputs["SiteBucketName"]


def test_publishes_the_page_with_the_api_url(aws: tuple[Any, Any], web_dir: Path) -> None:
    cloudformation, s3 = aws
    done = publish_site(web_dir, "boardread-test", cloudformation=cloudformation, s3=s3)
    bucket = bucket_of(cloudformation)
    assert done["bucket"] == bucket and done["api_url"] == API_URL
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert keys == {"index.html", "app.js", "style.css", "config.js", "img/board.svg",
                    "favicon.png"}

    config = s3.get_object(Bucket=bucket, Key="config.js")
    assert config["Body"].read().decode() == config_js(API_URL)
    assert '"apiUrl": "https://k7xq2m9v1d.execute-api.eu-west-1.amazonaws.com"' in config_js(
        API_URL)
    expected_types = {
        "index.html": "text/html; charset=utf-8",
        "app.js": "text/javascript; charset=utf-8",
        "config.js": "text/javascript; charset=utf-8",
        "style.css": "text/css; charset=utf-8",
        "img/board.svg": "image/svg+xml",
        "favicon.png": "image/png",
    }
    for key, content_type in expected_types.items():
        head = s3.head_object(Bucket=bucket, Key=key)
        assert head["ContentType"] == content_type, key
    assert s3.head_object(Bucket=bucket, Key="index.html")["CacheControl"] == "no-cache"
    assert s3.head_object(Bucket=bucket, Key="config.js")["CacheControl"] == "no-cache"
    assert "max-age" in s3.head_object(Bucket=bucket, Key="app.js")["CacheControl"]
    body = s3.get_object(Bucket=bucket, Key="index.html")["Body"].read()
    assert body == (web_dir / "index.html").read_bytes()


def test_republishing_removes_stale_files(aws: tuple[Any, Any], web_dir: Path) -> None:
    cloudformation, s3 = aws
    publish_site(web_dir, "boardread-test", cloudformation=cloudformation, s3=s3)
    (web_dir / "style.css").unlink()
    done = publish_site(web_dir, "boardread-test", cloudformation=cloudformation, s3=s3)
    assert done["deleted"] == ["style.css"]
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket_of(cloudformation))["Contents"]}
    assert "style.css" not in keys and "index.html" in keys


def test_refuses_without_a_page(aws: tuple[Any, Any], tmp_path: Path) -> None:
    cloudformation, s3 = aws
    with pytest.raises(SystemExit, match="index.html"):
        publish_site(tmp_path, "boardread-test", cloudformation=cloudformation, s3=s3)


def test_refuses_a_stack_without_the_outputs(aws: tuple[Any, Any], web_dir: Path) -> None:
    cloudformation, s3 = aws
    cloudformation.create_stack(StackName="other", TemplateBody=json.dumps(
        {"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}))
    with pytest.raises(SystemExit, match="ApiUrl"):
        publish_site(web_dir, "other", cloudformation=cloudformation, s3=s3)


def test_default_stack_is_samconfigs() -> None:
    assert default_stack_name() == "boardread"
