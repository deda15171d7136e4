"""A year of demo appeals with a realistic spread, so that the figures mean something.

Volume scales with the demo population (one appeal for every three residents). Each
department gets a temperament from the seed (quick or slow, punctual or late), which
is what makes the ranking page rank. Rows are written in bulk; the generated history is
recorded in the audit log as one entry (live appeals record every step).
"""

from __future__ import annotations

import random
import secrets
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select, text

from onceonly.appeals import service
from onceonly.appeals.models import (
    ACCEPTED,
    CLOSED,
    DISPATCHED,
    Appeal,
    AppealCategory,
    AppealEvent,
)
from onceonly.appeals.workflow import routing
from onceonly.audit import service as audit
from onceonly.core.calendar import CHINA_TZ, WorkCalendar, load_calendar
from onceonly.core.seeding import SeedContext
from onceonly.identity.models import Department, Person, Region, RegionLevel

# How often each category comes up (Jiangsu and Beijing 12345 reports: city upkeep,
# wages and consumer complaints dominate).
WEIGHTS = {
    "road-damage": 9,
    "street-light": 6,
    "refuse": 8,
    "illegal-building": 5,
    "noise": 10,
    "traffic": 8,
    "food-safety": 5,
    "consumer": 9,
    "wage-arrears": 7,
    "social-insurance": 6,
    "medical": 5,
    "school": 4,
    "elderly-care": 3,
    "housing-fund": 4,
    "tax": 3,
    "online-service": 4,
}
SUMMER = {"noise", "refuse", "street-light"}
TEXTS = {
    "road-damage": "路面有一个大坑，下雨天积水，电动车经过很危险。",
    "street-light": "小区门口一排路灯连续几天晚上不亮，行人看不清路。",
    "refuse": "垃圾桶已经满了好几天没人清运，气味很大。",
    "illegal-building": "楼顶有人在搭建彩钢棚，影响邻居采光。",
    "noise": "夜里十一点以后楼下商铺还在放音乐，噪声很大。",
    "traffic": "路口车辆乱停乱放，早高峰经常堵死。",
    "food-safety": "在这家饭店吃饭后肚子疼，后厨卫生情况堪忧。",
    "consumer": "在商场买的家电出现质量问题，商家拒绝退换。",
    "wage-arrears": "工地老板拖欠三个月工资未发，多次讨要无果。",
    "social-insurance": "换工作后社保关系转移一直没有办好。",
    "medical": "医院挂号排队时间太长，希望增加窗口。",
    "school": "孩子入学材料要求重复提交，希望简化。",
    "elderly-care": "社区养老服务中心的助餐服务停了，老人吃饭不方便。",
    "housing-fund": "公积金提取申请提交两周没有进展。",
    "tax": "电子发票开具系统经常登录不上。",
    "online-service": "政务服务网上办事页面打不开，提交不了申请。",
}
STREETS = ["解放路", "人民路", "文化路", "中山路", "建设路", "湖滨路", "新华路", "东风路"]
REPLIES = [
    "已安排人员现场处理完毕，感谢您的反映。",
    "经核查情况属实，已责令整改，后续将加强巡查。",
    "已与相关单位协调解决，如有问题请再次来电。",
]
RETURN_REASONS = ["不属于本单位职责范围", "地址不在本辖区"]


