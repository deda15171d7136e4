"""The authorisation matrix: every route of the app × every kind of caller.

The routes come from the app, not from a list: a new route without an entry in
`ACCESS` fails this test, as does a route whose answer to any caller changes from
allowed to refused or back. Each entry names who gets past authorisation (anything but
401/403); system APIs taken with a bearer key are "nobody" here, as no session may use
them. Placeholder path values (1, x) mean this is the route level; object-level checks
(another resident's appeal, another department's case) are below the table."""

from __future__ import annotations

import pytest

from tests.hardening.matrix_probe import IDENTITIES, allowed, callers, routes

RESIDENTS = frozenset({"resident", "other_resident"})
STAFF = frozenset({"own_staff", "other_staff", "auditor", "platform_admin"})
CLASSES: dict[str, frozenset[str]] = {
    "anyone": frozenset(IDENTITIES),
    "signed-in": RESIDENTS | STAFF,
    "residents": RESIDENTS,
    "staff": STAFF,
    # Routes for a department's own work (its queue, its catalog entries, its users): a
    # department admin or the platform admin, not the auditor.
    "department-admins": frozenset({"own_staff", "other_staff", "platform_admin"}),
    "nobody": frozenset(),
}

ACCESS: dict[str, str] = {
    "DELETE /api/v1/services/my-materials/{stored_id}": "residents",
    "GET /": "anyone",
    "GET /.well-known/jwt-vc-issuer/issuers/{code}": "anyone",
    "GET /.well-known/oauth-authorization-server": "anyone",
    "GET /.well-known/openid-credential-issuer": "anyone",
    "GET /account/password": "staff",
    "GET /api": "anyone",
    "GET /api/3": "anyone",
    "GET /dataset/{package_id}/resource/{resource_id}/download/{filename}": "anyone",
    "GET /api/3/action/{action}": "anyone",
    "GET /api/action/{action}": "anyone",
    "GET /api/opendata/applications": "anyone",
    "GET /api/opendata/catalog": "anyone",
    "GET /api/opendata/catalog.jsonld": "anyone",
    "GET /api/opendata/catalog.{ext}": "anyone",
    "GET /api/opendata/data.json": "anyone",
    "GET /api/opendata/datasets": "anyone",
    "GET /api/opendata/datasets/{code}": "anyone",
    "GET /api/opendata/datasets/{code}/download.{fmt}": "anyone",
    "GET /api/opendata/datasets/{code}/rows": "anyone",
    "GET /api/opendata/delivery/rows": "nobody",
    "GET /api/opendata/quality": "anyone",
    "GET /api/v1/audit/checkpoint": "anyone",
    "GET /api/v1/audit/checkpoints": "anyone",
    "GET /api/v1/audit/my-accesses": "residents",
    "GET /api/v1/audit/my-accesses/{entry_id}/proof": "residents",
    "GET /api/v1/audit/proof/consistency": "anyone",
    "GET /api/v1/audit/proof/inclusion": "anyone",
    "GET /api/v1/audit/public-key": "anyone",
    "GET /api/v1/audit/verifier-keys": "anyone",
    "GET /api/v1/catalog/export": "department-admins",
    "GET /api/v1/catalog/needs": "staff",
    "GET /api/v1/catalog/needs/overdue": "staff",
    "GET /api/v1/catalog/needs/{need_id}": "staff",
    "GET /api/v1/catalog/resources": "anyone",
    "GET /api/v1/catalog/resources/{code}": "anyone",
    "GET /api/v1/departments": "anyone",
    "GET /api/v1/federation/descriptor": "anyone",
    "GET /api/v1/federation/health": "anyone",
    "GET /api/v1/payments/applications/{ref}": "residents",
    "GET /api/v1/services/applications": "residents",
    "GET /api/v1/services/applications/{ref}": "residents",
    "GET /api/v1/services/applications/{ref}/disputes": "residents",
    "GET /api/v1/services/bundles": "anyone",
    "GET /api/v1/services/bundles/{code}": "anyone",
    "GET /api/v1/services/cases": "department-admins",
    "GET /api/v1/services/cases/{case_id}": "department-admins",
    "GET /api/v1/services/completeness": "anyone",
    "GET /api/v1/services/dispute-figures": "staff",
    "GET /api/v1/services/disputes": "department-admins",
    "GET /api/v1/services/figures": "department-admins",
    "GET /api/v1/services/items": "anyone",
    "GET /api/v1/services/items/{code}": "anyone",
    "GET /api/v1/services/items/{code}/guide": "anyone",
    "GET /api/v1/services/my-materials": "residents",
    "GET /api/v1/services/notifications": "residents",
    "GET /api/v1/sharing/grants": "staff",
    "GET /api/v1/sharing/overdue": "staff",
    "GET /api/v1/sharing/requests": "staff",
    "GET /api/v1/sharing/requests/{request_id}": "other_staff auditor platform_admin",
    "GET /api/v1/sharing/review-queue": "staff",
    "GET /api/v1/supervision/once-only": "staff",
    "GET /api/v1/supervision/scorecards": "staff",
    "GET /api/v1/visits/applications/{ref}": "residents",
    "GET /api/v1/visits/slots/{slot_id}": "anyone",
    "GET /api/v1/whoami": "nobody",
    "GET /appeals/media/{name}": "anyone",
    "GET /catalog": "anyone",
    "GET /catalog/{code}": "anyone",
    "GET /console": "staff",
    "GET /console/appeals": "platform_admin",
    "GET /console/appeals/figures": "staff",
    "GET /console/appeals/figures.csv": "staff",
    "GET /console/appeals/{appeal_id}": "platform_admin",
    "GET /console/clients": "department-admins",
    "GET /console/departments": "staff",
    "GET /console/exchange": "auditor platform_admin",
    "GET /console/federation": "auditor platform_admin",
    "GET /console/jobs": "auditor platform_admin",
    "GET /console/opendata/quality": "auditor platform_admin",
    "GET /console/once-only": "staff",
    "GET /console/supervision": "staff",
    "GET /console/supervision.csv": "staff",
    "GET /console/supervision/{department_code}": "staff",
    "GET /console/users": "department-admins",
    "GET /data.json": "anyone",
    "GET /demo-pay/{provider_ref}": "anyone",
    "GET /docs": "anyone",
    "GET /docs/oauth2-redirect": "anyone",
    "GET /healthz": "anyone",
    "GET /issuers/{code}/jwks.json": "anyone",
    "GET /issuers/{code}/status": "anyone",
    "GET /metrics": "anyone",
    "GET /open311/v2/discovery": "anyone",
    "GET /open311/v2/discovery.json": "anyone",
    "GET /open311/v2/discovery.xml": "anyone",
    "GET /open311/v2/requests": "anyone",
    "GET /open311/v2/requests.json": "anyone",
    "GET /open311/v2/requests.xml": "anyone",
    "GET /open311/v2/requests/{request_id}": "anyone",
    "GET /open311/v2/services": "anyone",
    "GET /open311/v2/services.json": "anyone",
    "GET /open311/v2/services.xml": "anyone",
    "GET /open311/v2/services/{code}": "anyone",
    "GET /open311/v2/tokens/{token}": "anyone",
    "GET /openapi.json": "anyone",
    "GET /opendata": "anyone",
    "GET /opendata/api": "anyone",
    "GET /opendata/applications": "anyone",
    "GET /opendata/datasets/{code}": "anyone",
    "GET /opendata/datasets/{code}/apply": "residents",
    "GET /opendata/delivery/{secret}/data.csv": "anyone",
    "GET /portal": "anyone",
    "GET /portal/appeals": "residents",
    "GET /portal/appeals/new": "residents",
    "GET /portal/appeals/{appeal_id}": "residents",
    "GET /portal/applications": "residents",
    "GET /portal/applications/{ref}": "residents",
    "GET /portal/applications/{ref}/visit": "residents",
    "GET /portal/applications/{ref}/elsewhere": "residents",
    "GET /portal/apply": "residents",
    "GET /portal/licences": "residents",
    "GET /portal/licences/requests/{request_id}": "residents",
    "GET /portal/materials": "residents",
    "GET /portal/my-data": "residents",
    "GET /portal/my-data.csv": "residents",
    "GET /portal/my-data/export": "residents",
    "GET /portal/my-data/export.csv": "residents",
    "GET /portal/my-data/export.json": "residents",
    "GET /portal/my-data/{entry_id}/proof.json": "residents",
    "GET /portal/notifications": "residents",
    "GET /portal/opendata/applications": "residents",
    "GET /portal/payments/{order_no}": "residents",
    "GET /portal/sign-in": "anyone",
    "GET /prefs": "anyone",
    "GET /readyz": "anyone",
    "GET /redoc": "anyone",
    "GET /services": "anyone",
    "GET /services/bundles/{code}": "anyone",
    "GET /services/items/{code}": "anyone",
    "GET /sign-in": "anyone",
    "GET /static/{path}": "anyone",
    "GET /verify": "anyone",
    "GET /workbench": "staff",
    "GET /workbench/appeals": "department-admins",
    "GET /workbench/appeals/{appeal_id}": "department-admins",
    "GET /workbench/cases": "department-admins",
    "GET /workbench/cases/{case_id}": "department-admins",
    "GET /workbench/cases/{case_id}/approve": "department-admins",
    "GET /workbench/cases/{case_id}/materials/{key}": "department-admins",
    "GET /workbench/catalog/export": "department-admins",
    "GET /workbench/catalog/import": "department-admins",
    "GET /workbench/catalog/needs": "staff",
    "GET /workbench/catalog/needs/new": "staff",
    "GET /workbench/catalog/needs/{need_id}": "staff",
    "GET /workbench/catalog/register": "department-admins",
    "GET /workbench/catalog/{code}/edit": "department-admins",
    "GET /workbench/opendata/api-tokens": "department-admins",
    "GET /workbench/disputes": "department-admins",
    "GET /workbench/disputes/{dispute_id}": "department-admins",
    "GET /workbench/opendata/applications": "department-admins",
    "GET /workbench/opendata/quality": "department-admins",
    "GET /workbench/services": "department-admins",
    "GET /workbench/services/bundles": "department-admins",
    "GET /workbench/services/bundles/new": "department-admins",
    "GET /workbench/services/bundles/{code}/edit": "department-admins",
    "GET /workbench/services/figures": "staff",
    "GET /workbench/services/figures.csv": "staff",
    "GET /workbench/services/items/new": "department-admins",
    "GET /workbench/services/items/{code}/edit": "department-admins",
    "GET /workbench/sharing/grants": "staff",
    "GET /workbench/sharing/mine": "staff",
    "GET /workbench/sharing/new": "staff",
    "GET /workbench/sharing/queue": "department-admins",
    "POST /account/password": "staff",
    "GET /workbench/visits": "department-admins",
    "POST /api/3/action/{action}": "anyone",
    "POST /api/action/{action}": "anyone",
    "POST /api/licences": "nobody",
    "POST /api/licences/verify": "anyone",
    "POST /api/licences/vp/requests": "nobody",
    "POST /api/licences/{serial}/status": "nobody",
    "POST /api/opendata/datasets/{code}/applications": "residents",
    "POST /api/v1/catalog/import": "department-admins",
    "POST /api/v1/catalog/needs": "staff",
    "POST /api/v1/catalog/needs/{need_id}/answer": "staff",
    "POST /api/v1/catalog/resources": "department-admins",
    "POST /api/v1/exchange/{resource_code}/query": "nobody",
    "POST /api/v1/federation/case-results": "anyone",
    "POST /api/v1/federation/cases": "anyone",
    "POST /api/v1/federation/query": "anyone",
    "POST /api/v1/identifiers/citizen-id": "anyone",
    "POST /api/v1/identifiers/credit-code": "anyone",
    "POST /api/v1/payments/callbacks/{provider}": "anyone",
    "POST /api/v1/services/applications": "residents",
    "POST /api/v1/services/applications/{ref}/cases/{case_id}/withdraw": "residents",
    "POST /api/v1/services/applications/{ref}/disputes": "residents",
    "POST /api/v1/services/applications/{ref}/materials/{key}/reuse": "residents",
    "POST /api/v1/services/applications/{ref}/resubmit": "residents",
    "POST /api/v1/services/applications/{ref}/submit": "residents",
    "POST /api/v1/services/applications/{ref}/withdraw": "residents",
    "POST /api/v1/services/cases/{case_id}/accept": "department-admins",
    "POST /api/v1/services/cases/{case_id}/approve": "department-admins",
    "POST /api/v1/services/cases/{case_id}/correction": "department-admins",
    "POST /api/v1/services/cases/{case_id}/reject": "department-admins",
    "POST /api/v1/services/disputes/{dispute_id}/answer": "department-admins",
    "POST /api/v1/sharing/grants/{grant_id}/revoke": "staff",
    "POST /api/v1/sharing/requests": "staff",
    "POST /api/v1/sharing/requests/{request_id}/decision": "staff",
    "POST /api/v1/visits/applications/{ref}/appointments": "residents",
    "POST /api/v1/visits/applications/{ref}/appointments/{code}/cancel": "residents",
    "POST /api/v1/visits/applications/{ref}/posting": "residents",
    "POST /console/appeals": "platform_admin",
    "POST /console/appeals/{appeal_id}/dispatch": "platform_admin",
    "POST /console/appeals/{appeal_id}/merge": "platform_admin",
    "POST /console/clients": "department-admins",
    "POST /console/clients/{code}/revoke": "department-admins",
    "POST /console/federation/grants": "platform_admin",
    "POST /console/federation/peers": "platform_admin",
    "POST /console/jobs/run": "platform_admin",
    "POST /console/users": "department-admins",
    "POST /demo-pay/{provider_ref}": "anyone",
    "POST /open311/v2/requests": "anyone",
    "POST /open311/v2/requests.json": "anyone",
    "POST /open311/v2/requests.xml": "anyone",
    "POST /oid4vci/credential": "nobody",
    "POST /oid4vci/token": "anyone",
    "POST /opendata/datasets/{code}/apply": "residents",
    "POST /portal/appeals": "residents",
    "POST /portal/appeals/{appeal_id}/rate": "residents",
    "POST /portal/appeals/{appeal_id}/reopen": "residents",
    "POST /portal/applications/{ref}/cases/{case_id}/withdraw": "residents",
    "POST /portal/applications/{ref}/disputes": "residents",
    "POST /portal/applications/{ref}/materials": "residents",
    "POST /portal/applications/{ref}/materials/{key}": "residents",
    "POST /portal/applications/{ref}/materials/{key}/reuse": "residents",
    "POST /portal/applications/{ref}/pay": "residents",
    "POST /portal/applications/{ref}/posting": "residents",
    "POST /portal/applications/{ref}/resubmit": "residents",
    "POST /portal/applications/{ref}/submit": "residents",
    "POST /portal/applications/{ref}/visit": "residents",
    "POST /portal/applications/{ref}/visit/{code}/cancel": "residents",
    "POST /portal/applications/{ref}/withdraw": "residents",
    "POST /portal/apply": "residents",
    "POST /portal/licences/requests/{request_id}/approve": "residents",
    "POST /portal/licences/requests/{request_id}/decline": "residents",
    "POST /portal/licences/{serial}/offer": "residents",
    "POST /portal/licences/{serial}/present": "residents",
    "POST /portal/materials/{stored_id}/delete": "residents",
    "POST /portal/sign-in": "anyone",
    "POST /portal/sign-out": "anyone",
    "POST /sign-in": "anyone",
    "POST /sign-out": "anyone",
    "POST /verify": "anyone",
    "POST /workbench/appeals/{appeal_id}/{action}": "department-admins",
    "POST /workbench/cases/{case_id}/accept": "department-admins",
    "POST /workbench/cases/{case_id}/approve": "department-admins",
    "POST /workbench/cases/{case_id}/correction": "department-admins",
    "POST /workbench/cases/{case_id}/reject": "department-admins",
    "POST /workbench/catalog/import": "department-admins",
    "POST /workbench/catalog/needs/new": "staff",
    "POST /workbench/catalog/needs/{need_id}/answer": "staff",
    "POST /workbench/catalog/register": "department-admins",
    "POST /workbench/catalog/{code}/edit": "department-admins",
    "POST /workbench/opendata/api-tokens": "department-admins",
    "POST /workbench/opendata/api-tokens/{token_id}/revoke": "department-admins",
    "POST /workbench/disputes/{dispute_id}/answer": "department-admins",
    "POST /workbench/opendata/applications/{application_id}/decide": "department-admins",
    "POST /workbench/opendata/datasets/{code}/refresh": "department-admins",
    "POST /workbench/services/bundles/new": "department-admins",
    "POST /workbench/services/bundles/{code}/edit": "department-admins",
    "POST /workbench/services/items/new": "department-admins",
    "POST /workbench/services/items/{code}/edit": "department-admins",
    "POST /workbench/sharing/grants/{grant_id}/revoke": "platform_admin",
    "POST /workbench/sharing/new": "staff",
    "POST /workbench/sharing/requests/{request_id}/decide": "platform_admin",
    "POST /workbench/visits/postings/{posting_id}/delivered": "department-admins",
    "POST /workbench/visits/postings/{posting_id}/posted": "department-admins",
    "PUT /api/v1/catalog/resources/{code}": "department-admins",
    "PUT /api/v1/services/applications/{ref}/materials/{key}": "residents",
    "PUT /api/v1/services/items/{code}/guide": "department-admins",
}


