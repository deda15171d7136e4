"""Sending one signed message to a peer over HTTP: timeouts, retries, and checking the
signed answer. No database work here, so that no caller holds a write transaction
(SQLite's single write lock) while a peer is slow.

A retry is a new message with a new nonce (the peer refuses a nonce twice), made only
when the peer did not answer or answered 5xx; a refusal (4xx) is final.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from onceonly.core.errors import Problem, UpstreamError, UpstreamTimeout
from onceonly.federation.trust import messages

TIMEOUT = httpx.Timeout(5.0, connect=2.0)
ATTEMPTS = 3
BACKOFF_SECONDS = (0.1, 0.4)
Signer = Callable[[], tuple[str, dict[str, Any]]]  # a fresh (token, payload) per attempt


@dataclass
class Delivery:
    """What came of sending: the last reply (None if the peer never answered), the
    message it answers, and each failed attempt with its time."""

    reply: httpx.Response | None
    token: str
    payload: dict[str, Any]
    failures: list[tuple[Problem, float]] = field(default_factory=list)
    ms: float = 0.0

    @property
    def failure(self) -> Problem | None:
        return self.failures[-1][0] if self.reply is None and self.failures else None


def post(
    url: str, peer_name: str, sign: Signer, key: str, http: httpx.Client | None = None
) -> Delivery:
    """POST `{key: <signed message>}` to `url`, up to ATTEMPTS times."""
    own = http is None
    http = http or httpx.Client(timeout=TIMEOUT)
    started = time.perf_counter()
    delivery = Delivery(None, "", {})
    try:
        for attempt in range(ATTEMPTS):
            delivery.token, delivery.payload = sign()
            try:
                reply = http.post(url, json={key: delivery.token})
            except httpx.TimeoutException:
                failure: Problem = UpstreamTimeout(f"{peer_name} did not answer in time")
            except httpx.HTTPError as exc:
                failure = UpstreamError(
                    f"{peer_name} could not be reached ({type(exc).__name__})", code="peer-down"
                )
            else:
                if reply.status_code < 500:
                    delivery.reply = reply
                    break
                failure = UpstreamError(f"{peer_name} failed ({reply.status_code})")
            delivery.failures.append((failure, (time.perf_counter() - started) * 1000))
            if attempt + 1 < ATTEMPTS:
                time.sleep(BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS) - 1)])
    finally:
        if own:
            http.close()
    delivery.ms = (time.perf_counter() - started) * 1000
    return delivery


def problem_detail(reply: httpx.Response) -> tuple[str, str]:
    """The problem code and detail of a refusal (RFC 9457 body, else the status)."""
    try:
        body = reply.json()
        return str(body.get("type", "")).rsplit("/", 1)[-1][:60], str(body.get("detail", ""))
    except (ValueError, AttributeError):
        return f"http-{reply.status_code}", reply.text[:200]


def verified_answer(
    peer_name: str, jwks: dict[str, Any], reply: httpx.Response, delivery: Delivery
) -> tuple[str, dict[str, Any]]:
    """The peer's signed answer and its payload, checked: its signature, that it answers
    this very message (id and hash) and that it is meant for the sender."""
    try:
        signed = str(reply.json()["response"])
    except (ValueError, KeyError, TypeError):
        raise UpstreamError(f"{peer_name} answered without a signed response") from None
    try:
        payload = messages.verify(signed, jwks, messages.RESPONSE)
    except Problem:
        raise UpstreamError(f"{peer_name}'s answer does not verify with its keys",
                            code="bad-response-signature") from None  # fmt: skip
    sent = delivery.payload
    if (
        payload.get("in_reply_to") != sent["jti"]
        or payload.get("request_sha256") != messages.digest(delivery.token)
        or payload.get("aud") != sent["iss"]
    ):
        raise UpstreamError(f"{peer_name}'s answer is not the answer to this request",
                            code="bad-response-signature")  # fmt: skip
    return signed, payload
