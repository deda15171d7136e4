"""The demo province: deterministic, valid identifiers, featured residents, resumable."""

from __future__ import annotations

import hashlib
from datetime import date

from rich.console import Console
from sqlalchemy import create_engine, select, text

from onceonly.core.meta import get_meta, set_meta
from onceonly.demo.generator import CORE_STEP, demo_is_seeded, seed_demo
from onceonly.demo.population import Batch, Population, shift_years
from onceonly.demo.sources import SOURCE_CODES, source_metadata, source_url
from onceonly.identity.models import Person, User
from onceonly.identity.validators import is_citizen_id, is_credit_code

TODAY = date(2026, 11, 1)


def _digest(population: Population, people: int) -> str:
    digest = hashlib.sha256()
    first = Batch()
    population.featured(first)
    for batch in [first, *population.batches(people)]:
        for source in sorted(batch.rows):
            for table in sorted(batch.rows[source]):
                for row in batch.rows[source][table]:
                    digest.update(repr(row).encode())
    return digest.hexdigest()


def test_leap_day_births_and_leap_day_today() -> None:
    assert shift_years(date(2000, 2, 29), 22) == date(2022, 2, 28)
    assert shift_years(date(2000, 2, 29), 4) == date(2004, 2, 29)
    population = Population(5, date(2024, 2, 29))  # generating on a leap day works too
    first = Batch()
    population.featured(first)
    assert sum(b.people for b in population.batches(2000)) >= 2000


def test_same_seed_same_rows_other_seed_other_rows() -> None:
    assert _digest(Population(1, TODAY), 500) == _digest(Population(1, TODAY), 500)
    assert _digest(Population(1, TODAY), 500) != _digest(Population(2, TODAY), 500)


def test_every_identifier_is_valid_and_unique() -> None:
    population = Population(3, TODAY)
    first = Batch()
    featured = population.featured(first)
    assert "11010519491231002X" in {f.person.id_number for f in featured}  # published example
    ids: set[str] = set()
    for batch in [first, *population.batches(3000)]:
        for row in batch.rows["ps"]["residents"]:
            assert is_citizen_id(str(row[0])), row[0]
            assert row[0] not in ids
            ids.add(str(row[0]))
        for row in batch.rows["amr"]["companies"]:
            assert is_credit_code(str(row[0])), row[0]
    assert len(ids) >= 3000


def test_seeded_demo_has_sources_staff_and_residents(demo_settings, demo_db) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        assert session.scalar(select(User).where(User.username == "dsb.platform"))
        assert session.scalar(select(Person).where(Person.id_number == "11010519491231002X"))
        assert get_meta(session, CORE_STEP)["people"] >= 300
    for code in SOURCE_CODES:
        engine = create_engine(source_url(demo_settings.database_url, demo_settings.data_dir, code))
        with engine.connect() as conn:
            for table in source_metadata(code).tables:
                conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
        engine.dispose()
    assert demo_is_seeded(demo_db)


def test_seed_resumes_after_the_core_step(settings, db) -> None:  # type: ignore[no-untyped-def]
    seed_demo(db, settings, people=50, seed=1, console=Console(quiet=True), today=TODAY)
    with db.session() as session:
        from onceonly.core.meta import PlatformMeta

        steps = [m.key for m in session.scalars(select(PlatformMeta))]
        for key in steps:
            if key != CORE_STEP:
                session.delete(session.get(PlatformMeta, key))
        set_meta(session, "marker", True)
    again = seed_demo(db, settings, people=50, seed=1, console=Console(quiet=True), today=TODAY)
    assert "core" not in again.steps  # the core was not generated twice
    with db.session() as session:
        assert session.query(User).filter_by(username="dsb.platform").count() == 1
