"""Licence pages: the holder's wallet in the portal and a public verifier page."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from onceonly.core.actors import Actor
from onceonly.core.deps import CurrentCitizen, DbSession, csrf_protect
from onceonly.core.settings import public_base_url
from onceonly.federation.cases import routed
from onceonly.licences import service, verification
from onceonly.licences.credentials import sdjwt
from onceonly.licences.credentials.qr import qr_svg
from onceonly.licences.kinds import LICENCE_TYPES, claim_label
from onceonly.licences.oid4vci import pages as oid4vci_pages
from onceonly.licences.presentation import pages as presentation_pages
from onceonly.web import nav
from onceonly.web.templating import render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
router.include_router(presentation_pages.router)  # answering a verifier's request
router.include_router(oid4vci_pages.router)  # offering a licence to the holder's own wallet

nav.register("portal", "My licences", "/portal/licences", order=30)
nav.register("portal", "Verify a licence", "/verify", order=31)

OUTCOME_LABELS = {
    "valid": "Valid",
    "invalid_signature": "Invalid signature",
    "tampered_disclosure": "Tampered disclosure",
    "expired": "Expired",
    "revoked": "Revoked",
    "suspended": "Suspended",
    "issuer_not_recognised": "Issuer not recognised",
    "malformed": "Not a licence presentation",
    "wrong_audience": "Made for another verifier",
}


def _holder(citizen: CurrentCitizen) -> str:
    return citizen.entity_code or citizen.id_number


@router.get("/portal/licences")
def wallet(request: Request, session: DbSession, citizen: CurrentCitizen) -> Response:
    licences = service.find_for_holder(session, _holder(citizen))
    rows = [
        {"licence": lic, "kind": LICENCE_TYPES[lic.type_code], "claims": service.claims_of(lic)}
        for lic in licences
        if lic.type_code in LICENCE_TYPES
    ]
    # E-licences another province issued on a case routed there (跨省通办).
    received = [
        {"row": r, "kind": LICENCE_TYPES.get(r.licence_type),
         "claims": sdjwt.disclosed_claims(sdjwt.parse(r.credential)) or {}}
        for r in routed.received_licences(session, _holder(citizen))
    ]  # fmt: skip
    context = {"rows": rows, "received": received, "claim_label": claim_label}
    return render(request, "licences/wallet.html", context)


@router.post("/portal/licences/{serial}/present")
def make_presentation(
    request: Request,
    serial: str,
    session: DbSession,
    citizen: CurrentCitizen,
    claims: Annotated[list[str] | None, Form()] = None,
) -> Response:
    licence = service.licence_by_serial(session, serial, _holder(citizen))
    text = service.make_presentation(session, licence, _holder(citizen), set(claims or []))
    link = f"{public_base_url()}/verify?p={quote(text)}"
    context = {
        "licence": licence,
        "kind": LICENCE_TYPES[licence.type_code],
        "presentation": text,
        "link": link,
        "qr": qr_svg(text),
        "ttl_minutes": verification.PRESENTATION_TTL // 60,
    }
    return render(request, "licences/presentation.html", context)


@router.get("/verify")
def verify_form(request: Request, session: DbSession, p: str | None = None) -> Response:
    result = None
    if p:
        result = verification.verify_presentation(session, p[:20000], actor=Actor.public())
    return _verify_page(request, p or "", result)


@router.post("/verify")
def verify(
    request: Request, session: DbSession, presentation: Annotated[str, Form(max_length=20000)]
) -> Response:
    result = verification.verify_presentation(session, presentation, actor=Actor.public())
    return _verify_page(request, presentation, result)


def _verify_page(request: Request, text: str, result: verification.Verification | None) -> Response:
    label = OUTCOME_LABELS[result.outcome] if result else ""
    kind = LICENCE_TYPES.get(result.type_code) if result else None
    context = {"text": text, "result": result, "label": label, "kind": kind,
               "claim_label": claim_label}  # fmt: skip
    return render(request, "licences/verify.html", context)
