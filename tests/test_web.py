"""The web shell: languages, elder mode, errors for people and for programs."""

from __future__ import annotations

from fastapi import APIRouter


def test_home_in_chinese_by_default_and_english_on_request(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/")
    assert page.status_code == 200 and 'lang="zh-CN"' in page.text
    assert "让数据多跑路" in page.text or "数据多跑路" in page.text
    client.get("/prefs?lang=en&next=/")
    english = client.get("/")
    assert 'lang="en"' in english.text and "Let the data run, not the people" in english.text


def test_elder_mode_persists_in_a_cookie(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/prefs?elder=1&next=/portal", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/portal"
    assert 'class="elder' in client.get("/").text
    assert 'class="elder' in client.get("/portal").text
    client.get("/prefs?elder=0")
    assert 'class="elder' not in client.get("/").text


def test_prefs_refuses_unknown_language_and_open_redirect(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/prefs?lang=xx").status_code == 422
    response = client.get("/prefs?lang=en&next=https://evil.example/", follow_redirects=False)
    assert response.headers["location"] == "/"


def test_unknown_routes_404(client) -> None:  # type: ignore[no-untyped-def]
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"
    assert api.json()["type"].endswith("/not-found")
    page = client.get("/no-such-page", headers={"accept": "text/html"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")


def test_validation_error_names_the_field(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/api/v1/identifiers/citizen-id", json={"value": ""})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "value"


def test_crash_gives_500_without_internals(settings, db) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from onceonly.app import create_app

    app = create_app(settings, db)
    router = APIRouter()

    @router.get("/api/v1/boom")
    def boom() -> None:
        raise RuntimeError("secret internal detail")

    app.include_router(router)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        response = test_client.get("/api/v1/boom")
    assert response.status_code == 500
    assert "secret internal detail" not in response.text
    assert "Traceback" not in response.text
    assert response.json()["type"].endswith("internal-error")
