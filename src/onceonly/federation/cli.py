"""`onceonly federation …`: name this node, publish and import descriptors, offer and
grant resources to other provinces, list peers and traffic, send a signed query."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from onceonly.core.actors import Actor
from onceonly.core.db import Database
from onceonly.core.settings import get_settings
from onceonly.federation import service
from onceonly.federation.query import client
from onceonly.federation.trust import messages
from onceonly.identity import service as identity

app = typer.Typer(help="Federation with other provinces' platforms.", no_args_is_help=True)
out = Console(stderr=True)
CLI_ACTOR = Actor("system", "cli", "onceonly CLI")


def _db() -> Database:
    return Database(get_settings().database_url)


@app.command("init")
def init(
    node_id: Annotated[str, typer.Option(help="e.g. CN-330000")],
    name: Annotated[str, typer.Option()],
    gateway_url: Annotated[str | None, typer.Option(help="default: ONCEONLY_BASE_URL")] = None,
) -> None:
    """Name this node (its id never changes) and make its signing key."""
    with _db().session() as session:
        node = service.init_node(
            session, node_id, name, gateway_url or get_settings().base_url, CLI_ACTOR
        )
    out.print(f"this node is {node.node_id} at {node.gateway_url}")


@app.command("descriptor")
def descriptor(output: Annotated[Path | None, typer.Option("--output", "-o")] = None) -> None:
    """Print (or write) this node's signed descriptor, and its key's fingerprint on stderr:
    tell the peer's operator the fingerprint by another channel."""
    with _db().session() as session:
        document = service.descriptor(session)
        fingerprint = messages.thumbprint(messages.current_key(session).public_jwk)
    if output is None:
        typer.echo(document)
    else:
        output.write_text(document)
    out.print(f"key fingerprint: {fingerprint}")


@app.command("import")
def import_(
    source: Annotated[str, typer.Argument(help="a descriptor file, or the peer's http(s) URL")],
    fingerprint: Annotated[str | None, typer.Option(help="the peer's key fingerprint")] = None,
) -> None:
    """Import (or refresh) a peer's descriptor: its gateway, keys, offers, licence issuers."""
    if source.startswith(("http://", "https://")):
        document = service.fetch_descriptor(source)
    else:
        path = Path(source)
        if not path.is_file():
            raise typer.BadParameter(f"no such file: {source}", param_hint="SOURCE")
        document = path.read_text()
    with _db().session() as session:
        peer = service.import_descriptor(session, document, CLI_ACTOR, fingerprint)
        line = f"peer {peer.node_id} ({peer.name}) at {peer.gateway_url}: "
        line += f"{len(peer.resources)} resources offered"
    out.print(line)


@app.command("offer")
def offer(
    resource: str,
    fields: Annotated[str | None, typer.Option(help="comma-separated; default: all")] = None,
) -> None:
    """Offer a local resource to other provinces (its share class must allow it)."""
    names = [f.strip() for f in fields.split(",")] if fields else None
    with _db().session() as session:
        row = service.offer(session, resource, names, CLI_ACTOR)
        out.print(f"offered {row.resource_code}: {', '.join(row.fields)}")


@app.command("grant")
def grant(
    peer: str,
    resource: str,
    purpose: Annotated[str, typer.Option(help="the purpose the peer's queries must name")],
    fields: Annotated[
        str | None, typer.Option(help="comma-separated; default: all offered")
    ] = None,
    days: Annotated[int, typer.Option(min=1, max=3650)] = 365,
) -> None:
    """Grant a peer an offered resource for one purpose (the providing side's review)."""
    with _db().session() as session:
        names = [f.strip() for f in fields.split(",")] if fields else service.offered(
            session, resource).fields  # fmt: skip
        row = service.grant(session, peer, resource, names, purpose, CLI_ACTOR, days=days)
        out.print(f"grant {row.id}: {peer} may read {resource} for “{purpose}”")


@app.command("peers")
def peers() -> None:
    """The peers, their offers, and the traffic both ways."""
    with _db().session() as session:
        table = Table("peer", "name", "gateway", "offers", "imported")
        for peer in service.peers(session):
            table.add_row(peer.node_id, peer.name, peer.gateway_url,
                          ", ".join(str(r.get("code")) for r in peer.resources),
                          f"{peer.imported_at:%Y-%m-%d %H:%M}")  # fmt: skip
        traffic = Table("peer", "direction", "answered", "refused/failed", "mean ms")
        for t in service.traffic(session):
            traffic.add_row(t.peer_node, t.direction, str(t.ok), str(t.refused), f"{t.avg_ms:.1f}")
    out.print(table)
    out.print(traffic)


@app.command("query")
def query(
    peer: str,
    resource: str,
    subject: Annotated[str, typer.Option(help="the subject's ID number or credit code")],
    purpose: Annotated[str, typer.Option()],
    department: Annotated[str, typer.Option(help="the asking department's code")] = "dsb",
    case_ref: Annotated[str, typer.Option()] = "",
) -> None:
    """Send a signed query to a peer and print the verified answer as JSON."""
    with _db().session() as session:
        dept = identity.department_by_code(session, department)
        answer = client.query(session, peer, resource, subject_key=subject, purpose=purpose,
                              case_ref=case_ref, department=dept, actor=CLI_ACTOR)  # fmt: skip
        typer.echo(json.dumps({"peer": peer, "fields": answer.fields, "rows": answer.rows},
                              ensure_ascii=False, indent=2))  # fmt: skip


@app.command("prune")
def prune() -> None:
    """Drop the nonces of requests that have expired (run it from cron, e.g. hourly)."""
    from onceonly.federation.tasks import prune_nonces

    out.print(f"dropped {prune_nonces(_db())} expired nonces")


@app.command("accept-cases")
def accept_cases(
    peer: Annotated[str, typer.Argument(help="the peer's node id, e.g. CN-330000")],
    basic_code: Annotated[str, typer.Argument(help="the cross-region item's basic code")],
) -> None:
    """Take routed 跨省通办 cases of one item from a peer (the home province's review)."""
    from onceonly.federation.cases import home

    with _db().session() as session:
        home.accept_cases(session, peer, basic_code.strip(), CLI_ACTOR)
    out.print(f"{peer} may route item {basic_code} here")


@app.command("cases")
def cases() -> None:
    """Send routed cases still waiting, and decisions still to report (as the job does)."""
    from onceonly.federation.tasks import exchange_cases

    out.print(exchange_cases(_db()))


@app.command("refresh")
def refresh() -> None:
    """Re-fetch every peer's descriptor now and check it against the pinned keys."""
    from onceonly.federation.trust.refresh import refresh_peers

    for node, status in refresh_peers(_db()).items():
        out.print(f"{node}: {status}")
