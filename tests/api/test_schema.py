"""The OpenAPI schema and the docs, served from packages, with no inline script or style."""

import re

from django.contrib.staticfiles import finders


def test_schema_describes_the_api(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for path in ("/api/v1/deals/", "/api/v1/deals/{id}/", "/api/v1/consultations/{id}/answer/"):
        assert path in schema["paths"], path


def test_docs_have_no_inline_script_or_style_and_no_cdn(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, flags=re.S)
    assert scripts and all("src=" in attrs and not body.strip() for attrs, body in scripts)
    assert "<style" not in page and " style=" not in page
    assert "cdn" not in page.lower() and "https://" not in page
    init = re.search(r'<script src="([^"]*script[^"]*)"', page).group(1).replace("&amp;", "&")
    script = client.get(init)
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
    for asset in re.findall(r'(?:src|href)="/static/([^"?]+)', page):
        assert finders.find(asset), asset


def test_schema_generates_and_validates_without_warnings(db, tmp_path):
    from django.core.management import call_command

    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert "/api/v1/payment-requests/{id}/decide/" in target.read_text()