def _name(who: frozenset[str]) -> str:
    for name, members in CLASSES.items():
        if who == members:
            return name
    return " ".join(i for i in IDENTITIES if i in who)


def _expected(entry: str) -> frozenset[str]:
    return CLASSES.get(entry) or frozenset(entry.split())


@pytest.mark.slow
def test_every_route_has_an_entry_and_keeps_it(demo_client) -> None:  # type: ignore[no-untyped-def]
    people = callers(demo_client)
    observed: dict[str, str] = {}
    for route in routes(demo_client.app):
        method, path = route.split(" ", 1)
        who = frozenset(
            name for name, caller in people.items() if allowed(caller.ask(method, path))
        )
        observed[route] = _name(who)
    missing = sorted(set(observed) - set(ACCESS))
    changed = sorted(
        r for r in observed if r in ACCESS and _expected(ACCESS[r]) != _expected(observed[r])
    )
    report = "\n".join(f"    {r!r}: {observed[r]!r}," for r in missing + changed)
    assert not missing and not changed, f"routes without an entry or changed:\n{report}"


# Object level: the same route, someone else's object ------------------------------


def _staff_of(session, department_id: int) -> str | None:  # type: ignore[no-untyped-def]
    """A department admin whose queue holds this department's appeals (its own or a
    parent's: a province's bureau sees its cities')."""
    from sqlalchemy import select

    from onceonly.identity.models import Department, User

    while department_id is not None:
        username = session.scalars(
            select(User.username)
            .where(User.department_id == department_id, User.username.like("%.admin"))
            .order_by(User.id)
        ).first()
        if username:
            return str(username)
        department_id = session.get(Department, department_id).parent_id
    return None


