"""Request ids at the edge and on to a department's HTTP source; JSON logs; redaction."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from onceonly.core import logs
from onceonly.sharing import service as sharing
from tests.exchange.conftest import SYSTEM, register

ID = "11010519491231002X"


def test_redact_masks_id_numbers_phones_and_named_values() -> None:
    text = logs.redact(
        f"lookup {ID} by 440524188001010014, call 138-1234-5678 or +86 13912345678; "
        "name=张三 contact_name='李 四' order 123456789012345678901"
    )
    assert ID not in text and "440524188001010014" not in text
    assert "110105************" in text
    assert "13812345678" not in text.replace("-", "") and "13912345678" not in text
    assert "张三" not in text and "李 四" not in text
    assert "123456789012345678901" in text  # a longer number is not an ID number


def test_the_filter_redacts_args_extras_and_tracebacks(capsys) -> None:  # type: ignore[no-untyped-def]
    previous = logging.root.handlers[:], logging.root.level
    logs.configure(json=True)
    token = logs.request_id.set("req-42")
    try:
        log = logging.getLogger("onceonly.test")
        log.info("read %s for %s", ID, "13812345678", extra={"full_name": "王五", "rows": 3})
        try:
            raise ValueError(f"bad key {ID}")
        except ValueError:
            log.exception("failed")
    finally:
        logs.request_id.reset(token)
        logging.root.handlers[:], _ = previous[0], None
        logging.root.setLevel(previous[1])
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    first, second = lines[-2], lines[-1]
    assert first["message"] == "read 110105************ for [phone]"
    assert (first["full_name"], first["rows"], first["request_id"]) == ("[redacted]", 3, "req-42")
    assert first["level"] == "INFO" and first["logger"] == "onceonly.test"
    assert ID not in json.dumps(second) and "110105" in second["exc_info"]


def test_the_request_id_is_accepted_or_made_and_echoed(client) -> None:  # type: ignore[no-untyped-def]
    given = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.1"})
    assert given.headers["x-request-id"] == "lb-7f3a.1"
    made = client.get("/healthz")
    assert len(made.headers["x-request-id"]) == 32
    hostile = client.get("/healthz", headers={"X-Request-ID": "a b<script>" + "x" * 80})
    assert hostile.headers["x-request-id"] != "a b<script>" + "x" * 80
    assert client.get("/no-such-page").headers["x-request-id"]


class _Source(BaseHTTPRequestHandler):
    seen: ClassVar[list[str | None]] = []

    def do_GET(self) -> None:
        _Source.seen.append(self.headers.get("X-Request-ID"))
        body = json.dumps({"id_number": self.path.rsplit("/", 1)[-1], "benefit": "yes"})
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def http_source() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Source)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_request_id_reaches_an_http_source(demo_client, demo_db, gateway, http_source) -> None:  # type: ignore[no-untyped-def]
    from onceonly.identity.models import Client

    with demo_db.session() as session:
        resource = register(
            session,
            "t.benefits",
            "hrss",
            name="Benefits (HTTP test)",
            subject_type="person",
            key_field="id_number",
            share_class="conditional",
            connector_kind="http",
            connector_config={"url_template": http_source + "/person/{key}"},
            fields=[
                {"name": "id_number", "sensitivity": "personal"},
                {"name": "benefit", "sensitivity": "internal"},
            ],
        )
        client = session.query(Client).filter_by(code=gateway.client_code).one()
        sharing.grant_directly(
            session,
            client=client,
            resource=resource,
            fields=["id_number", "benefit"],
            clear_fields=["benefit"],
            purpose="benefit check",
            by=SYSTEM,
        )
    _Source.seen.clear()
    answer = demo_client.post(
        "/api/v1/exchange/t.benefits/query",
        json={"subject_key": ID, "purpose": "benefit check"},
        headers={**gateway.headers(), "X-Request-ID": "citizen-visit-0042"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["rows"][0]["benefit"] == "yes"
    assert _Source.seen == ["citizen-visit-0042"]


def test_audit_context_carries_the_request_id() -> None:
    assert logs.audit_context() == {}
    token = logs.request_id.set("abc")
    try:
        assert logs.audit_context() == {"request_id": "abc"}
        assert logs.outgoing_headers() == {"X-Request-ID": "abc"}
    finally:
        logs.request_id.reset(token)


def test_the_run_wide_grep_finds_an_unmasked_id_number(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import id_numbers_in_logs

    (tmp_path / "gw0.log").write_text(
        f"ok 110105************ and 123456789012345678\nleak id{ID}x here\n", encoding="utf-8"
    )
    assert id_numbers_in_logs(tmp_path) == [f"gw0.log: leak id{ID}x here"]


def test_a_request_id_with_a_run_of_digits_is_not_taken_for_an_id_number() -> None:
    rid = "b02ad343416123456789edf29fe1535d"  # 15 digits in a row, as uuid4().hex makes
    assert logs.redact(f"[{rid}] GET /healthz") == f"[{rid}] GET /healthz"
    assert logs.redact("old id 110105491231002 here") == "old id 110105********* here"
