"""Shapes of the federation API: signed messages travel as compact JWS strings."""

from __future__ import annotations

from pydantic import BaseModel, Field


class SignedRequest(BaseModel):
    request: str | None = Field(
        default=None, max_length=200_000, description="the query, a compact JWS (oo-fedreq+jwt)"
    )


class SignedMessage(BaseModel):
    request: str | None = Field(
        default=None,
        max_length=30_000_000,  # a routed case carries the citizen's uploads (10 MB each)
        description="a routed case (oo-fedcase+jwt) or its decision (oo-fedresult+jwt)",
    )


class SignedResponse(BaseModel):
    response: str = Field(description="the answer, a compact JWS (oo-fedres+jwt)")


class Health(BaseModel):
    node_id: str
    name: str
    status: str
