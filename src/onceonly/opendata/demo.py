"""Demo open data: publish whatever open resources the catalog holds at seed time, take
their first snapshots, and file a few applications (pending, approved, refused, overdue).

The open resources themselves come from the catalog's demo; with none, this step says
so and does nothing.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from onceonly.catalog.models import OpenClass
from onceonly.core.calendar import CHINA_TZ, load_calendar
from onceonly.core.seeding import SeedContext
from onceonly.identity.models import Person, User, UserRole
from onceonly.opendata import service
from onceonly.opendata.models import ApplicationStatus, Dataset, OpenDataApplication
from onceonly.opendata.publishing.snapshots import refresh_in_session
from onceonly.opendata.requests.applications import DEADLINE_WORKING_DAYS, DECIDERS

PURPOSES = [
    "毕业论文研究：分析本省企业注册趋势",
    "开发便民地图应用，展示附近医院与学校",
    "商业选址分析，评估各区域市场主体密度",
    "新闻报道：核实公开统计数字",
]
# (status, days ago submitted, decided after n days or None)
PLAN = [
    (ApplicationStatus.PENDING, 2, None),
    (ApplicationStatus.APPROVED, 20, 6),
    (ApplicationStatus.REFUSED, 25, 9),
    (ApplicationStatus.PENDING, 30, None),  # overdue: past its deadline
    (ApplicationStatus.APPROVED, 40, 16),  # approved late
]


def seed(ctx: SeedContext) -> None:
    session = ctx.session
    datasets = service.publish_all_open(session, ctx.actor)
    if not datasets:
        ctx.console.print("open data: no open resources in the catalog, nothing to publish")
        return
    for dataset in datasets:
        result = refresh_in_session(session, ctx.settings, dataset, ctx.actor)
        if not result.ok:
            ctx.console.print(f"open data: {result.code} not snapshotted: {result.error}")
    conditional = [d for d in datasets if d.resource.open_class is OpenClass.CONDITIONAL]
    for dataset in conditional:
        _applications(ctx, dataset)
    ctx.console.print(
        f"open data: {len(datasets)} datasets published, "
        f"{len(conditional) * len(PLAN)} applications filed"
    )


def _decider(ctx: SeedContext, department_id: int) -> User | None:
    return ctx.session.scalar(
        select(User)
        .join(UserRole)
        .where(User.department_id == department_id, UserRole.role.in_(DECIDERS))
        .limit(1)
    )


def _applications(ctx: SeedContext, dataset: Dataset) -> None:
    rng = random.Random(ctx.seed + dataset.id)
    people = ctx.session.scalars(select(Person).order_by(Person.id).limit(50)).all()
    calendar = load_calendar(ctx.session)
    resource = dataset.resource
    decider = _decider(ctx, resource.department_id)
    today = datetime.combine(ctx.today, time(10), CHINA_TZ).astimezone(UTC)
    for status, ago, decided_after in PLAN:
        person = rng.choice(people)
        submitted = today - timedelta(days=ago)
        application = OpenDataApplication(
            resource_id=resource.id,
            department_id=resource.department_id,
            applicant_kind="person",
            applicant_id=person.id,
            applicant_name=person.name,
            purpose=rng.choice(PURPOSES),
            fields=resource.field_names[: max(1, len(resource.field_names) // 2)],
            period_from=ctx.today,
            period_to=ctx.today + timedelta(days=180),
            status=status,
            submitted_at=submitted,
            due_at=calendar.deadline(submitted, DEADLINE_WORKING_DAYS),
        )
        if decided_after is not None:
            application.decided_at = submitted + timedelta(days=decided_after)
            application.decided_by = decider.display_name if decider else resource.department.name
            if status is ApplicationStatus.REFUSED:
                application.reason = "申请字段包含尚未脱敏的内部编码，请缩小字段范围后重新申请。"
        ctx.session.add(application)
    ctx.session.flush()
