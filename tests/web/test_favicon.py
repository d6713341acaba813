"""Every page names the platform's icon, served from our own files (no outside call)."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_pages_link_the_icon_and_it_is_served(client: TestClient) -> None:
    page = client.get("/login").text
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.text.startswith("<svg") and "http://www.w3.org/2000/svg" in icon.text
    assert "href=" not in icon.text  # nothing fetched from elsewhere
