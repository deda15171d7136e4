"""Retention: what the platform keeps about people, and for how long.

Each kind has its period in settings (`ONCEONLY_RETENTION_*_DAYS`). The `ops.retention`
job deletes (or empties) what is older and logs how much, kind by kind. Audit entries
are never deleted here: they are the proof of every use, and their personal detail is
already a keyed hash (`subject_ref`).

| kind | setting | what goes |
| --- | --- | --- |
| exchange call detail | retention_call_days | `exchange_calls` rows (the audit entry stays) |
| notifications | retention_notification_days | portal messages, sent or read |
| abandoned drafts | retention_draft_days | applications never submitted, with materials |
| uploads | retention_upload_days | uploaded scans of finished applications (digest kept) |
| open-data application files | retention_opendata_file_days | decided applications' token |
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from onceonly.core.db import Database, utcnow
from onceonly.core.settings import Settings
from onceonly.exchange.models import ExchangeCall
from onceonly.opendata.models import OpenDataApplication
from onceonly.services.models import (
    Application,
    ApplicationEvent,
    ApplicationMaterial,
    ApplicationStatus,
    Notification,
)

log = logging.getLogger("onceonly.retention")


@dataclass
class Enforced:
    removed: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        return ", ".join(f"{kind}: {n}" for kind, n in self.removed.items())


def cutoffs(settings: Settings, now: datetime | None = None) -> dict[str, datetime]:
    now = now or utcnow()
    return {
        "calls": now - timedelta(days=settings.retention_call_days),
        "notifications": now - timedelta(days=settings.retention_notification_days),
        "drafts": now - timedelta(days=settings.retention_draft_days),
        "uploads": now - timedelta(days=settings.retention_upload_days),
        "opendata_files": now - timedelta(days=settings.retention_opendata_file_days),
    }


def enforce(db: Database, settings: Settings, now: datetime | None = None) -> Enforced:
    """Apply every retention period once; each kind in its own transaction."""
    cut = cutoffs(settings, now)
    done = Enforced()
    with db.session() as session:
        result = session.execute(delete(ExchangeCall).where(ExchangeCall.at < cut["calls"]))
        done.removed["calls"] = result.rowcount  # type: ignore[attr-defined]
    with db.session() as session:
        result = session.execute(
            delete(Notification).where(
                Notification.created_at < cut["notifications"],
                Notification.email_state.not_like("pending%"),
            )
        )
        done.removed["notifications"] = result.rowcount  # type: ignore[attr-defined]
    with db.session() as session:
        drafts = session.scalars(
            select(Application).where(
                Application.status == ApplicationStatus.DRAFT,
                Application.created_at < cut["drafts"],
            )
        ).all()
        for draft in drafts:
            for table in (Notification, ApplicationEvent):
                session.execute(delete(table).where(table.application_id == draft.id))
            session.delete(draft)  # cases and materials go with it
        done.removed["drafts"] = len(drafts)
    with db.session() as session:
        finished = select(Application.id).where(
            Application.status != ApplicationStatus.DRAFT,
            Application.submitted_at < cut["uploads"],
        )
        result = session.execute(
            update(ApplicationMaterial)
            .where(
                ApplicationMaterial.application_id.in_(finished),
                ApplicationMaterial.content.is_not(None),
            )
            .values(content=None)
        )
        done.removed["uploads"] = result.rowcount  # type: ignore[attr-defined]
    with db.session() as session:
        result = session.execute(
            update(OpenDataApplication)
            .where(
                OpenDataApplication.decided_at < cut["opendata_files"],
                OpenDataApplication.token_sealed != "",
            )
            .values(token_sealed="", token_expires_at=cut["opendata_files"])
        )
        done.removed["opendata_files"] = result.rowcount  # type: ignore[attr-defined]
    log.info("retention enforced: %s", done.summary(), extra={"removed": done.removed})
    return done
