"""The operators' federation page: this node, its peers (with a live health check),
what it offers, the traffic both ways; import a peer's descriptor; grant a peer. And,
for citizens, where an application's routed 跨省通办 cases are."""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import Response

from onceonly.core.deps import CurrentCitizen, DbSession, csrf_protect
from onceonly.core.errors import Problem
from onceonly.federation import service
from onceonly.federation.cases import routed
from onceonly.federation.trust import messages, refresh
from onceonly.identity.deps import staff_with
from onceonly.identity.models import Role, User
from onceonly.identity.service import actor_for_user
from onceonly.services.applications import applications
from onceonly.web import nav
from onceonly.web.i18n import gettext as _
from onceonly.web.templating import redirect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
Viewer = Annotated[User, Depends(staff_with(Role.platform_admin, Role.auditor))]
Admin = Annotated[User, Depends(staff_with(Role.platform_admin))]
HEALTH_TIMEOUT = httpx.Timeout(1.5)

nav.register("console", "Federation", "/console/federation",
             roles=[Role.platform_admin, Role.auditor], order=25)  # fmt: skip


def _health(url: str) -> str:
    """ "ok", or why not, from the peer's health endpoint (a short timeout)."""
    try:
        reply = httpx.get(url + "/api/v1/federation/health", timeout=HEALTH_TIMEOUT)
    except httpx.HTTPError as exc:
        return type(exc).__name__
    return "ok" if reply.status_code == 200 else f"HTTP {reply.status_code}"


@router.get("/console/federation")
def overview(request: Request, session: DbSession, user: Viewer) -> Response:
    try:
        node = service.this_node(session)
        fingerprint = messages.thumbprint(messages.current_key(session).public_jwk)
    except Problem:
        node, fingerprint = None, ""
    peers = service.peers(session)
    return render(request, "federation/overview.html", {
        "node": node, "fingerprint": fingerprint, "offers": service.offers(session),
        "peers": [(p, _health(p.gateway_url)) for p in peers],
        "traffic": service.traffic(session), "is_admin": user.is_platform_admin,
        "checks": refresh.checks(session),
    })  # fmt: skip


@router.post("/console/federation/peers")
def import_peer(
    request: Request,
    session: DbSession,
    admin: Admin,
    url: Annotated[str, Form(max_length=300)],
    fingerprint: Annotated[str, Form(max_length=100)],
) -> Response:
    document = service.fetch_descriptor(url.strip())
    peer = service.import_descriptor(session, document, actor_for_user(admin), fingerprint)
    label = f"{peer.name} ({peer.node_id})"
    return redirect("/console/federation", request, _("Peer %(name)s imported.", name=label))


@router.post("/console/federation/grants")
def grant(
    request: Request,
    session: DbSession,
    admin: Admin,
    peer: Annotated[str, Form(max_length=60)],
    resource: Annotated[str, Form(max_length=60)],
    purpose: Annotated[str, Form(max_length=500)],
) -> Response:
    fields = service.offered(session, resource).fields
    service.grant(session, peer, resource, fields, purpose, actor_for_user(admin))
    message = _("%(peer)s may now read %(resource)s.", peer=peer, resource=resource)
    return redirect("/console/federation", request, message)


@router.get("/portal/applications/{ref}/elsewhere")
def routed_status(
    request: Request,
    session: DbSession,
    citizen: CurrentCitizen,
    ref: Annotated[str, Path(max_length=30)],
) -> Response:
    """Where the application's routed 跨省通办 cases are (a fragment of its page)."""
    application = applications.citizens_application(session, citizen, ref)
    names = {p.node_id: p.name for p in service.peers(session)}
    items = {c.id: c.item.name for c in application.cases}
    rows = [
        {"row": r, "peer": names.get(r.peer_node, r.peer_node), "item": items.get(r.case_id)}
        for r in routed.routed_cases(session, application)
    ]
    return render(request, "federation/routed.html", {"rows": rows})
