"""`onceonly users …` and `onceonly clients …`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from onceonly.core.actors import Actor
from onceonly.core.db import Database
from onceonly.core.errors import NotFound
from onceonly.core.settings import get_settings
from onceonly.identity import service
from onceonly.identity.models import Client, Role, User

users_app = typer.Typer(help="Staff users.", no_args_is_help=True)
clients_app = typer.Typer(help="System clients and their API keys.", no_args_is_help=True)
out = Console()
CLI_ACTOR = Actor("system", "cli", "onceonly CLI")
DepartmentCode = Annotated[str, typer.Option(help="department code")]
# Asked for at the prompt (hidden, typed twice) unless given as --password.
NewPassword = Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)]


def _db() -> Database:
    return Database(get_settings().database_url)


@users_app.command("create")
def create_user(
    username: str,
    department: DepartmentCode,
    name: Annotated[str, typer.Option(help="display name")],
    role: Annotated[list[Role], typer.Option(help="repeat for several")],
    password: NewPassword,
    email: str = "",
) -> None:
    """Create a staff user with roles in a department."""
    with _db().session() as session:
        dept = service.department_by_code(session, department)
        user = service.create_user(
            session,
            username=username,
            display_name=name,
            password=password,
            department=dept,
            roles=role,
            by=CLI_ACTOR,
            email=email,
        )
        out.print(f"user {user.username} created in {dept.name}")


@users_app.command("password")
def set_password(
    username: str,
    password: NewPassword,
) -> None:
    """Set a user's password; the user's open sessions end at once."""
    with _db().session() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"no user {username}")
        ended = service.set_password(session, user, password, CLI_ACTOR)
    out.print(f"password of {username} changed; {ended} session(s) ended")


@clients_app.command("create")
def create_client(
    code: str,
    department: DepartmentCode,
    name: Annotated[str, typer.Option(help="system name")],
    scope: Annotated[list[str], typer.Option(help="repeat for several")],
) -> None:
    """Create a system client; its API key is printed once and never stored."""
    with _db().session() as session:
        dept = service.department_by_code(session, department)
        issued = service.create_client(
            session, code=code, name=name, department=dept, scopes=scope, by=CLI_ACTOR
        )
    out.print(f"client {code} created. API key (shown once, store it now):", highlight=False)
    typer.echo(issued.api_key)


@clients_app.command("revoke")
def revoke_client(code: str) -> None:
    """Revoke a client's key at once."""
    with _db().session() as session:
        service.revoke_client(session, service.client_by_code(session, code), CLI_ACTOR)
    out.print(f"client {code} revoked")


@clients_app.command("rotate")
def rotate_client(code: str) -> None:
    """Give a client a new key; the old one stops working at once."""
    with _db().session() as session:
        key = service.rotate_client_key(session, service.client_by_code(session, code), CLI_ACTOR)
    out.print(f"client {code} has a new key (shown once):")
    typer.echo(key)


@clients_app.command("list")
def list_clients() -> None:
    with _db().session() as session:
        table = Table("code", "department", "scopes", "status")
        for client in session.scalars(select(Client).order_by(Client.code)):
            status = "revoked" if client.revoked_at else "active"
            table.add_row(client.code, client.department.code, " ".join(client.scopes), status)
        out.print(table)
