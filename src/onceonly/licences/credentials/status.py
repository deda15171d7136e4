"""The issuer's IETF Token Status List (`application/statuslist+jwt`), 2 bits a licence."""

from __future__ import annotations

import json
import time
import zlib
from typing import Any

from joserfc import jws
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onceonly.identity.models import Department
from onceonly.licences.credentials import keys, sdjwt
from onceonly.licences.models import Licence
from onceonly.licences.service import STATUS_VALUES, status_list_url

MEDIA_TYPE = "application/statuslist+jwt"
BITS = 2
TTL = 300


def pack(statuses: dict[int, int], highest: int = 0) -> str:
    """zlib-compressed, base64url byte array; entry i sits at bits (i % 4) * 2 of byte i // 4.
    The list covers every index up to `highest` (the highest issued), valid ones as 0."""
    size = (max(highest, max(statuses, default=0)) // 4) + 1
    data = bytearray(size)
    for index, value in statuses.items():
        data[index // 4] |= value << ((index % 4) * BITS)
    return sdjwt.b64(zlib.compress(bytes(data), 9))


def unpack(lst: str, index: int) -> int:
    data = zlib.decompress(sdjwt.unb64(lst))
    if index // 4 >= len(data):
        raise IndexError(index)
    return (data[index // 4] >> ((index % 4) * BITS)) & 0b11


def status_list_token(session: Session, department: Department) -> str:
    rows = session.execute(
        select(Licence.status_index, Licence.status).where(
            Licence.issuer_department_id == department.id, Licence.status != "valid"
        )
    )
    statuses = {index: STATUS_VALUES[status] for index, status in rows}
    highest = session.scalar(
        select(func.max(Licence.status_index)).where(Licence.issuer_department_id == department.id)
    )
    now = int(time.time())
    payload: dict[str, Any] = {
        "sub": status_list_url(department),
        "iat": now,
        "exp": now + TTL * 2,
        "ttl": TTL,
        "status_list": {"bits": BITS, "lst": pack(statuses, highest or 0)},
    }
    key = keys.current_key(session, department.id)
    header = {"alg": key.alg, "kid": key.kid, "typ": "statuslist+jwt"}
    return jws.serialize_compact(header, json.dumps(payload).encode(), keys.private_key(key))
