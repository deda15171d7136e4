"""Identity pages: sign-in for staff and citizens, the three home pages, users, clients."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from onceonly.core.deps import Citizen, DbSession, csrf_protect
from onceonly.core.errors import Forbidden, Invalid, NotFound, Problem
from onceonly.core.params import Id
from onceonly.identity import account, queries, service
from onceonly.identity.deps import CurrentUser, staff_with
from onceonly.identity.models import Department, LegalEntity, Person, Role, User
from onceonly.identity.passwords import MUST_CHANGE, PASSWORD_PAGE
from onceonly.web import nav
from onceonly.web.i18n import gettext as _
from onceonly.web.templating import redirect, render, safe_next

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
router.include_router(account.router)
Admin = Annotated[User, Depends(staff_with(Role.department_admin))]

nav.register("console", "Users", "/console/users", roles=[Role.department_admin], order=10)
nav.register(
    "console", "System clients", "/console/clients", roles=[Role.department_admin], order=11
)
nav.register("console", "Departments", "/console/departments", order=12)

FEATURED_PEOPLE = 40


# Staff ------------------------------------------------------------------------------


@router.get("/sign-in")
def sign_in_form(request: Request, next: str | None = None) -> Response:
    return render(request, "identity/sign_in.html", {"next": safe_next(next, "/workbench")})


@router.post("/sign-in")
def sign_in(
    request: Request,
    session: DbSession,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/workbench",
) -> Response:
    try:
        user = service.authenticate_user(session, username, password)
    except Problem as problem:
        return render(
            request,
            "identity/sign_in.html",
            {"next": safe_next(next), "error": _(problem.detail), "username": username},
            status_code=problem.status,
        )
    request.session.clear()
    request.session["uid"] = user.id
    request.session["staff"] = {
        "name": user.display_name,
        "department": user.department.name,
        "department_en": user.department.name_en,
        "roles": sorted(r.value for r in user.roles),
    }
    if request.app.state.settings.force_password_change and user.password_changed_at is None:
        request.session[MUST_CHANGE] = True
        return redirect(PASSWORD_PAGE)
    return redirect(safe_next(next, "/workbench"))


@router.post("/sign-out")
def sign_out(request: Request) -> Response:
    request.session.clear()
    return redirect("/", request, _("You have signed out."))


@router.get("/workbench")
def workbench(request: Request, user: CurrentUser) -> Response:
    return render(request, "identity/workbench.html", {"user": user})


@router.get("/console")
def console(request: Request, user: CurrentUser) -> Response:
    return render(request, "identity/console.html", {"user": user})


# Citizens ---------------------------------------------------------------------------


@router.get("/portal")
def portal(request: Request) -> Response:
    return render(request, "identity/portal.html")


@router.get("/portal/sign-in")
def portal_sign_in_form(request: Request, session: DbSession, next: str | None = None) -> Response:
    people: list[Person] = []
    entities: list[tuple[LegalEntity, Person]] = []
    if request.app.state.settings.demo_mode:
        people = queries.featured_people(session, FEATURED_PEOPLE)
        entities = queries.featured_entities(session)
    return render(
        request,
        "identity/portal_sign_in.html",
        {
            "people": people,
            "entities": entities,
            "stories": _stories(session) if people else {},
            "next": safe_next(next, "/portal"),
        },
    )


@router.post("/portal/sign-in")
def portal_sign_in(
    request: Request,
    session: DbSession,
    person_id: Annotated[Id, Form()],
    entity_id: Annotated[Id | None, Form()] = None,
    next: Annotated[str, Form()] = "/portal",
) -> Response:
    """Demo only: sign in as a listed person. Production uses the unified identity service."""
    if not request.app.state.settings.demo_mode:
        raise Forbidden(_("'Sign in as' is only available in demo mode."), code="demo-only")
    person = queries.person(session, person_id)
    if person is None:
        raise NotFound(_("No such person."))
    citizen = Citizen(person.id, person.id_number, person.name)
    if entity_id is not None:
        entity = queries.entity(session, entity_id)
        if entity is None or entity not in service.entities_for(session, person):
            raise Forbidden(_("This person may not act for that company."), code="not-an-agent")
        citizen = Citizen(
            person.id, person.id_number, person.name, entity.id, entity.credit_code, entity.name
        )
    request.session.clear()
    request.session["citizen"] = citizen.__dict__
    return redirect(safe_next(next, "/portal"))


@router.post("/portal/sign-out")
def portal_sign_out(request: Request) -> Response:
    request.session.clear()
    return redirect("/portal", request, _("You have signed out."))


# Console: users, clients, departments -----------------------------------------------


def _managed_departments(session: DbSession, user: User) -> list[Department]:
    if user.is_platform_admin:
        return service.list_departments(session)
    return [user.department]


def _department_to_manage(
    session: DbSession, admin: User, department_id: int, refusal: str
) -> Department:
    """The department a form names, if this admin may manage it (403 with `refusal`)."""
    if not service.can_manage_department(admin, department_id):
        raise Forbidden(refusal)
    department = queries.department(session, department_id)
    if department is None:
        raise Invalid(_("No such department."), field="department_id")
    return department


@router.get("/console/departments")
def departments(request: Request, session: DbSession, user: CurrentUser) -> Response:
    return render(
        request, "identity/departments.html", {"departments": service.list_departments(session)}
    )


@router.get("/console/users")
def users(request: Request, session: DbSession, admin: Admin) -> Response:
    managed = _managed_departments(session, admin)
    rows = queries.users_of(session, managed)
    return render(
        request, "identity/users.html", {"users": rows, "departments": managed, "roles": list(Role)}
    )


@router.post("/console/users")
def create_user(
    request: Request,
    session: DbSession,
    admin: Admin,
    username: Annotated[str, Form()],
    display_name: Annotated[str, Form()],
    password: Annotated[str, Form()],
    department_id: Annotated[Id, Form()],
    roles: Annotated[list[Role], Form()],
) -> Response:
    refusal = _("You may only manage users of your own department.")
    department = _department_to_manage(session, admin, department_id, refusal)
    if Role.platform_admin in roles and not admin.is_platform_admin:
        raise Forbidden(_("Only a platform administrator can grant that role."))
    service.create_user(
        session,
        username=username,
        display_name=display_name,
        password=password,
        department=department,
        roles=roles,
        by=service.actor_for_user(admin),
    )
    return redirect("/console/users", request, _("User %(name)s created.", name=username))


@router.get("/console/clients")
def clients(request: Request, session: DbSession, admin: Admin) -> Response:
    managed = _managed_departments(session, admin)
    rows = queries.clients_of(session, managed)
    return render(
        request,
        "identity/clients.html",
        {"clients": rows, "departments": managed, "scopes": service.SCOPES},
    )


@router.post("/console/clients")
def create_client(
    request: Request,
    session: DbSession,
    admin: Admin,
    code: Annotated[str, Form()],
    name: Annotated[str, Form()],
    department_id: Annotated[Id, Form()],
    scopes: Annotated[list[str], Form()],
) -> Response:
    refusal = _("You may only manage clients of your own department.")
    department = _department_to_manage(session, admin, department_id, refusal)
    issued = service.create_client(
        session,
        code=code,
        name=name,
        department=department,
        scopes=scopes,
        by=service.actor_for_user(admin),
    )
    # The key is shown on this response only; it is never stored or shown again.
    return render(
        request,
        "identity/client_created.html",
        {"client": issued.client, "api_key": issued.api_key},
    )


@router.post("/console/clients/{code}/revoke")
def revoke_client(request: Request, session: DbSession, admin: Admin, code: str) -> Response:
    client = service.client_by_code(session, code)
    if not service.can_manage_department(admin, client.department_id):
        raise Forbidden(_("You may only manage clients of your own department."))
    service.revoke_client(session, client, service.actor_for_user(admin))
    return redirect("/console/clients", request, _("Client %(code)s revoked.", code=code))


def _stories(session: Session) -> dict[str, str]:
    """The featured residents' stories, stored in English by the seeder, in the reader's
    language (the message catalogue holds each in Chinese)."""
    return {k: _(v) for k, v in queries.demo_stories(session).items()}
