"""Retention: each kind goes after its period, what is younger stays, audit entries never go."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import func, select

from onceonly.audit.models import AuditEntry
from onceonly.core.db import utcnow
from onceonly.exchange.models import ExchangeCall
from onceonly.identity.models import Person, Region
from onceonly.ops.retention import enforce
from onceonly.services.models import (
    Application,
    ApplicationMaterial,
    ApplicationStatus,
    MaterialState,
    Notification,
    SubjectKind,
)


def count(session, model, *where) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_retention_deletes_what_is_past_its_period_and_keeps_the_audit_log(
    demo_db, demo_settings, caplog
) -> None:  # type: ignore[no-untyped-def]
    long_ago = utcnow() - timedelta(days=5000)
    with demo_db.session() as session:
        session.add_all(
            [
                ExchangeCall(at=long_ago, resource_code="old", status=200, rows=1, duration_ms=1),
                ExchangeCall(at=utcnow(), resource_code="new", status=200, rows=1, duration_ms=1),
            ]
        )
        person = session.scalar(select(Person).limit(1))
        region = session.scalar(select(Region.code).limit(1))
        assert person is not None and region is not None

        def application(ref: str, status: ApplicationStatus) -> Application:
            made = Application(
                ref=ref,
                title="test",
                applicant_kind=SubjectKind.PERSON,
                applicant_code=person.id_number,
                applicant_name=person.name,
                person_id=person.id,
                region_code=region,
                status=status,
                created_at=long_ago,
                submitted_at=None if status is ApplicationStatus.DRAFT else long_ago,
            )
            made.materials.append(
                ApplicationMaterial(
                    key="scan", name="scan", state=MaterialState.PROVIDED, content=b"%PDF-1.4"
                )
            )
            session.add(made)
            return made

        draft = application("T-DRAFT-1", ApplicationStatus.DRAFT)
        finished = application("T-DONE-1", ApplicationStatus.COMPLETED)
        session.flush()
        draft_id, finished_id = draft.id, finished.id
        material_id = finished.materials[0].id
        session.add(
            Notification(
                person_id=person.id, subject="s", body="b", created_at=long_ago, email_state="sent"
            )
        )
        audit_before = count(session, AuditEntry)
        calls_before = count(session, ExchangeCall)

    with caplog.at_level(logging.INFO, logger="onceonly.retention"):
        done = enforce(demo_db, demo_settings)
    assert done.removed["calls"] >= 1 and done.removed["drafts"] >= 1
    assert done.removed["notifications"] >= 1 and done.removed["uploads"] >= 1
    assert any("retention enforced" in r.getMessage() for r in caplog.records)

    with demo_db.session() as session:
        assert count(session, ExchangeCall, ExchangeCall.resource_code == "old") == 0
        assert count(session, ExchangeCall, ExchangeCall.resource_code == "new") == 1
        assert count(session, ExchangeCall) == calls_before - done.removed["calls"]
        assert session.get(Application, draft_id) is None
        assert session.get(Application, finished_id) is not None  # submitted: kept
        kept = session.get(ApplicationMaterial, material_id)
        assert kept is not None and kept.content is None and kept.name == "scan"
        assert (
            count(session, Notification, Notification.created_at < long_ago.replace(year=2020)) == 0
        )
        assert count(session, AuditEntry) == audit_before  # never deleted

    assert enforce(demo_db, demo_settings).removed["calls"] == 0  # nothing left to do
