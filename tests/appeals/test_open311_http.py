"""Open311 GeoReport v2 driven over real HTTP, as the spec describes it: a live server,
`.json` suffixes, form-encoded POSTs carrying api_key, Open311 error bodies."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import uvicorn
from lxml import etree

from onceonly.app import create_app

from .conftest import Open311Client


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def base(demo_settings, demo_db, open311_client) -> Iterator[str]:  # type: ignore[no-untyped-def]
    port = _free_port()
    config = uvicorn.Config(
        create_app(demo_settings, demo_db), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/open311/v2"
    server.should_exit = True
    thread.join(timeout=10)


def _form(key: str, **extra: str) -> dict[str, str]:
    data = {
        "api_key": key,
        "service_code": "road-damage",
        "lat": "30.2741",
        "long": "120.1551",
        "address_string": "湖滨区解放路 12 号",
        "description": "A deep pothole in the cycle lane",
        "email": "reporter@example.org",
        "phone": "13912345678",
        "first_name": "Mei",
        "last_name": "Zhang",
        "jurisdiction_id": "330105",
        "attribute[urgency]": "urgent",
    }
    data.update(extra)
    return data


def _error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body, list) and body[0]["code"] == status
    return str(body[0]["description"])


def test_discovery_and_services(base: str) -> None:
    with httpx.Client() as http:
        discovery = http.get(f"{base}/discovery.json").json()
        endpoint = discovery["endpoints"][0]
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert "application/json" in endpoint["formats"]
        services = http.get(f"{base}/services.json").json()
        codes = {s["service_code"] for s in services}
        assert "road-damage" in codes and all(isinstance(c, str) for c in codes)
        first = services[0]
        assert {"service_name", "description", "metadata", "type", "keywords", "group"} <= set(
            first
        )
        definition = http.get(f"{base}/services/road-damage.json").json()
        assert definition["service_code"] == "road-damage"
        assert definition["attributes"][0]["code"] == "urgency"
        assert "not found" in _error(http.get(f"{base}/services/nope.json"), 404)


def test_post_then_read_back_without_contact_details(
    base: str, open311_client: Open311Client
) -> None:
    with httpx.Client() as http:
        response = http.post(f"{base}/requests.json", data=_form(open311_client.api_key))
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/json")
        [created] = response.json()
        request_id, token = created["service_request_id"], created["token"]
        assert isinstance(request_id, str)
        [by_token] = http.get(f"{base}/tokens/{token}.json").json()
        assert by_token["service_request_id"] == request_id
        one = http.get(f"{base}/requests/{request_id}.json")
        [item] = one.json()
        assert item["status"] == "open"
        assert item["service_code"] == "road-damage"
        assert item["agency_responsible"]  # dispatched to the city's urban management
        assert item["lat"] == pytest.approx(30.2741) and item["long"] == pytest.approx(120.1551)
        assert item["expected_datetime"] and item["requested_datetime"]
        for text in (one.text, http.get(f"{base}/requests.json").text):
            assert "reporter@example.org" not in text
            assert "13912345678" not in text and "Zhang" not in text
        _error(http.get(f"{base}/requests/999999.json"), 404)
        _error(http.get(f"{base}/tokens/no-such-token.json"), 404)


def test_post_errors(base: str, open311_client: Open311Client) -> None:
    key = open311_client.api_key
    url = f"{base}/requests.json"
    with httpx.Client() as http:
        assert "service_code" in _error(http.post(url, data=_form(key, service_code="nope")), 400)
        no_place = _form(key, lat="", long="", address_string="")
        assert "location" in _error(http.post(url, data=no_place), 400)
        _error(http.post(url, data=_form("oo_bad_key")), 403)
        _error(http.post(url, data=_form("")), 403)
        _error(http.post(url, data=_form(open311_client.other_key)), 403)  # lacks the scope
        too_long = _form(key, description="x" * 4001)
        assert "4000" in _error(http.post(url, data=too_long), 400)
        assert http.post(url, data=_form(key, description="x" * 4000)).status_code == 200
        _error(http.post(url, data=_form(key, lat="north")), 400)
        _error(http.post(url, data=_form(key, jurisdiction_id="999999")), 404)
        _error(http.post(url, json=_form(key)), 400)  # the spec posts forms, not JSON


def test_get_requests_filters(base: str, open311_client: Open311Client) -> None:
    with httpx.Client() as http:
        posted = http.post(f"{base}/requests.json", data=_form(open311_client.api_key)).json()
        request_id = posted[0]["service_request_id"]
        now = datetime.now(UTC)
        window = {
            "start_date": (now - timedelta(hours=1)).isoformat(),
            "end_date": (now + timedelta(hours=1)).isoformat(),
        }
        open_ = http.get(f"{base}/requests.json", params={**window, "status": "open"}).json()
        assert request_id in {r["service_request_id"] for r in open_}
        closed = http.get(f"{base}/requests.json", params={**window, "status": "closed"}).json()
        assert request_id not in {r["service_request_id"] for r in closed}
        other = http.get(f"{base}/requests.json", params={**window, "service_code": "noise"})
        assert request_id not in {r["service_request_id"] for r in other.json()}
        # service_request_id overrides every other argument.
        by_id = http.get(
            f"{base}/requests.json",
            params={"service_request_id": request_id, "status": "closed", "service_code": "x"},
        )
        assert [r["service_request_id"] for r in by_id.json()] == [request_id]
        # The demo year holds closed appeals too, newest first, at most 1,000 a page.
        year = {"start_date": (now - timedelta(days=365)).isoformat(), "status": "closed"}
        history = http.get(f"{base}/requests.json", params=year).json()
        assert history and all(r["status"] == "closed" for r in history)
        stamps = [r["requested_datetime"] for r in history]
        assert stamps == sorted(stamps, reverse=True) and len(history) <= 1000
        _error(http.get(f"{base}/requests.json", params={"start_date": "yesterday"}), 400)
        _error(http.get(f"{base}/requests.json", params={"status": "lost"}), 400)
        _error(http.get(f"{base}/requests.json", params={"start_date": "2026-01-01T00:00:00"}), 400)


# GeoReport v2's XML: each document's root and the element names of the spec's examples.
SERVICE = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
REQUEST = [
    "service_request_id", "status", "status_notes", "service_name", "service_code",
    "description", "agency_responsible", "service_notice", "requested_datetime",
    "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat",
    "long", "media_url",
]  # fmt: skip


def _xml(response: httpx.Response, status: int = 200) -> etree._Element:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/xml")
    return etree.fromstring(response.content)


def test_every_endpoint_in_xml(base: str, open311_client: Open311Client) -> None:
    with httpx.Client(timeout=60) as http:
        discovery = _xml(http.get(f"{base}/discovery.xml"))
        assert discovery.tag == "discovery"
        assert discovery.findtext("endpoints/endpoint/specification") == (
            "http://wiki.open311.org/GeoReport_v2"
        )
        assert "text/xml" in [
            f.text for f in discovery.iterfind("endpoints/endpoint/formats/format")
        ]
        services = _xml(http.get(f"{base}/services.xml"))
        assert services.tag == "services"
        service = services.find("service[service_code='road-damage']")
        assert service is not None and [child.tag for child in service] == SERVICE
        assert service.findtext("metadata") == "true"
        definition = _xml(http.get(f"{base}/services/road-damage.xml"))
        assert definition.tag == "service_definition"
        attribute = definition.find("attributes/attribute")
        assert attribute is not None and attribute.findtext("code") == "urgency"
        assert [v.findtext("key") for v in attribute.iterfind("values/value")] == [
            "normal",
            "urgent",
        ]

        created = _xml(http.post(f"{base}/requests.xml", data=_form(open311_client.api_key)))
        assert created.tag == "service_requests"
        request_id = created.findtext("request/service_request_id")
        token = created.findtext("request/token")
        assert request_id and token and created.find("request/account_id") is not None
        one = _xml(http.get(f"{base}/requests/{request_id}.xml"))
        request = one.find("request")
        assert request is not None and [child.tag for child in request] == REQUEST
        assert request.findtext("status") == "open" and request.findtext("zipcode") == ""
        assert float(request.findtext("lat") or 0) == pytest.approx(30.2741)
        listed = _xml(http.get(f"{base}/requests.xml", params={"service_request_id": request_id}))
        assert [r.findtext("service_request_id") for r in listed.iterfind("request")] == [
            request_id
        ]
        by_token = _xml(http.get(f"{base}/tokens/{token}.xml"))
        assert by_token.findtext("request/service_request_id") == request_id

        # Errors in XML too, with the status codes of the JSON form.
        for response, status in (
            (http.get(f"{base}/services/nope.xml"), 404),
            (http.post(f"{base}/requests.xml", data=_form("oo_bad_key")), 403),
            (http.get(f"{base}/requests.xml", params={"status": "lost"}), 400),
        ):
            errors = _xml(response, status)
            assert errors.tag == "errors"
            assert errors.findtext("error/code") == str(status)
            assert errors.findtext("error/description")
