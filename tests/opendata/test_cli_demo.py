"""The CLI (publish with progress, list, quality, refresh-due) and the demo seed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rich.console import Console
from sqlalchemy import select
from typer.testing import CliRunner

from onceonly.core.db import Database
from onceonly.core.meta import get_meta
from onceonly.core.settings import Settings, get_settings
from onceonly.demo.generator import CORE_STEP, demo_context
from onceonly.opendata import demo, service
from onceonly.opendata.cli import app
from onceonly.opendata.models import ApplicationStatus, OpenDataApplication
from onceonly.opendata.requests import applications

from .conftest import SHOPS, register_open_resources, withdraw_demo_open_data


@pytest.fixture
def cli_env(
    demo_db: Database, od_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    monkeypatch.setenv("ONCEONLY_DATABASE_URL", od_settings.database_url)
    monkeypatch.setenv("ONCEONLY_DATA_DIR", str(od_settings.data_dir))
    get_settings.cache_clear()
    with demo_db.session() as session:
        register_open_resources(session, od_settings)
    yield
    get_settings.cache_clear()


def test_cli_publish_list_quality(cli_env: None, demo_db: Database) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["publish", "test.shops"])
    assert result.exit_code == 0, result.output
    assert f"test.shops: generation 1, {SHOPS} rows" in result.output
    result = runner.invoke(app, ["publish", "--all"])
    assert result.exit_code == 0, result.output
    assert "test.tiny: generation 1, 3 rows" in result.output
    assert "test.shops: generation 2" in result.output
    listed = runner.invoke(app, ["list"])
    assert (
        listed.exit_code == 0
        and "test.visits" in listed.output
        and "on application" in listed.output
    )
    quality = runner.invoke(app, ["quality"])
    assert "test.tiny\tamr\tempty\t3 rows" in quality.output
    due = runner.invoke(app, ["refresh-due"])
    assert due.exit_code == 0 and "0 due, 0 failed" in due.output
    assert runner.invoke(app, ["publish", "ps.nothing"]).exit_code != 0
    assert runner.invoke(app, ["publish"]).exit_code != 0


def test_demo_seed_publishes_and_files_applications(cli_env: None, demo_db: Database) -> None:
    settings = get_settings()
    with demo_db.session() as session:
        ctx = demo_context(session, settings, Console(quiet=True), get_meta(session, CORE_STEP))
        demo.seed(ctx)
    with demo_db.session() as session:
        datasets = {d.resource.code: d for d in service.list_datasets(session)}
        assert datasets["test.shops"].row_count == SHOPS and datasets["test.visits"].generation == 1
        statuses = session.scalars(select(OpenDataApplication.status)).all()
        assert sorted(statuses) == sorted(s for s, _, _ in demo.PLAN)
        assert len(applications.overdue(session, today=ctx.today)) >= 1
        assert ApplicationStatus.REFUSED in statuses


def test_demo_seed_skips_without_open_resources(demo_db: Database, od_settings: Settings) -> None:
    with demo_db.session() as session:
        withdraw_demo_open_data(session)
    with demo_db.session() as session:
        ctx = demo_context(session, od_settings, Console(quiet=True), get_meta(session, CORE_STEP))
        demo.seed(ctx)
        assert service.list_datasets(session) == []