def _volume(people: int) -> int:
    return max(60, people // 3)


def _when(rng: random.Random, now: datetime, code: str) -> datetime:
    """A submission time in the last year: more in summer for some categories, more on
    weekdays, mostly in the daytime (China time)."""
    while True:
        back = rng.uniform(0, 365)
        moment = now - timedelta(days=back)
        local = moment.astimezone(CHINA_TZ)
        weight = 1.0
        if code in SUMMER and local.month in (6, 7, 8):
            weight *= 1.8
        if local.weekday() >= 5:
            weight *= 0.7
        if rng.random() * 1.8 <= weight:
            hour = min(23, max(7, int(rng.gauss(14, 3.5))))
            day = local.date()
            clock = time(hour, rng.randrange(60), rng.randrange(60))
            return datetime.combine(day, clock, tzinfo=CHINA_TZ).astimezone(UTC)


def _temperament(rng: random.Random) -> dict[str, float]:
    quality = rng.betavariate(5, 2)  # most departments decent, a few poor
    return {
        "on_time": 0.55 + 0.43 * quality,
        "response_hours": 1.0 + (1 - quality) * 30,
        "satisfaction": 0.6 + 0.35 * quality,
    }


def _rating(rng: random.Random, on_time: bool, base: float) -> int:
    p = base if on_time else base * 0.6
    if rng.random() < p:
        return 5 if rng.random() < 0.6 else 4
    return rng.choice([1, 2, 2, 3, 3])


class _Builder:
    def __init__(self, ctx: SeedContext, calendar: WorkCalendar) -> None:
        self.ctx = ctx
        self.rng = random.Random(ctx.seed * 7919 + 12345)
        self.calendar = calendar
        self.now = datetime.combine(ctx.today, time(12), tzinfo=CHINA_TZ).astimezone(UTC)
        self.appeals: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.next_id = 1 + (ctx.session.scalar(select(Appeal.id).order_by(Appeal.id.desc())) or 0)

    def event(self, appeal_id: int, at: datetime, kind: str, **extra: Any) -> None:
        row = {"appeal_id": appeal_id, "at": at, "kind": kind, "actor_label": "", "note": ""}
        row.update({"department_id": None, "public": True})
        row.update(extra)
        self.events.append(row)


def seed(ctx: SeedContext) -> None:
    session = ctx.session
    routing.ensure_categories(session)
    categories = {c.code: c for c in session.scalars(select(AppealCategory))}
    calendar = load_calendar(session)
    b = _Builder(ctx, calendar)
    rng = b.rng
    counties = list(
        session.execute(
            select(Region.code, Region.name).where(Region.level == RegionLevel.county)
        ).all()
    ) or list(session.execute(select(Region.code, Region.name)).all())
    county_weights = [3 if code.startswith("3301") else 2 for code, _ in counties]
    temperaments = {d.id: _temperament(rng) for d in session.scalars(select(Department))}
    person_ids = list(session.scalars(select(Person.id).order_by(Person.id).limit(5000)))
    codes = [c for c in WEIGHTS if c in categories]
    code_weights = [WEIGHTS[c] for c in codes]
    routes: dict[tuple[str, str], Department | None] = {}
    for _ in range(_volume(ctx.people)):
        code = rng.choices(codes, code_weights)[0]
        region, region_name = rng.choices(counties, county_weights)[0]
        key = (code, region)
        if key not in routes:
            routes[key] = routing.resolve_department(session, categories[code], region)
        department = routes[key]
        _one(b, categories[code], region, region_name, department, temperaments, person_ids)
    _featured(b, categories, counties, routes, temperaments)
    for start in range(0, len(b.appeals), 2000):
        session.execute(insert(Appeal), b.appeals[start : start + 2000])
    if session.get_bind().dialect.name == "postgresql":  # ids were given explicitly
        session.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('appeals', 'id'),"
                " (SELECT max(id) FROM appeals))"
            )
        )
    for start in range(0, len(b.events), 5000):
        session.execute(insert(AppealEvent), b.events[start : start + 5000])
    audit.record(
        session,
        audit.Event(
            "appeal.demo_seed",
            ctx.actor,
            "appeal",
            "",
            detail={"appeals": len(b.appeals), "events": len(b.events)},
        ),
    )
    ctx.console.print(f"appeals: {len(b.appeals)} appeals over the last year")


