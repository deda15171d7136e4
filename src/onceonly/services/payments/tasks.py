"""Scheduled payment work: the demo service's callbacks, and the nightly reconciliation."""

from __future__ import annotations

from datetime import date, timedelta

from onceonly.core.calendar import CHINA_TZ
from onceonly.core.db import Database, utcnow
from onceonly.core.settings import Settings
from onceonly.services.payments import demo_provider, reconcile
from onceonly.services.payments.connector import DEFAULT_PROVIDER, connector_for
from onceonly.services.payments.models import Mismatch


def deliver_demo_callbacks(db: Database, settings: Settings) -> int:
    return demo_provider.deliver_callbacks(db, settings)


def reconcile_day(
    db: Database, settings: Settings, day: date | None = None, provider: str = DEFAULT_PROVIDER
) -> list[Mismatch]:
    """Reconcile a day (China time; yesterday by default)."""
    chosen = day or utcnow().astimezone(CHINA_TZ).date() - timedelta(days=1)
    with db.session() as session:
        found = reconcile.reconcile(session, connector_for(provider, settings), chosen)
        session.expunge_all()
    return found
