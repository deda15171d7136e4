"""Figures: rates computed from known appeals, and a demo year that ranks departments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from onceonly.appeals import service
from onceonly.appeals.desk import figures
from onceonly.appeals.models import Appeal
from onceonly.appeals.workflow import ratings
from onceonly.core.actors import Actor
from onceonly.identity.models import Person

from .conftest import staff_actor

START = datetime(2030, 3, 4, 2, 0, tzinfo=UTC)


def test_rates_from_known_appeals(demo_db) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        person = session.scalars(select(Person).order_by(Person.id)).first()
        staff = staff_actor(session, "cg.admin")
        made = []
        for n in range(4):
            intake = service.Intake(
                category_code="refuse" if n < 3 else "street-light",
                description=f"case {n}",
                channel="portal",
                address="湖滨区",
                region_code="330105",
                person_id=person.id,
            )
            made.append(service.submit(session, intake, Actor.system("t"), now=START))
        for appeal in made[:3]:
            service.accept(session, appeal, staff)
        service.reply(session, made[0], staff, "done")
        service.reply(session, made[1], staff, "done")
        made[1].on_time = False  # as if answered late
        ratings.rate(session, made[0], person.id, 5, Actor.system("t"))
        ratings.rate(session, made[1], person.id, 1, Actor.system("t"))
        session.flush()
        rows = figures.compute(session, START, START + timedelta(days=1))
        [refuse] = [r for r in rows if r.category == "refuse"]
        assert (refuse.accepted, refuse.completed, refuse.on_time) == (3, 2, 1)
        assert refuse.completion_rate == pytest.approx(2 / 3)
        assert refuse.on_time_rate == pytest.approx(0.5)
        assert refuse.satisfaction_rate == pytest.approx(0.5)
        assert refuse.first_response_hours is not None and refuse.handling_hours is not None
        assert not [r for r in rows if r.category == "street-light"]  # never accepted
        [whole] = figures.ranking(session, START, START + timedelta(days=1))
        assert whole.score == pytest.approx(round((2 / 3 + 0.5 + 0.5) / 3 * 100, 1))
        text = figures.to_csv(rows)
        assert text.splitlines()[0].startswith("department,category,accepted")
        assert "66.7" in text


def test_the_demo_year_gives_a_spread(demo_db) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        total = session.scalar(select(func.count()).select_from(Appeal)) or 0
        assert total >= 60
        months = {
            a.astimezone(UTC).strftime("%Y-%m")
            for a in session.scalars(select(Appeal.requested_at))
        }
        assert len(months) >= 10  # spread over the year
        end = datetime.now(UTC) + timedelta(days=1)
        ranking = figures.ranking(session, end - timedelta(days=400), end)
        assert len(ranking) >= 4
        assert len({r.score for r in ranking}) > 1
        assert any((r.on_time_rate or 1) < 1 for r in ranking)
        assert all(0 <= (r.completion_rate or 0) <= 1 for r in ranking)
        statuses = set(session.scalars(select(Appeal.status).distinct()))
        assert {"closed", "accepted"} <= statuses
