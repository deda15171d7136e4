"""Structured logs: one request id per request, one redaction filter, JSON or text.

The request id is generated at the edge (or accepted from `X-Request-ID`), kept in a
context variable for the request's lifetime, written into every log line, sent on to
HTTP connectors and offered to the audit log through `audit_context()`.

`Redact` is the one filter that keeps personal data out of the logs: citizen ID numbers
(GB 11643), mobile phone numbers and the values of fields that name a person are masked
in the message, its arguments and any `extra` fields, whoever logged them (our code,
uvicorn's access log, a library).
"""

from __future__ import annotations

import logging
import logging.config
import re
from contextvars import ContextVar
from typing import Any

REQUEST_ID_HEADER = "x-request-id"
request_id: ContextVar[str | None] = ContextVar("onceonly_request_id", default=None)
ACCEPTED_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")

# An 18-character citizen ID (17 digits and a digit or X), or the old 15-digit form,
# not inside a longer run of digits (letters around it do not protect it); a mainland
# mobile number (11 digits starting 1[3-9]).
ID_NUMBER = re.compile(
    r"(?<!\d)\d{17}[\dXx](?![\dXx])"
    r"|(?<![0-9A-Za-z])\d{15}(?![0-9A-Za-z])"  # the old form: not inside a hex id
)
PHONE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?!\d)")
# `extra` fields and key=value pairs whose value names or identifies a person.
PERSONAL_KEYS = frozenset(
    {"name", "full_name", "person_name", "contact_name", "applicant_name", "holder_name",
     "id_number", "subject_key", "citizen_id", "phone", "contact_phone", "mobile"}
)  # fmt: skip
_KEY_VALUE = re.compile(
    r"\b(" + "|".join(sorted(PERSONAL_KEYS)) + r")(\s*[=:]\s*)('[^']*'|\"[^\"]*\"|[^\s,;&]+)"
)
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def redact(text: str) -> str:
    """The text with ID numbers, phone numbers and `name=…`-style values masked."""
    text = _KEY_VALUE.sub(lambda m: f"{m.group(1)}{m.group(2)}[redacted]", text)
    text = ID_NUMBER.sub(lambda m: m.group(0)[:6] + "*" * (len(m.group(0)) - 6), text)
    return PHONE.sub("[phone]", text)


class Redact(logging.Filter):
    """Masks personal data in every record that passes (attach it to the handlers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        for key, value in list(record.__dict__.items()):
            if key in _STANDARD:
                continue
            if key in PERSONAL_KEYS and value:
                setattr(record, key, "[redacted]")
            elif isinstance(value, str):
                setattr(record, key, redact(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            # Formatters re-render exc_info when present: keep only the redacted text.
            record.exc_text, record.exc_info = redact(record.exc_text), None
        return True


class RequestId(logging.Filter):
    """Adds `request_id` (or "-") to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get() or "-"
        return True


def audit_context() -> dict[str, Any]:
    """What the audit log should add to an entry's detail for the current request:
    `{"request_id": …}` inside a request, `{}` outside one (CLI, jobs)."""
    rid = request_id.get()
    return {"request_id": rid} if rid else {}


def outgoing_headers() -> dict[str, str]:
    """Headers a connector sends to a department's system to carry the request id."""
    rid = request_id.get()
    return {"X-Request-ID": rid} if rid else {}


TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(request_id)s] %(message)s"
JSON_FORMAT = "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s"


def logging_config(*, json: bool, level: str = "INFO") -> dict[str, Any]:
    """A `logging.config.dictConfig` for the app, the CLI and uvicorn (pass it as
    uvicorn's `log_config` so its workers log the same way)."""
    formatter: dict[str, Any] = (
        {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": JSON_FORMAT,
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
        if json
        else {"format": TEXT_FORMAT}
    )
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "main",
        "filters": ["request_id", "redact"],
        "stream": "ext://sys.stderr",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "onceonly.core.logs.RequestId"},
            "redact": {"()": "onceonly.core.logs.Redact"},
        },
        "formatters": {"main": formatter},
        "handlers": {"main": handler},
        "root": {"handlers": ["main"], "level": level},
        "loggers": {
            **{
                name: {"handlers": ["main"], "level": level, "propagate": False}
                for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "huey")
            },
            "alembic": {"level": "WARNING"},  # its plugin chatter on every /readyz
        },
    }


def configure(*, json: bool, level: str = "INFO") -> dict[str, Any]:
    config = logging_config(json=json, level=level)
    logging.config.dictConfig(config)
    return config
