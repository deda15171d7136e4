"""The `onceonly` command. Domains add their own groups in `<domain>/cli.py`."""

from __future__ import annotations

import base64
import os
import secrets
import sys
from typing import Annotated

import typer
from rich.console import Console

from onceonly.core.db import Database
from onceonly.core.errors import Problem
from onceonly.core.registry import domain_modules
from onceonly.core.settings import Settings, SettingsError, get_settings
from onceonly.identity.cli import clients_app, users_app

app = typer.Typer(
    help="onceonly: let the data run, not the people.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The platform database.", no_args_is_help=True)
seed_app = typer.Typer(help="Fill the database with generated data.", no_args_is_help=True)
keys_app = typer.Typer(help="Platform keys.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(seed_app, name="seed")
app.add_typer(keys_app, name="keys")
app.add_typer(users_app, name="users")
app.add_typer(clients_app, name="clients")

console = Console(stderr=True)


def open_db() -> Database:
    return Database(get_settings().database_url)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or update the schema (safe to run again)."""
    from onceonly.core.migrate import upgrade

    db = open_db()
    upgrade(db)
    console.print(f"database is up to date: {db.engine.url.render_as_string()}")


@db_app.command("revision")
def db_revision(
    message: str,
    head: Annotated[str, typer.Option()] = "heads",
    branch: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Autogenerate a migration from the models (for developers)."""
    from onceonly.core.migrate import revision

    revision(get_settings().database_url, message, head=head, branch_label=branch)


@keys_app.command("new-master")
def new_master() -> None:
    """Print a new master key for ONCEONLY_MASTER_KEY."""
    typer.echo(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())


@seed_app.command("demo")
def seed_demo(
    people: Annotated[int, typer.Option(min=10)] = 10_000,
    seed: Annotated[int, typer.Option()] = 20240601,
) -> None:
    """Generate the demo province: regions, departments, staff, sources, residents."""
    from onceonly.core.migrate import upgrade
    from onceonly.demo.generator import seed_demo as run

    db = open_db()
    upgrade(db)
    summary = run(db, get_settings(), people=people, seed=seed, console=console)
    summary.print(console)


def follow_port(host: str | None, port: int | None) -> Settings:
    """Unless ONCEONLY_BASE_URL is set, the base URL (issuer ids, status list and
    Open311 links) is the address served, so that it follows --host and --port."""
    settings = get_settings()
    if "base_url" not in settings.model_fields_set:
        served = host or settings.host
        served = "127.0.0.1" if served in ("0.0.0.0", "::") else served
        os.environ["ONCEONLY_BASE_URL"] = f"http://{served}:{port or settings.port}"
        get_settings.cache_clear()
        settings = get_settings()
    return settings


@app.command()
def serve(
    host: Annotated[str | None, typer.Option()] = None,
    port: Annotated[int | None, typer.Option()] = None,
    workers: Annotated[int, typer.Option(min=1)] = 1,
) -> None:
    """Serve the platform (ASGI, uvicorn)."""
    import uvicorn

    from onceonly.core.logs import logging_config
    from onceonly.ops.metrics_dir import prepare_metrics_dir

    settings = follow_port(host, port)
    settings.master_key_bytes()  # fail now, with one line, rather than on first request
    if workers > 1:
        prepare_metrics_dir(settings)  # the workers' metrics add up in /metrics
    uvicorn.run(
        "onceonly.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_config=logging_config(json=settings.log_json, level=settings.log_level),
        # A worker imports every domain before it answers the supervisor's ping; on a
        # busy host that takes more than uvicorn's 5 s, and it would kill and restart it.
        timeout_worker_healthcheck=30,
    )


# A second demo province beside the first: its own database, data, port and address.
PROVINCE_B_DEFAULTS = {
    "ONCEONLY_DEMO_PROVINCE": "B",
    "ONCEONLY_DATABASE_URL": "sqlite:///onceonly-b.db",
    "ONCEONLY_DATA_DIR": "onceonly-data-b",
    "ONCEONLY_PORT": "8001",
}


@app.command()
def demo(
    people: Annotated[int, typer.Option(min=10)] = 10_000,
    port: Annotated[int | None, typer.Option()] = None,
    province: Annotated[
        str, typer.Option(help="A (default) or B: a second province, to federate with A")
    ] = "A",
) -> None:
    """Run the demo: SQLite database, demo province on first start, then serve."""
    os.environ.setdefault("ONCEONLY_DEMO_MODE", "true")
    if province.upper() == "B":
        for name, value in PROVINCE_B_DEFAULTS.items():
            os.environ.setdefault(name, value)
        chosen = port or int(os.environ["ONCEONLY_PORT"])
        os.environ.setdefault("ONCEONLY_BASE_URL", f"http://127.0.0.1:{chosen}")
    elif province.upper() != "A":
        raise typer.BadParameter("choose A or B", param_hint="--province")
    elif port is not None:
        os.environ.setdefault("ONCEONLY_BASE_URL", f"http://127.0.0.1:{port}")
    get_settings.cache_clear()
    follow_port(None, port)
    from onceonly.core.migrate import upgrade
    from onceonly.demo.generator import demo_is_seeded, print_sign_ins, seed_demo

    settings = get_settings()
    db = open_db()
    upgrade(db)
    if not demo_is_seeded(db):
        seed_demo(db, settings, people=people, seed=20240601, console=console).print(console)
    print_sign_ins(db, console)
    console.print(f"\n[bold]onceonly is at http://{settings.host}:{port or settings.port}[/]\n")
    db.dispose()
    # The job runner runs inside the demo's process: no extra service to start.
    from onceonly.ops.jobs import Runner

    consumer = Runner(settings).consumer(workers=1)
    consumer.start()
    try:
        serve(host=None, port=port, workers=1)
    finally:
        consumer.stop()


_registered = False


def register_domain_commands() -> typer.Typer:
    """Add every domain's command group (once) and return the root app."""
    global _registered
    if _registered:
        return app
    _registered = True
    for domain, module in domain_modules("cli"):
        if domain == "identity":
            continue  # users and clients are top-level groups, added above
        name = getattr(module, "COMMAND_NAME", domain)
        app.add_typer(module.app, name=name)
        # A domain may also own top-level groups named by a standard (`onceonly trust`).
        for extra, group in getattr(module, "EXTRA_COMMANDS", {}).items():
            app.add_typer(group, name=extra)
    return app


def main() -> None:
    """Entry point: a known failure is one line on stderr and a non-zero exit."""
    try:
        register_domain_commands()
        app()
    except SettingsError as exc:
        console.print(f"[red]configuration error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except Problem as exc:
        console.print(f"[red]error:[/] {exc.detail}", highlight=False, soft_wrap=True)
        sys.exit(1)
