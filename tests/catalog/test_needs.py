"""Data needs: post, answer (plan, resource, decline), both sides' lists, overdue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from onceonly.audit.models import AuditEntry
from onceonly.catalog import needs
from onceonly.catalog.models import NeedStatus
from onceonly.catalog.schemas import NeedAnswerIn, NeedIn
from onceonly.core.calendar import load_calendar
from onceonly.core.errors import Forbidden, Invalid
from onceonly.identity.models import User


def user(session, username: str) -> User:  # type: ignore[no-untyped-def]
    found = session.scalar(select(User).where(User.username == username))
    assert found is not None, username
    return found


def need_spec(**overrides: object) -> NeedIn:
    base: dict[str, object] = {
        "title": "流动人口居住登记",
        "provider_code": "ps",
        "fields_wanted": ["id_number", "address", " ", "id_number"],
        "purpose": "核验参保人员居住地",
    }
    return NeedIn.model_validate(base | overrides)


def test_post_answer_with_a_plan_then_a_resource(demo_db) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        need = needs.post_need(session, need_spec(), user(session, "hrss.steward"))
        assert need.status is NeedStatus.OPEN and need.fields_wanted == ["id_number", "address"]
        working_days = load_calendar(session).working_days_between(
            need.posted_at.date(), need.due_at.date()
        )
        assert working_days in (needs.ANSWER_DAYS, needs.ANSWER_DAYS + 1)  # time-zone edge
        need_id = need.id
    with demo_db.session() as session:
        need = needs.get_need(session, need_id)
        with pytest.raises(Forbidden):  # a reviewer does not answer needs
            needs.answer_need(
                session, need, NeedAnswerIn(provide=True), user(session, "ps.reviewer")
            )
        with pytest.raises(Forbidden):  # nor does the requester
            needs.answer_need(
                session, need, NeedAnswerIn(provide=True), user(session, "hrss.admin")
            )
        steward = user(session, "ps.steward")
        with pytest.raises(Invalid) as caught:
            needs.answer_need(session, need, NeedAnswerIn(provide=True), steward)
        assert caught.value.extra["errors"][0]["field"] == "note"
        needs.answer_need(
            session, need, NeedAnswerIn(provide=True, note="下季度编目居住证信息"), steward
        )
        assert need.status is NeedStatus.ANSWERED and need.answered_by == "ps.steward"
    with demo_db.session() as session:
        need = needs.get_need(session, need_id)
        steward = user(session, "ps.steward")
        with pytest.raises(Invalid):  # someone else's resource does not fulfil it
            needs.answer_need(
                session, need, NeedAnswerIn(provide=True, resource_code="ca.marriages"), steward
            )
        needs.answer_need(
            session, need, NeedAnswerIn(provide=True, resource_code="ps.residents"), steward
        )
        out = needs.need_out(need)
        assert (out.status, out.resource_code, out.answer) == (
            "fulfilled",
            "ps.residents",
            "下季度编目居住证信息",
        )
        assert out.fulfilled_at is not None and not out.overdue
        with pytest.raises(Invalid):
            needs.answer_need(session, need, NeedAnswerIn(provide=False, note="x"), steward)
        actions = session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.object_type == "data_need", AuditEntry.object_id == str(need_id))
            .order_by(AuditEntry.id)
        ).all()
        assert actions == ["catalog.need.posted", "catalog.need.answered", "catalog.need.fulfilled"]


def test_decline_needs_a_reason(demo_db) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        need = needs.post_need(session, need_spec(provider_code="tax"), user(session, "ca.admin"))
        admin = user(session, "tax.admin")
        with pytest.raises(Invalid):
            needs.answer_need(session, need, NeedAnswerIn(provide=False, note="  "), admin)
        needs.answer_need(
            session, need, NeedAnswerIn(provide=False, note="《税收征收管理法》第八条：保密"), admin
        )
        assert need.status is NeedStatus.DECLINED and need.answer.startswith("《税收")


def test_a_need_goes_to_another_department(demo_db) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session, pytest.raises(Invalid) as caught:
        needs.post_need(session, need_spec(), user(session, "ps.steward"))
    assert caught.value.extra["errors"][0]["field"] == "provider_code"


def test_both_sides_see_their_needs_and_overdue_ones_are_listed(demo_db) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        first = needs.post_need(session, need_spec(), user(session, "hrss.admin"))
        second = needs.post_need(
            session, need_spec(provider_code="amr"), user(session, "hrss.admin")
        )
        third = needs.post_need(
            session, need_spec(provider_code="hrss"), user(session, "edu.admin")
        )
        hrss_id = user(session, "hrss.admin").department_id
        ps_id = user(session, "ps.admin").department_id
        ca_id = user(session, "ca.admin").department_id
        mine = [n.id for n in needs.list_needs(session, department_id=hrss_id)]
        assert set(mine) >= {first.id, second.id, third.id}
        assert {n.id for n in needs.list_needs(session, department_id=ps_id)} >= {first.id}
        assert second.id not in {n.id for n in needs.list_needs(session, department_id=ps_id)}
        assert not [n for n in needs.list_needs(session, department_id=ca_id) if n.id in mine]

        later = first.due_at + timedelta(seconds=1)
        overdue = {n.id for n in needs.overdue_needs(session, later)}
        assert {first.id, second.id, third.id} <= overdue
        assert not {first.id, second.id} & {n.id for n in needs.overdue_needs(session)}
        assert needs.need_out(first, later).overdue
        needs.answer_need(
            session,
            second,
            NeedAnswerIn(provide=False, note="无此数据"),
            user(session, "amr.admin"),
        )
        assert second.id not in {n.id for n in needs.overdue_needs(session, later)}
        declined = needs.list_needs(session, department_id=hrss_id, status=NeedStatus.DECLINED)
        assert [n.id for n in declined] == [second.id]
