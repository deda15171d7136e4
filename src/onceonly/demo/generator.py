"""`onceonly seed demo`: the demo province, its departments' sources and residents.

Order: (1) the department sources are (re)created and filled with the population;
(2) the platform's regions, departments, staff and featured residents are written in one
transaction; (3) each domain's `demo.seed` runs in its own transaction. Every finished
step is recorded in `platform_meta`, so a crashed run resumes where it stopped.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from onceonly.audit.log.sequencer import sequence_all
from onceonly.core.actors import Actor
from onceonly.core.calendar import CalendarDay
from onceonly.core.db import Database
from onceonly.core.meta import get_meta, set_meta
from onceonly.core.registry import domain_modules
from onceonly.core.seeding import SeedContext
from onceonly.core.settings import Settings
from onceonly.demo import crossborder, province
from onceonly.demo.holidays import EXTRA_WORKDAYS, HOLIDAYS
from onceonly.demo.population import Batch, Featured, Population
from onceonly.demo.sources import SOURCE_CODES, create_source, source_metadata, source_url
from onceonly.identity import service as identity
from onceonly.identity.models import Department, RegionLevel, Role, User

ACTOR = Actor.system("demo generator")
CORE_STEP = "demo.core"


@dataclass
class Summary:
    people: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    peak_rss_mb: float = 0.0
    steps: list[str] = field(default_factory=list)

    def print(self, console: Console) -> None:
        table = Table("source table", "rows", title="demo province")
        for name, count in sorted(self.rows.items()):
            table.add_row(name, f"{count:,}")
        console.print(table)
        console.print(
            f"{self.people:,} residents in {self.seconds:.1f} s, "
            f"peak memory {self.peak_rss_mb:.0f} MB; steps: {', '.join(self.steps)}"
        )


class SourceWriter:
    """Bulk rows into one department source: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, code: str, engine: Engine) -> None:
        self.code = code
        self.engine = engine
        self.tables = source_metadata(code).tables
        self.counts: dict[str, int] = {}

    def write(self, table: str, rows: Sequence[tuple[object, ...]]) -> None:
        columns = [c.name for c in self.tables[table].columns]
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            if self.engine.dialect.name == "postgresql":
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(columns))
                cursor.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
            raw.commit()
        finally:
            raw.close()
        self.counts[table] = self.counts.get(table, 0) + len(rows)


def demo_is_seeded(db: Database) -> bool:
    with db.session() as session:
        return get_meta(session, CORE_STEP) is not None


def seed_demo(
    db: Database,
    settings: Settings,
    *,
    people: int,
    seed: int,
    console: Console,
    today: date | None = None,
) -> Summary:
    started = time.perf_counter()
    today = today or date.today()
    summary = Summary()
    shape = province.shape(settings.demo_province)
    seed += shape.seed_offset
    with db.session() as session:
        done = get_meta(session, CORE_STEP)
    if done is None:
        featured, summary.people, summary.rows = write_sources(
            db, settings, shape, people=people, seed=seed, today=today, console=console
        )
        with db.session() as session:
            seed_platform(session, featured, shape)
            set_meta(
                session,
                CORE_STEP,
                {
                    "seed": seed,
                    "people": summary.people,
                    "today": today.isoformat(),
                    "featured": [feature_dict(f) for f in featured],
                },
            )
        summary.steps.append("core")
    else:
        summary.people = done["people"]
    summary.steps += run_domain_seeders(db, settings, console)
    # Everything the seeders recorded takes its place in the log, under a signed checkpoint.
    sequence_all(db, settings)
    summary.seconds = time.perf_counter() - started
    summary.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return summary


