"""The holder takes a licence into their own wallet: an OpenID4VCI credential offer."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from onceonly.core.actors import Actor
from onceonly.core.deps import CurrentCitizen, DbSession, csrf_protect
from onceonly.licences import service
from onceonly.licences.credentials.qr import qr_svg
from onceonly.licences.kinds import LICENCE_TYPES
from onceonly.licences.oid4vci import service as oid4vci
from onceonly.web.templating import render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


@router.post("/portal/licences/{serial}/offer")
def offer_to_wallet(
    request: Request, serial: str, session: DbSession, citizen: CurrentCitizen
) -> Response:
    """An OpenID4VCI credential offer of this licence, as a QR code for the holder's wallet."""
    holder = citizen.entity_code or citizen.id_number
    licence = service.licence_by_serial(session, serial[:40], holder)
    actor = Actor("person", licence.holder_code[-4:], "holder")
    _, uri = oid4vci.create_offer(session, licence, actor)
    context = {"licence": licence, "kind": LICENCE_TYPES[licence.type_code], "uri": uri}
    return render(request, "licences/offer.html", {**context, "qr": qr_svg(uri)})
