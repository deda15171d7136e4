"""`onceonly licences …`: bulk issue, status changes, key rotation; `onceonly trust …`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from onceonly.audit.service import Event, record
from onceonly.core.actors import Actor
from onceonly.core.db import Database
from onceonly.core.settings import get_settings
from onceonly.exchange.connectors.sources import source_url
from onceonly.licences import bulk, service
from onceonly.licences.credentials import keys, trust
from onceonly.licences.presentation import service as verifiers

COMMAND_NAME = "licences"
app = typer.Typer(help="Electronic licences (SD-JWT VC).", no_args_is_help=True)
trust_app = typer.Typer(help="Trust lists for mutual recognition.", no_args_is_help=True)
app.add_typer(trust_app, name="trust")
# `onceonly trust export|import` as the mutual-recognition docs say; same group.
EXTRA_COMMANDS = {"trust": trust_app}
out = Console(stderr=True)
CLI_ACTOR = Actor("system", "cli", "onceonly CLI")


def _db() -> Database:
    return Database(get_settings().database_url)


@app.command("types")
def list_types() -> None:
    """The licence types this platform knows."""
    from onceonly.licences.kinds import LICENCE_TYPES

    for kind in LICENCE_TYPES.values():
        typer.echo(f"{kind.code}\t{kind.name}\t{kind.issuer_kind}\t{', '.join(kind.selective())}")


@app.command("issue-bulk")
def issue_bulk(
    type_code: str,
    issuer: Annotated[str, typer.Option(help="issuing department code")],
    source: Annotated[
        str | None,
        typer.Option(help="source SQLAlchemy URL (default: the deployment's source of that code)"),
    ] = None,
    batch: int = 1000,
) -> None:
    """Issue one licence per source row; safe to rerun after a crash (no duplicates)."""
    settings = get_settings()
    plan = bulk.PLANS.get(type_code)
    if plan is None:
        raise typer.BadParameter(f"no bulk source for {type_code}; one of {', '.join(bulk.PLANS)}")
    url = source or source_url(settings, plan.source)
    total = bulk.count_source(plan, url)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=out) as progress:
        task = progress.add_task(f"{type_code} ← {plan.source}.{plan.table}", total=total)
        issued = bulk.issue_bulk(
            _db(),
            type_code,
            issuer,
            url,
            CLI_ACTOR,
            batch,
            progress=lambda rows, _done: progress.advance(task, rows),
        )
    out.print(f"issued {issued} new licences from {total} source rows")


@app.command("status")
def change_status(
    serial: str,
    action: Annotated[str, typer.Argument(help="revoke, suspend or resume")],
    reason: str = "",
) -> None:
    """Revoke, suspend or resume one licence."""
    with _db().session() as session:
        licence = service.change_status(session, serial, action, CLI_ACTOR, reason)
        typer.echo(f"{licence.serial}: {licence.status}")


@app.command("rotate-key")
def rotate_key(department: str) -> None:
    """Give an issuer a new signing key; licences signed with the old one stay valid."""
    with _db().session() as session:
        dept = service.department_by_code(session, department)
        row = keys.create_key(session, dept.id)
        record(session, Event("licence.key_rotated", CLI_ACTOR, "issuer_key", row.kid))
        typer.echo(f"{dept.code}: new key {row.kid} ({row.alg}); earlier keys stay in the JWKS")


@trust_app.command("export")
def trust_export(
    output: Annotated[Path, typer.Option("--output", "-o")],
    key_output: Annotated[Path | None, typer.Option(help="also write the platform's JWK")] = None,
) -> None:
    """Write this platform's issuers as a signed trust list (compact JWS)."""
    with _db().session() as session:
        output.write_text(trust.export_list(session))
        if key_output is not None:
            key_output.write_text(json.dumps(trust.platform_jwk(session)))
    out.print(f"wrote {output}")


@trust_app.command("import")
def trust_import(
    document: Path,
    key: Annotated[Path, typer.Option(help="the exporting platform's public JWK (JSON)")],
) -> None:
    """Recognise the issuers of a trust list signed by another region's platform."""
    with _db().session() as session:
        stored = trust.import_list(
            session, document.read_text(), json.loads(key.read_text()), CLI_ACTOR
        )
    out.print(f"recognised {len(stored)} issuers")


@app.command("verifier-add")
def verifier_add(
    client_id: Annotated[str, typer.Argument(help="the verifier's client id (its `aud`)")],
    name: Annotated[str, typer.Argument(help="the name holders see")],
    response_uri: Annotated[str, typer.Option(help="where presentations are posted")],
    redirect_uri: Annotated[str, typer.Option(help="where a same-device holder returns")] = "",
) -> None:
    """Register a verifier that asks holders for presentations; prints its key once."""
    with _db().session() as session:
        _, key = verifiers.register(session, client_id, name, response_uri, redirect_uri)
    typer.echo(key)
