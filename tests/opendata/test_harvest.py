"""`onceonly opendata harvest URL`: our own running portal harvested into a second
database, as DCAT (Turtle) and through the CKAN API, by the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

import onceonly
from onceonly.core.actors import Actor
from onceonly.core.db import Database
from onceonly.core.errors import Problem
from onceonly.core.settings import Settings
from onceonly.identity.models import RegionLevel
from onceonly.identity.service import add_department, add_region
from onceonly.opendata.ckan.harvest import harvest
from onceonly.opendata.ckan.models import CkanPackage, HarvestSource

from .test_ckan import base  # noqa: F401 (the running server)


def _harvest(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(onceonly.__file__).parents[1]),
        "ONCEONLY_DATABASE_URL": settings.database_url,
        "ONCEONLY_DATA_DIR": str(settings.data_dir),
    }
    command = [sys.executable, "-m", "onceonly", "opendata", "harvest", *args, "-o", "other"]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def _active(db: Database) -> dict[str, int]:
    with db.session() as session:
        rows = session.execute(
            select(HarvestSource.kind, func.count(CkanPackage.id))
            .join(CkanPackage, CkanPackage.harvest_source_id == HarvestSource.id)
            .where(CkanPackage.state == "active")
            .group_by(HarvestSource.kind)
        )
        return {kind: count for kind, count in rows}


def test_harvest_dcat_and_ckan_into_another_database(
    base: str,  # noqa: F811
    db: Database,
    settings: Settings,
) -> None:
    with db.session() as session:
        add_region(session, "990000", "Other province", RegionLevel.province)
        add_department(
            session, code="other", name="Other portal", kind="data", region_code="990000"
        )

    dcat = _harvest(settings, f"{base}/api/opendata/catalog.ttl")
    assert dcat.returncode == 0, dcat.stderr
    assert "dcat: 3 new" in dcat.stderr  # the DCAT catalog lists test.visits too
    with db.session() as session:  # the same, in process: through the CKAN API, twice
        ckan = harvest(session, base, "other", Actor.system("test"), lambda n, total: None)
    assert (ckan.kind, ckan.created) == ("ckan", 2)
    with db.session() as session:
        again = harvest(session, base, "other", Actor.system("test"), lambda n, total: None)
    assert (again.created, again.updated, again.withdrawn) == (0, 2, 0)  # idempotent
    assert _active(db) == {"dcat": 3, "ckan": 2}
    with db.session() as session:
        shops = session.scalar(select(CkanPackage).where(CkanPackage.name == "test.shops"))
        assert shops is not None and shops.title == "Registered shops"
        assert {r.format for r in shops.resources} >= {"CSV", "JSON"}

    failed = _harvest(settings, "http://127.0.0.1:9/nothing")
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert (
        failed.stderr.strip().splitlines()[-1].startswith("error: cannot fetch http://127.0.0.1:9")
    )
    for bad in (f"{base}/api/opendata/datasets", f"{base}/openapi.json", "ftp://x"):
        with db.session() as session, pytest.raises(Problem):
            harvest(session, bad, "other", Actor.system("test"), lambda n, total: None)
