"""Paging cursors of the gateway: an opaque offset bound to the query it pages, so a
cursor from one query cannot page another."""

from __future__ import annotations

import base64
import hashlib
import json

from onceonly.core.errors import Invalid


def query_hash_of(code: str, key: str | None, filters: dict[str, str], fields: list[str]) -> str:
    raw = json.dumps([code, key, sorted(filters.items()), fields], ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()[:12]


def encode_cursor(offset: int, query_hash: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset, "q": query_hash}).encode()).decode()


def decode_cursor(cursor: str | None, query_hash: str) -> int:
    if not cursor:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        offset = int(data["o"])
        same = data["q"] == query_hash
    except (ValueError, KeyError, TypeError):
        raise Invalid("the cursor is not one this gateway gave", field="cursor") from None
    if not same or offset < 0:
        raise Invalid("the cursor belongs to a different query", field="cursor")
    return offset
