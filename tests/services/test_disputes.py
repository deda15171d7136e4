"""Data correction (数据纠错): a dispute on a fetched value goes to the holding department
with a deadline; it corrects (and the application refreshes) or refuses with a reason,
once; everything is logged; supervision counts it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from onceonly.audit.models import AuditEntry
from onceonly.core.errors import Conflict, Invalid, NotFound
from onceonly.services.applications import applications
from onceonly.services.disputes import service as disputes
from onceonly.services.disputes.figures import dispute_figures
from onceonly.services.disputes.models import DisputeStatus
from tests.services.test_applications import (  # noqa: F401 (autouse: start_baby needs it)
    _remember_settings,
    applicant,
    demo_settings_of,
    featured,
    staff,
    start_baby,
)

pytestmark = pytest.mark.usefixtures("asking_guides")  # they need materials the citizen gives


def test_a_corrected_value_refreshes_the_application(demo_db) -> None:  # type: ignore[no-untyped-def]
    ref = start_baby(demo_db)
    with demo_db.session() as session:
        mother = applicant(featured(session, "new mother"))
        application = applications.get_application(session, ref)
        birth = applications.material(application, "birth_data")
        field = next(
            k for k, v in birth.data.items() if isinstance(v, str) and k != "mother_id_number"
        )
        dispute = disputes.open_dispute(
            session, application, "birth_data", "出生地点写错了", mother
        )
        assert dispute.department.code == "health" or dispute.department.name
        assert dispute.due_at > dispute.opened_at
        with pytest.raises(Conflict) as twice:
            disputes.open_dispute(session, application, "birth_data", "again", mother)
        assert twice.value.code == "dispute-open"
        health = staff(session, "health.reviewer")
        police = staff(session, "ps.reviewer")
        with pytest.raises(NotFound):  # another department does not even see it
            disputes.dispute_for(session, police, dispute.id)
        assert dispute in disputes.for_department(session, health, DisputeStatus.OPEN)
        with pytest.raises(Invalid) as nothing:
            disputes.answer(session, health, dispute, corrected=True, note="已更正")
        assert nothing.value.code == "no-correction"
        with pytest.raises(Invalid) as unknown:
            disputes.answer(session, health, dispute, corrected=True, note="x",
                            corrections={"no_such_field": "1"})  # fmt: skip
        assert unknown.value.code == "no-such-field"
        disputes.answer(session, health, dispute, corrected=True, note="已核实并更正",
                        corrections={field: "更正后的值"},
                        settings=demo_settings_of(demo_db))  # fmt: skip
        assert dispute.status is DisputeStatus.CORRECTED
        assert applications.material(application, "birth_data").data[field] == "更正后的值"
        kinds = [e.kind for e in applications.timeline(session, application)]
        assert kinds[-3:] == ["Data disputed", "Data corrected", "Refreshed"] or (
            kinds[-2:] == ["Data corrected", "Refreshed"]
        )
        with pytest.raises(Conflict) as late:
            disputes.answer(session, health, dispute, corrected=False, note="no")
        assert late.value.code == "dispute-answered"
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.object_type == "dispute")
        ).all()
        assert sorted(actions) == ["dispute.answer", "dispute.open"]
        row = next(r for r in dispute_figures(session) if r.department.id == dispute.department_id)
        assert (row.open, row.answered, row.corrected, row.overdue) == (0, 1, 1, 0)
        assert row.median_answer_days == 0.0


def test_a_material_not_fetched_cannot_be_disputed_and_a_refusal_needs_a_reason(demo_db) -> None:  # type: ignore[no-untyped-def]
    ref = start_baby(demo_db)
    with demo_db.session() as session:
        mother = applicant(featured(session, "new mother"))
        application = applications.get_application(session, ref)
        asked = applications.missing(application)[0]
        with pytest.raises(Invalid) as not_fetched:
            disputes.open_dispute(session, application, asked.key, "wrong", mother)
        assert not_fetched.value.code == "not-fetched"
        with pytest.raises(Invalid) as empty:
            disputes.open_dispute(session, application, "marriage", "  ", mother)
        assert empty.value.code == "empty-claim"
        dispute = disputes.open_dispute(session, application, "marriage", "登记日期不对", mother)
        civil = dispute.department
        dispute.due_at = dispute.opened_at - timedelta(days=1)  # the deadline has passed
        late = next(r for r in dispute_figures(session) if r.department.id == civil.id)
        assert (late.open, late.overdue, late.median_answer_days) == (1, 1, None)
        admin = staff(session, "health.reviewer")
        with pytest.raises(NotFound):
            disputes.dispute_for(session, admin, dispute.id)
        owner = session.scalar(
            select(type(admin)).where(type(admin).department_id == civil.id).limit(1)
        )
        assert owner is not None
        with pytest.raises(Invalid) as no_reason:
            disputes.answer(session, owner, dispute, corrected=False, note="")
        assert no_reason.value.code == "reason-required"
        disputes.answer(session, owner, dispute, corrected=False, note="与婚姻登记档案一致")
        assert dispute.status is DisputeStatus.REFUSED and dispute.answer == "与婚姻登记档案一致"
        row = next(r for r in dispute_figures(session) if r.department.id == civil.id)
        assert (row.open, row.answered, row.corrected, row.overdue) == (0, 1, 0, 1)
