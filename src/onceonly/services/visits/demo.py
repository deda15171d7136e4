"""Demo visits: the items that in real life still need one trip (fingerprints for an ID
card, both partners at a marriage registration) get a service-hall window per
department, slot settings and the next working days' slots."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from onceonly.core.calendar import load_calendar
from onceonly.core.seeding import SeedContext
from onceonly.identity.models import Department
from onceonly.services.demo import basic_code
from onceonly.services.items.demo_items import ITEMS
from onceonly.services.models import ServiceItem
from onceonly.services.visits import service
from onceonly.services.visits.models import VisitOffice, VisitSetting

# (department, item seq) → why the visit, slot minutes, people per slot.
VISITS: dict[tuple[str, int], tuple[str, int, int]] = {
    ("ps", 2): ("采集指纹、现场拍照", 30, 3),
    ("ps", 3): ("采集指纹并交回旧证", 30, 3),
    ("ca", 1): ("双方到场签署声明并领取结婚证", 60, 2),
}
DAYS = 5


def _office(
    ctx: SeedContext, department: Department, offices: dict[int, VisitOffice]
) -> VisitOffice:
    if department.id not in offices:
        office = VisitOffice(
            code=f"{department.code}-hall"[:40],
            name=f"{department.name}政务服务窗口",
            name_en=f"{department.name_en or department.name} service window",
            address=f"{department.region.name}市民中心一楼",
            department_id=department.id,
        )
        ctx.session.add(office)
        offices[department.id] = office
    return offices[department.id]


def seed(ctx: SeedContext) -> None:
    session = ctx.session
    if session.scalar(select(VisitSetting.id).limit(1)) is not None:
        return
    codes = {basic_code(s): VISITS[(s.dept, s.seq)] for s in ITEMS if (s.dept, s.seq) in VISITS}
    offices: dict[int, VisitOffice] = {}
    settings = []
    for item in session.scalars(select(ServiceItem).where(ServiceItem.basic_code.in_(codes))):
        reason, minutes, capacity = codes[item.basic_code]
        office = _office(ctx, item.department, offices)
        settings.append(
            VisitSetting(
                item=item, office=office, reason=reason, slot_minutes=minutes, capacity=capacity
            )
        )
    session.add_all(settings)
    session.flush()
    calendar = load_calendar(session)
    for setting in settings:
        service.open_slots(session, setting, ctx.today + timedelta(days=1), DAYS, calendar)
