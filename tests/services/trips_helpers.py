"""Shared set-up for the visits and payments tests: an ID card application (a visit and
a fee) for the demo's new mother."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from onceonly.core.db import Database
from onceonly.core.settings import Settings
from onceonly.services.applications import starting
from onceonly.services.demo import basic_code
from onceonly.services.items.demo_items import ITEMS
from onceonly.services.models import Application, ServiceItem
from tests.services.test_applications import applicant, featured


def item_code(session: Any, dept: str, seq: int) -> str:
    spec = next(s for s in ITEMS if (s.dept, s.seq) == (dept, seq))
    code = session.scalar(
        select(ServiceItem.code).where(
            ServiceItem.basic_code == basic_code(spec), ServiceItem.template_id.is_(None)
        )
    )
    assert code is not None
    return str(code)


def id_card_code(session: Any) -> str:
    return item_code(session, "ps", 2)  # 居民身份证首次申领: one visit, a 20 yuan fee


def start_id_card(session: Any, settings: Settings, db: Database | None = None) -> Application:
    mother = featured(session, "new mother")
    return starting.start(
        session,
        applicant(mother),
        item_code=id_card_code(session),
        settings=settings,
        db=db,
        again=True,
    )