def write_sources(
    db: Database,
    settings: Settings,
    shape: province.Shape,
    *,
    people: int,
    seed: int,
    today: date,
    console: Console,
) -> tuple[list[Featured], int, dict[str, int]]:
    writers = {
        code: SourceWriter(code, create_source(db.url, settings.data_dir, code))
        for code in SOURCE_CODES
    }
    population = Population(seed, today, shape.counties)
    first = Batch()
    featured = population.featured(first, elder=shape.key == "A")
    featured += crossborder.write(first, shape.key)
    flush(writers, first)
    made = first.people
    columns = (TextColumn("residents"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("residents", total=people)
        progress.update(task, completed=made)
        for batch in population.batches(max(0, people - made)):
            flush(writers, batch)
            made += batch.people
            progress.update(task, completed=min(made, people))
    rows = {f"{code}.{table}": n for code, w in writers.items() for table, n in w.counts.items()}
    for writer in writers.values():
        writer.engine.dispose()
    return featured, made, rows


def flush(writers: dict[str, SourceWriter], batch: Batch) -> None:
    for code, tables in batch.rows.items():
        for table, rows in tables.items():
            writers[code].write(table, rows)


def feature_dict(featured: Featured) -> dict[str, Any]:
    person = featured.person
    return {
        "id_number": person.id_number,
        "name": person.name,
        "story": featured.story,
        "company": list(featured.company) if featured.company else None,
    }


def seed_platform(session: Session, featured: list[Featured], shape: province.Shape) -> None:
    """Regions, departments (province and city), staff accounts, featured residents."""
    code, name, name_en = shape.province
    identity.add_region(session, code, name, RegionLevel.province, name_en=name_en)
    for city_code, city_name, city_en, counties in shape.cities:
        identity.add_region(session, city_code, city_name, RegionLevel.city, code, city_en)
        for county_code, county_name, county_en in counties:
            identity.add_region(
                session, county_code, county_name, RegionLevel.county, city_code, county_en
            )
    session.flush()
    for kind in province.DEPARTMENT_KINDS:
        top = identity.add_department(
            session,
            code=kind.code,
            name=name + kind.name,
            name_en=f"{name_en} {kind.name_en}",
            kind=kind.kind,
            region_code=code,
            phone=kind.phone,
        )
        if kind.city_level:
            for city_code, city_name, city_en, _ in shape.cities:
                identity.add_department(
                    session,
                    code=f"{kind.code}-{city_code}",
                    name=city_name + kind.name,
                    name_en=f"{city_en} {kind.name_en}",
                    kind=kind.kind,
                    region_code=city_code,
                    parent=top,
                    phone=kind.phone,
                )
        if kind.kind not in ("data_bureau", "hotline"):
            for suffix, title, roles in province.STAFF_TEMPLATE:
                identity.create_user(
                    session,
                    username=f"{kind.code}.{suffix}",
                    display_name=kind.name + title,
                    password=province.DEMO_PASSWORD,
                    department=top,
                    roles=[Role(r) for r in roles],
                    by=ACTOR,
                )
    for dept_code, suffix, title, roles in province.PLATFORM_STAFF:
        department = identity.department_by_code(session, dept_code)
        identity.create_user(
            session,
            username=f"{dept_code}.{suffix}",
            display_name=title,
            password=province.DEMO_PASSWORD,
            department=department,
            roles=[Role(r) for r in roles],
            by=ACTOR,
        )
    for item in featured:
        # The mobile number their portal account was verified with (a demo number).
        phone = f"1380{item.person.id_number[-8:-1]}"
        person = identity.upsert_person(
            session, item.person.id_number, item.person.name, phone=phone
        )
        if item.company:
            identity.upsert_entity(
                session, item.company[0], item.company[1], representative=person, region_code=code
            )
    for day, label in HOLIDAYS:
        session.merge(CalendarDay(day=day, is_workday=False, name=label))
    for day, label in EXTRA_WORKDAYS:
        session.merge(CalendarDay(day=day, is_workday=True, name=label))


def demo_context(
    session: Session, settings: Settings, console: Console, core: dict[str, Any]
) -> SeedContext:
    departments = {d.code: d for d in session.scalars(select(Department))}
    provincial = {c: d for c, d in departments.items() if "-" not in c}
    city = {(c.split("-")[0], d.region_code): d for c, d in departments.items() if "-" in c}
    sources = {
        code: source_url(
            str(session.get_bind().engine.url.render_as_string(hide_password=False)),
            settings.data_dir,
            code,
        )
        for code in SOURCE_CODES
    }
    return SeedContext(
        session=session,
        settings=settings,
        seed=core["seed"],
        people=core["people"],
        today=date.fromisoformat(core["today"]),
        data_dir=settings.data_dir,
        departments=provincial,
        city_departments=city,
        sources=sources,
        source_tables=source_metadata,
        featured=core["featured"],
        console=console,
    )


def run_domain_seeders(db: Database, settings: Settings, console: Console) -> list[str]:
    """Each domain's demo data, once; a finished domain is skipped on a re-run."""
    finished: list[str] = []
    for domain, module in domain_modules("demo"):
        step = f"demo.{domain}"
        with db.session() as session:
            if get_meta(session, step) is not None:
                continue
            core = get_meta(session, CORE_STEP)
            module.seed(demo_context(session, settings, console, core))
            set_meta(session, step, {"done": True})
        finished.append(domain)
    return finished


def print_sign_ins(db: Database, console: Console) -> None:
    with db.session() as session:
        core = get_meta(session, CORE_STEP) or {"featured": []}
        users = session.scalars(select(User).order_by(User.department_id, User.username)).all()
        table = Table(
            "staff username",
            "department",
            "roles",
            title=f"staff sign-ins (password: {province.DEMO_PASSWORD})",
        )
        for user in users:
            table.add_row(
                user.username, user.department.name, ", ".join(sorted(r.value for r in user.roles))
            )
    console.print(table)
    residents = Table(
        "resident", "ID number", "story", title="residents (portal → Citizen sign-in → sign in as)"
    )
    for item in core["featured"]:
        residents.add_row(item["name"], item["id_number"], item["story"])
    console.print(residents)
