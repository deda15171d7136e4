"""Where an appeal goes: the categories (Open311 services) and the dispatch rules.

Explicit rules win; otherwise the department of the category's kind is found by walking
up the region tree from the appeal's region.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.appeals.models import AppealCategory, DispatchRule
from onceonly.audit import service as audit
from onceonly.core.actors import Actor
from onceonly.core.errors import NotFound
from onceonly.identity.models import Department, Region

# (code, name, English name, group, department kind, days normal, days urgent, keywords)
DEFAULT_CATEGORIES: list[tuple[str, str, str, str, str, int, int, list[str]]] = [
    (
        "road-damage",
        "道路破损",
        "Damaged road or pavement",
        "city",
        "urban_management",
        5,
        2,
        ["pothole", "pavement"],
    ),
    (
        "street-light",
        "路灯故障",
        "Street light out",
        "city",
        "urban_management",
        3,
        1,
        ["lighting"],
    ),
    (
        "refuse",
        "垃圾清运",
        "Refuse not collected",
        "city",
        "urban_management",
        3,
        1,
        ["rubbish", "waste"],
    ),
    (
        "illegal-building",
        "违章搭建",
        "Illegal construction",
        "city",
        "urban_management",
        10,
        5,
        ["construction"],
    ),
    ("noise", "噪声扰民", "Noise nuisance", "order", "public_security", 3, 1, ["noise"]),
    (
        "traffic",
        "交通秩序",
        "Traffic and parking",
        "order",
        "public_security",
        5,
        2,
        ["parking", "traffic"],
    ),
    (
        "food-safety",
        "食品安全",
        "Food safety",
        "market",
        "market_regulation",
        7,
        2,
        ["restaurant", "food"],
    ),
    (
        "consumer",
        "消费维权",
        "Consumer complaint",
        "market",
        "market_regulation",
        10,
        5,
        ["refund", "shop"],
    ),
    ("wage-arrears", "拖欠工资", "Unpaid wages", "work", "hrss", 10, 3, ["wages", "salary"]),
    ("social-insurance", "社会保险", "Social insurance", "work", "hrss", 5, 2, ["pension"]),
    ("medical", "医疗服务", "Medical services", "welfare", "health", 7, 3, ["hospital"]),
    ("school", "教育事务", "Schools and education", "welfare", "education", 7, 3, ["school"]),
    (
        "elderly-care",
        "养老服务",
        "Care for the elderly",
        "welfare",
        "civil_affairs",
        7,
        3,
        ["elderly"],
    ),
    (
        "housing-fund",
        "住房公积金",
        "Housing provident fund",
        "money",
        "housing_fund",
        5,
        2,
        ["fund"],
    ),
    ("tax", "涉税服务", "Tax services", "money", "tax", 5, 2, ["invoice", "tax"]),
    (
        "online-service",
        "政务服务",
        "Government online services",
        "service",
        "data_bureau",
        5,
        2,
        ["app", "website"],
    ),
]


# Categories and dispatch rules ------------------------------------------------------


def ensure_categories(session: Session) -> int:
    """Add the default categories that are missing; returns how many were added."""
    known = set(session.scalars(select(AppealCategory.code)))
    added = 0
    for code, name, name_en, group, kind, normal, urgent, words in DEFAULT_CATEGORIES:
        if code in known:
            continue
        session.add(
            AppealCategory(
                code=code,
                name=name,
                name_en=name_en,
                group=group,
                department_kind=kind,
                days_normal=normal,
                days_urgent=urgent,
                keywords=words,
                description=f"{name} / {name_en}",
            )
        )
        added += 1
    session.flush()
    return added


def list_categories(session: Session, *, active_only: bool = True) -> list[AppealCategory]:
    query = select(AppealCategory).order_by(AppealCategory.group, AppealCategory.code)
    if active_only:
        query = query.where(AppealCategory.active.is_(True))
    return list(session.scalars(query))


def get_category(session: Session, code: str) -> AppealCategory:
    category = session.get(AppealCategory, code)
    if category is None or not category.active:
        raise NotFound(f"service_code {code!r} was not found", code="unknown-service")
    return category


def category_known(session: Session, code: str) -> bool:
    """Whether `code` is a category at all (active or not)."""
    return session.get(AppealCategory, code) is not None


def region_known(session: Session, code: str) -> bool:
    return session.get(Region, code) is not None


def region_chain(session: Session, code: str | None) -> list[str]:
    """The region and its ancestors, nearest first: a primary-key read per level (four
    at most in China's divisions), so every worker sees a region the moment it exists."""
    chain: list[str] = []
    while code and code not in chain:
        region = session.get(Region, code)
        if region is None:
            break
        chain.append(code)
        code = region.parent_code
    return chain


def add_rule(
    session: Session,
    category_code: str,
    region_code: str | None,
    department: Department,
    by: Actor,
) -> DispatchRule:
    get_category(session, category_code)
    if region_code is not None and session.get(Region, region_code) is None:
        raise NotFound(f"region {region_code} does not exist", code="unknown-region")
    rule = DispatchRule(
        category_code=category_code, region_code=region_code, department_id=department.id
    )
    session.add(rule)
    session.flush()
    audit.record(
        session,
        audit.Event(
            "appeal_rule.create",
            by,
            "appeal_rule",
            str(rule.id),
            detail={
                "category": category_code,
                "region": region_code,
                "department": department.code,
            },
        ),
    )
    return rule


def resolve_department(
    session: Session, category: AppealCategory, region_code: str | None
) -> Department | None:
    """Explicit rules first, then the department of the category's kind, walking up the
    region tree from the appeal's region to the province."""
    chain = region_chain(session, region_code)
    rules = {
        rule.region_code: rule.department_id
        for rule in session.scalars(
            select(DispatchRule)
            .where(DispatchRule.category_code == category.code)
            .order_by(DispatchRule.id)
        )
    }
    for code in [*chain, None]:
        if code in rules:
            return session.get(Department, rules[code])
    if not chain:
        return None
    candidates = session.scalars(
        select(Department)
        .where(Department.kind == category.department_kind, Department.region_code.in_(chain))
        .order_by(Department.parent_id.is_not(None), Department.id)
    ).all()
    for code in chain:
        for department in candidates:
            if department.region_code == code:
                return department
    return None
