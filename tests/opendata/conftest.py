"""Open data fixtures: department sources we create, registered as open resources."""

from __future__ import annotations

import csv
import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from onceonly.catalog import service as catalog
from onceonly.catalog.models import OpenClass, Resource
from onceonly.catalog.schemas import FieldIn, ResourceIn
from onceonly.core.actors import Actor
from onceonly.core.db import Database
from onceonly.core.settings import Settings
from onceonly.identity.models import Department, User
from onceonly.identity.service import actor_for_user
from onceonly.opendata import service
from onceonly.opendata.models import Dataset, OpenDataApplication, Snapshot
from onceonly.opendata.publishing.snapshots import refresh

SYSTEM = Actor("system", "test", "test")
SHOPS = 250
DISTRICTS = ["上城区", "西湖区", "滨江区", "拱墅区"]


@dataclass
class OpenFixture:
    db: Database
    settings: Settings
    shops: str = "test.shops"
    visits: str = "test.visits"
    tiny: str = "test.tiny"


def _make_sources(data_dir: Path) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "open-test-source.db"
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE shops (shop_no TEXT PRIMARY KEY, name TEXT, district TEXT, opened TEXT,"
        " employees INTEGER, rating REAL, licensed INTEGER)"
    )
    start = date(2020, 1, 1)
    conn.executemany(
        "INSERT INTO shops VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (
                f"S{i:05d}",
                f"{'茶馆' if i % 5 == 0 else 'Bakery'} No. {i}",
                DISTRICTS[i % 4],
                (start + timedelta(days=i)).isoformat(),
                i % 40,
                round(3 + (i % 20) / 10, 1),
                i % 3 != 0,
            )
            for i in range(SHOPS)
        ],
    )
    conn.execute("CREATE TABLE visits (visit_no TEXT, clinic TEXT, visits INTEGER)")
    conn.executemany(
        "INSERT INTO visits VALUES (?, ?, ?)", [(f"V{i}", f"Clinic {i % 7}", i) for i in range(60)]
    )
    conn.commit()
    conn.close()
    with (data_dir / "tiny.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["year", "total"])
        writer.writerows([[2022, 10], [2023, 12], [2024, 15]])
    return path


def withdraw_demo_open_data(session) -> None:  # type: ignore[no-untyped-def]
    """These tests exercise open data on their own sources: the demo province's open
    resources are withdrawn (made not open) and its datasets and applications removed,
    so that every list and count below is the tests' own."""
    session.execute(delete(OpenDataApplication))
    session.execute(delete(Snapshot))
    session.execute(delete(Dataset))
    session.execute(
        update(Resource)
        .where(Resource.open_class != OpenClass.NOT_OPEN)
        .values(open_class=OpenClass.NOT_OPEN)
    )


def register_open_resources(session, settings: Settings) -> None:
    withdraw_demo_open_data(session)
    source = _make_sources(settings.data_dir)
    amr = session.scalar(select(Department).where(Department.code == "amr"))
    health = session.scalar(select(Department).where(Department.code == "health"))
    url = f"sqlite:///{source}"
    shops = ResourceIn(
        code="test.shops",
        name="Registered shops",
        description="Shops and their licences, by district",
        subject_type="entity",
        key_field="shop_no",
        share_class="unconditional",
        open_class="unconditional",
        update_frequency="daily",
        connector_kind="sql",
        connector_config={"url": url, "table": "shops"},
        tags=["business", "shops"],
        fields=[
            FieldIn(name="shop_no", description="Shop number", sensitivity="public"),
            FieldIn(name="name", description="Shop name", sensitivity="public"),
            FieldIn(name="district", description="District", sensitivity="public"),
            FieldIn(name="opened", type="date", description="Opening day", sensitivity="public"),
            FieldIn(name="employees", type="integer", description="Staff", sensitivity="public"),
            FieldIn(name="rating", type="number", description="", sensitivity="public"),
            FieldIn(name="licensed", type="boolean", description="Licensed", sensitivity="public"),
        ],
    )
    visits = ResourceIn(
        code="test.visits",
        name="Clinic visits",
        description="Visits per clinic",
        subject_type="other",
        key_field="visit_no",
        share_class="conditional",
        open_class="conditional",
        update_frequency="monthly",
        connector_kind="sql",
        connector_config={"url": url, "query": "SELECT visit_no, clinic, visits FROM visits"},
        fields=[
            FieldIn(name="visit_no", description="Visit", sensitivity="internal"),
            FieldIn(name="clinic", description="Clinic", sensitivity="internal"),
            FieldIn(name="visits", type="integer", description="Visits", sensitivity="internal"),
        ],
    )
    tiny = ResourceIn(
        code="test.tiny",
        name="Yearly totals",
        subject_type="other",
        key_field="year",
        share_class="unconditional",
        open_class="unconditional",
        update_frequency="yearly",
        connector_kind="file",
        connector_config={"path": "tiny.csv"},
        fields=[
            FieldIn(name="year", type="integer", description="Year", sensitivity="public"),
            FieldIn(name="total", type="integer", description="Total", sensitivity="public"),
        ],
    )
    catalog.register_resource(session, shops, amr, SYSTEM)
    catalog.register_resource(session, visits, health, SYSTEM)
    catalog.register_resource(session, tiny, amr, SYSTEM)


@pytest.fixture
def od_settings(demo_settings: Settings, tmp_path: Path) -> Settings:
    # On PostgreSQL the demo's data_dir is shared by the run; snapshots get their own.
    return demo_settings.model_copy(update={"data_dir": tmp_path / "od-data"})


@pytest.fixture
def opendata(demo_db, od_settings: Settings) -> OpenFixture:
    """Three open resources (two public, one on application), published and snapshotted."""
    with demo_db.session() as session:
        register_open_resources(session, od_settings)
        service.publish_all_open(session, SYSTEM)
    for code in ("test.shops", "test.visits", "test.tiny"):
        result = refresh(demo_db, od_settings, code, SYSTEM)
        assert result.ok, result.error
    return OpenFixture(demo_db, od_settings)


@pytest.fixture
def od_client(opendata: OpenFixture):
    from fastapi.testclient import TestClient

    from onceonly.app import create_app

    with TestClient(create_app(opendata.settings, opendata.db)) as test_client:
        yield test_client


def staff(session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    assert user is not None, username
    return user


def staff_actor(session, username: str) -> Actor:
    return actor_for_user(staff(session, username))