def _one(
    b: _Builder,
    category: AppealCategory,
    region: str,
    region_name: str,
    department: Department | None,
    temperaments: dict[int, dict[str, float]],
    person_ids: list[int],
    *,
    requested: datetime | None = None,
    person_id: int | None = None,
    finish: bool = True,
    quick: bool = False,
) -> dict[str, Any]:
    rng = b.rng
    requested = requested or _when(rng, b.now, category.code)
    urgent = rng.random() < 0.12
    days = category.days_urgent if urgent else category.days_normal
    channel = rng.choices(["phone", "portal", "open311"], [6, 3, 1])[0]
    if person_id is None and channel == "portal" and person_ids:
        person_id = rng.choice(person_ids)
    appeal_id = b.next_id
    b.next_id += 1
    row: dict[str, Any] = {
        "id": appeal_id,
        "token": secrets.token_urlsafe(12),
        "category_code": category.code,
        "urgency": "urgent" if urgent else "normal",
        "channel": "portal" if person_id else channel,
        "description": TEXTS.get(category.code, category.name),
        "address": f"{region_name}{rng.choice(STREETS)}{rng.randint(1, 300)}号",
        "lat": round(30.0 + rng.uniform(-0.8, 0.8), 5),
        "long": round(120.2 + rng.uniform(-0.8, 0.8), 5),
        "region_code": region,
        "media_url": "",
        "person_id": person_id,
        "public": person_id is None,
        "client_id": None,
        "contact_name": "",
        "contact_phone": f"13{rng.randrange(10**9):09d}" if channel == "phone" else "",
        "contact_email": "",
        "status": "pending",
        "is_open": True,
        "status_notes": "",
        "department_id": None,
        "merged_into_id": None,
        "requested_at": requested,
        "updated_at": requested,
        "dispatched_at": None,
        "accept_by": None,
        "accepted_at": None,
        "due_at": b.calendar.deadline(requested, days),
        "reminded_at": None,
        "escalated_at": None,
        "closed_at": None,
        "reply": "",
        "on_time": None,
        "first_response_seconds": None,
        "handling_seconds": None,
        "rating": None,
        "rated_at": None,
        "reopen_count": 0,
    }
    b.appeals.append(row)
    b.event(appeal_id, requested, "submitted", actor_label=row["channel"])
    if department is None:
        return row
    temper = temperaments[department.id]
    at = requested + timedelta(minutes=rng.randint(2, 90))
    if rng.random() < 0.05:  # dispatched wrongly first, returned, sent on by the desk
        b.event(appeal_id, at, "dispatched", note=department.name, actor_label="dispatch rules")
        at += timedelta(hours=rng.uniform(1, 8))
        b.event(appeal_id, at, "returned", note=rng.choice(RETURN_REASONS))
        at += timedelta(hours=rng.uniform(0.5, 4))
    row.update(
        status=DISPATCHED,
        department_id=department.id,
        dispatched_at=at,
        accept_by=b.calendar.deadline(at, service.ACCEPT_DAYS),
        updated_at=at,
    )
    b.event(appeal_id, at, "dispatched", note=department.name, actor_label="dispatch rules")
    response = timedelta(hours=0.5 if quick else rng.expovariate(1 / temper["response_hours"]))
    accepted = at + response
    if accepted > b.now or not finish:
        return row
    row.update(
        status=ACCEPTED,
        accepted_at=accepted,
        updated_at=accepted,
        first_response_seconds=int(response.total_seconds()),
    )
    b.event(appeal_id, accepted, "accepted", department_id=department.id)
    on_time = quick or rng.random() < temper["on_time"]
    due = row["due_at"]
    if quick:
        closed = min(accepted + timedelta(hours=20), b.now - timedelta(hours=1))
    elif on_time:
        closed = accepted + (due - accepted) * rng.uniform(0.2, 0.95)
    else:
        closed = due + timedelta(hours=rng.uniform(2, 24 * 12))
    closed = max(closed, accepted + timedelta(minutes=30))
    if closed > b.now:
        if due < b.now:
            row["escalated_at"] = due + timedelta(hours=1)
            b.event(appeal_id, due + timedelta(hours=1), "escalated", note="overdue", public=False)
        return row
    text = rng.choice(REPLIES)
    row.update(
        status=CLOSED,
        is_open=False,
        closed_at=closed,
        updated_at=closed,
        reply=text,
        status_notes=text,
        on_time=closed <= due,
        handling_seconds=int((closed - requested).total_seconds()),
    )
    b.event(appeal_id, closed, "reply", note=text, department_id=department.id)
    if rng.random() < 0.8:
        rated = closed + timedelta(hours=rng.uniform(1, 48))
        if rated < b.now:
            rating = _rating(rng, bool(row["on_time"]), temper["satisfaction"])
            row.update(rating=rating, rated_at=rated)
            b.event(appeal_id, rated, "rated", note=str(rating))
    return row


def _featured(
    b: _Builder,
    categories: dict[str, AppealCategory],
    counties: list[Any],
    routes: dict[tuple[str, str], Department | None],
    temperaments: dict[int, dict[str, float]],
) -> None:
    """Featured residents get a recent answered appeal to rate and one still open."""
    session = b.ctx.session
    ids = [str(f["id_number"]) for f in b.ctx.featured if f.get("id_number")][:5]
    persons = session.execute(select(Person.id).where(Person.id_number.in_(ids))).scalars()
    region, region_name = counties[0]
    for person_id in persons:
        for code, finish in (("road-damage", True), ("noise", False)):
            category = categories[code]
            department = routes.get((code, region)) or routing.resolve_department(
                session, category, region
            )
            requested = b.now - timedelta(days=b.rng.uniform(2, 6))
            row = _one(
                b,
                category,
                region,
                region_name,
                department,
                temperaments,
                [],
                requested=requested,
                person_id=person_id,
                finish=finish,
                quick=finish,
            )
            if finish and row["rating"] is not None:  # leave it for the resident to rate
                row.update(rating=None, rated_at=None)
                b.events = [
                    e
                    for e in b.events
                    if not (e["appeal_id"] == row["id"] and e["kind"] == "rated")
                ]
