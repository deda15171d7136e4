"""Publishing and snapshots: rows land in a generation, a refresh swaps atomically."""

from __future__ import annotations

import sqlite3

from sqlalchemy import select

from onceonly.opendata import service
from onceonly.opendata.models import Dataset, Snapshot, SnapshotStatus
from onceonly.opendata.publishing import store
from onceonly.opendata.publishing.rows import RowQuery, snapshot_for
from onceonly.opendata.publishing.snapshots import refresh

from .conftest import SHOPS, SYSTEM, OpenFixture


def test_publish_and_snapshot(opendata: OpenFixture) -> None:
    with opendata.db.session() as session:
        shops = service.get_dataset(session, opendata.shops)
        assert shops.generation == 1 and shops.row_count == SHOPS
        assert shops.last_updated is not None and shops.next_refresh_at is not None
        tiny = service.get_dataset(session, opendata.tiny)
        assert tiny.row_count == 3
        snapshot = snapshot_for(opendata.settings.data_dir, opendata.shops, shops.generation)
    _names, rows, total = snapshot.page(RowQuery(filters=[("district", "eq", "西湖区")], limit=5))
    assert total == len([i for i in range(SHOPS) if i % 4 == 1]) and len(rows) == 5
    assert store.parquet_path(opendata.settings.data_dir, opendata.shops, 1).is_file()


def test_refresh_makes_a_new_generation_and_prunes_old_ones(opendata: OpenFixture) -> None:
    for _ in range(2):
        assert refresh(opendata.db, opendata.settings, opendata.shops, SYSTEM).ok
    with opendata.db.session() as session:
        dataset = service.get_dataset(session, opendata.shops)
        assert dataset.generation == 3
        done = session.scalars(
            select(Snapshot.generation).where(
                Snapshot.dataset_id == dataset.id, Snapshot.status == SnapshotStatus.DONE
            )
        ).all()
    assert sorted(done) == [1, 2, 3]
    root = store.dataset_dir(opendata.settings.data_dir, opendata.shops)
    assert sorted(p.name for p in root.iterdir()) == ["g000002", "g000003"]


def test_failed_pull_keeps_readers_on_the_old_generation(opendata: OpenFixture) -> None:
    source = opendata.settings.data_dir / "open-test-source.db"
    conn = sqlite3.connect(source)
    conn.execute("DROP TABLE shops")
    conn.commit()
    conn.close()
    result = refresh(opendata.db, opendata.settings, opendata.shops, SYSTEM)
    # The connector reports the failure without the provider's internals (no table name).
    assert not result.ok and result.error and "shops" not in result.error
    with opendata.db.session() as session:
        dataset = session.scalar(select(Dataset).where(Dataset.generation == 1).limit(1))
        shops = service.get_dataset(session, opendata.shops)
        assert dataset is not None and shops.generation == 1 and shops.last_error
        statuses = session.scalars(
            select(Snapshot.status).where(Snapshot.dataset_id == shops.id).order_by(Snapshot.id)
        ).all()
    assert statuses == [SnapshotStatus.DONE, SnapshotStatus.FAILED]
    root = store.dataset_dir(opendata.settings.data_dir, opendata.shops)
    assert [p.name for p in root.iterdir()] == ["g000001"]  # the half-built one is gone


def test_quality_flags(opendata: OpenFixture) -> None:
    with opendata.db.session() as session:
        flags = {(f.dataset_code, f.flag) for f in service.quality_report(session)}
        dataset = service.get_dataset(session, opendata.shops)
        dataset.last_updated = dataset.last_updated.replace(year=2000)  # type: ignore[union-attr]
        session.flush()
        stale = {(f.dataset_code, f.flag) for f in service.quality_report(session)}
    assert ("test.tiny", "empty") in flags
    assert ("test.shops", "undescribed_fields") in flags
    assert ("test.shops", "stale") not in flags
    assert ("test.shops", "stale") in stale