def test_another_residents_appeal_and_another_departments_queue(demo_client) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient
    from sqlalchemy import select

    from onceonly.appeals.models import Appeal
    from onceonly.appeals.service import department_scope
    from onceonly.identity.models import Person, Role, User
    from tests.helpers import sign_in_citizen, sign_in_staff

    db = demo_client.app.state.db
    with db.session() as session:
        appeal, own_staff = next(
            (a, u)
            for a in session.scalars(
                select(Appeal)
                .where(Appeal.person_id.is_not(None), Appeal.department_id.is_not(None))
                .order_by(Appeal.id)
            )
            if a.department_id is not None and (u := _staff_of(session, a.department_id))
        )
        owner = session.get(Person, appeal.person_id).id_number
        other = session.scalars(
            select(Person.id_number).where(Person.id != appeal.person_id).order_by(Person.id)
        ).first()
        other_staff = next(
            user.username
            for user in session.scalars(
                select(User).where(User.username.like("%.admin")).order_by(User.id)
            )
            if appeal.department_id not in department_scope(session, user.department_id)
            and Role.platform_admin not in user.roles
        )
    mine, theirs = f"/portal/appeals/{appeal.id}", f"/workbench/appeals/{appeal.id}"
    for who, sign_in, path, expected in (
        (owner, sign_in_citizen, mine, 200),
        (other, sign_in_citizen, mine, 404),
        (own_staff, sign_in_staff, theirs, 200),
        (other_staff, sign_in_staff, theirs, 404),
    ):
        with TestClient(demo_client.app) as client:
            sign_in(client, who)
            assert client.get(path).status_code == expected, (who, path)
