"""The deployed layout: the page on one origin (the site bucket), the API on another.

``boardread_deploy.publish`` writes web/ and config.js into a moto S3 bucket; the files are then
served exactly as stored from a separate origin, and the page must send its photo to the API
named in config.js (the real local server, which allows the site's origin by CORS).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import boto3
import pytest
from boardread_api.site import config_js
from boardread_deploy.publish import publish_site
from moto import mock_aws

from tests.web.conftest import WEB_DIR, ApiServer, Photos, SiteServer

REGION = "eu-west-1"


def publish_to_moto(web_dir: Path, api_url: str, monkeypatch: pytest.MonkeyPatch
                    ) -> dict[str, tuple[bytes, str]]:
    """Run the publish step against a moto stack whose ApiUrl is ``api_url``; every object of
    the site bucket afterwards, by key: (body, Content-Type)."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    template = {
        "Resources": {"SiteBucket": {"Type": "AWS::S3::Bucket"}},
        "Outputs": {
            "ApiUrl": {"Value": api_url},
            "SiteBucketName": {"Value": {"Ref": "SiteBucket"}},
            "SiteUrl": {"Value": {"Fn::GetAtt": ["SiteBucket", "WebsiteURL"]}},
        },
    }
    with mock_aws():
        cloudformation = boto3.client("cloudformation", region_name=REGION)
        cloudformation.create_stack(StackName="boardread-web-test",
                                    TemplateBody=json.dumps(template))
        s3 = boto3.client("s3", region_name=REGION)
        done = publish_site(web_dir, "boardread-web-test", cloudformation=cloudformation, s3=s3)
        stored = {}
        for key in done["uploaded"]:
            obj = s3.get_object(Bucket=done["bucket"], Key=key)
            stored[key] = (obj["Body"].read(), obj["ContentType"])
    return stored


def test_the_committed_config_js_means_same_origin() -> None:
    """web/config.js is the publisher's own format with apiUrl "" (comments aside)."""
    lines = [line for line in (WEB_DIR / "config.js").read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("//")]
    assert "\n".join(lines) + "\n" == config_js("")


@pytest.mark.browser
def test_the_published_page_calls_the_api_named_in_config_js(
        new_page: Any, site_server: SiteServer, api_server: ApiServer, photos: Photos,
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert site_server.origin != api_server.url
    stored = publish_to_moto(WEB_DIR, f"{api_server.url}/", monkeypatch)
    assert stored["config.js"][0].decode() == config_js(api_server.url)
    assert {"index.html", "app.js", "style.css"} <= set(stored)
    site_server.files.clear()
    site_server.files.update(stored)

    run = new_page()
    run.open(f"{site_server.origin}/")
    assert run.page.evaluate("window.BOARDREAD_CONFIG.apiUrl") == api_server.url
    docs = run.page.locator("#api-docs-link").get_attribute("href")
    assert docs == f"{api_server.url}/docs"
    with run.page.expect_response(re.compile(r".*/predict\?debug=true$")) as response_info:
        run.choose(photos.board)
    response = response_info.value
    assert response.url == f"{api_server.url}/predict?debug=true" and response.status == 200
    assert response.headers["access-control-allow-origin"] == site_server.origin
    assert run.wait_for_result()
    run.page.wait_for_function(
        "document.querySelector('img[data-testid=board-preview]').naturalWidth > 0")
    assert not [r.url for r in run.predict_requests() if r.url.startswith(site_server.origin)]
    run.screenshot("deployed-layout")


@pytest.mark.browser
def test_a_deployed_api_error_is_read_across_origins(
        new_page: Any, site_server: SiteServer, api_server: ApiServer, photos: Photos) -> None:
    """The API's error JSON and request id are readable cross-origin (CORS on errors too)."""
    site_server.publish_folder(WEB_DIR, overrides={
        "config.js": config_js(api_server.url).encode()})
    run = new_page()
    run.open(f"{site_server.origin}/")
    run.choose(photos.broken_jpeg)
    text = run.wait_for_error()
    assert "can’t be read as a photo" in text and "Reference: " in text
