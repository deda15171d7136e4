"""Open data rules: publish open resources as datasets, refresh their snapshots, and
flag quality problems. Applications for conditional data are in `applications`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.audit import service as audit
from onceonly.catalog.models import Frequency, OpenClass, Resource
from onceonly.core.actors import Actor
from onceonly.core.db import utcnow
from onceonly.core.errors import Forbidden, Invalid, NotFound
from onceonly.opendata.models import Dataset
from onceonly.opendata.schemas import DatasetOut, FieldOut

# How long a snapshot stays fresh, from the resource's declared update frequency.
PERIODS: dict[Frequency, timedelta | None] = {
    Frequency.REALTIME: timedelta(hours=1),
    Frequency.DAILY: timedelta(days=1),
    Frequency.WEEKLY: timedelta(days=7),
    Frequency.MONTHLY: timedelta(days=31),
    Frequency.QUARTERLY: timedelta(days=92),
    Frequency.YEARLY: timedelta(days=366),
    Frequency.ONCE: None,
}
NEAR_EMPTY_ROWS = 10
# DCAT-AP data themes (EU vocabulary) by the publishing department's kind.
THEMES = {
    "market_regulation": "ECON",
    "tax": "ECON",
    "education": "EDUC",
    "health": "HEAL",
    "hrss": "SOCI",
    "civil_affairs": "SOCI",
    "public_security": "JUST",
    "housing_fund": "SOCI",
}
LICENCES = {
    "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
    "ODC-BY-1.0": "https://opendatacommons.org/licenses/by/1-0/",
}
OPEN_CLASSES = (OpenClass.UNCONDITIONAL, OpenClass.CONDITIONAL)

Flag = Literal["stale", "empty", "undescribed_fields"]


@dataclass(frozen=True)
class QualityFlag:
    dataset_code: str
    department_code: str
    flag: Flag
    detail: str


def is_public(dataset: Dataset) -> bool:
    """Rows of unconditionally open data are for anyone; conditional ones on approval."""
    resource = dataset.resource
    return resource.open_class is OpenClass.UNCONDITIONAL and resource.retired_at is None


def publish(
    session: Session,
    resource: Resource,
    by: Actor,
    *,
    licence: str = "CC-BY-4.0",
    contact_name: str = "",
    contact_email: str = "",
) -> Dataset:
    """Make an open resource a dataset (idempotent: an existing one is returned)."""
    if resource.open_class not in OPEN_CLASSES or resource.retired_at is not None:
        raise Forbidden(
            f"{resource.code} is not open data: its open class is {resource.open_class}"
        )
    if licence not in LICENCES:
        raise Invalid(f"unknown licence {licence!r}", errors=[{"field": "licence"}])
    dataset = session.scalar(select(Dataset).where(Dataset.resource_id == resource.id))
    if dataset is not None:
        return dataset
    department = resource.department
    dataset = Dataset(
        resource_id=resource.id,
        licence=licence,
        contact_name=contact_name or department.name,
        contact_email=contact_email or f"opendata@{department.code}.gov.example",
        theme=THEMES.get(department.kind, "GOVE"),
        published_at=utcnow(),
        next_refresh_at=utcnow(),
    )
    dataset.resource = resource
    session.add(dataset)
    session.flush()
    audit.record(
        session,
        audit.Event(
            "opendata.dataset.published", by, "dataset", resource.code, detail={"licence": licence}
        ),
    )
    return dataset


def publish_all_open(session: Session, by: Actor) -> list[Dataset]:
    """Publish every open resource that is not a dataset yet."""
    resources = session.scalars(
        select(Resource).where(Resource.open_class.in_(OPEN_CLASSES), Resource.retired_at.is_(None))
    ).all()
    return [publish(session, r, by) for r in resources]


def list_datasets(session: Session, *, public_only: bool = False) -> Sequence[Dataset]:
    query = (
        select(Dataset)
        .join(Resource)
        .where(Resource.retired_at.is_(None), Resource.open_class.in_(OPEN_CLASSES))
        .order_by(Resource.code)
    )
    if public_only:
        query = query.where(Resource.open_class == OpenClass.UNCONDITIONAL)
    return session.scalars(query).all()


def get_dataset(session: Session, code: str, *, public_only: bool = False) -> Dataset:
    dataset = session.scalar(select(Dataset).join(Resource).where(Resource.code == code))
    if (
        dataset is None
        or dataset.resource.retired_at is not None
        or (dataset.resource.open_class not in OPEN_CLASSES)
    ):
        raise NotFound(f"No open dataset with code {code!r}.")
    if public_only and not is_public(dataset):
        raise NotFound(f"No open dataset with code {code!r}.")
    return dataset


def due_for_refresh(session: Session, now: datetime | None = None) -> Sequence[Dataset]:
    now = now or utcnow()
    return [
        d
        for d in list_datasets(session)
        if d.generation == 0 or (d.next_refresh_at is not None and d.next_refresh_at <= now)
    ]


def next_refresh(frequency: Frequency, at: datetime) -> datetime | None:
    period = PERIODS[frequency]
    return at + period if period is not None else None


def is_stale(dataset: Dataset, now: datetime | None = None) -> bool:
    period = PERIODS[dataset.resource.update_frequency]
    if dataset.last_updated is None:
        return True
    return period is not None and (now or utcnow()) - dataset.last_updated > period


def flags_for(dataset: Dataset, now: datetime | None = None) -> list[QualityFlag]:
    resource = dataset.resource
    code, department = resource.code, resource.department.code
    flags: list[QualityFlag] = []
    if is_stale(dataset, now):
        when = dataset.last_updated.date().isoformat() if dataset.last_updated else "never"
        flags.append(
            QualityFlag(
                code,
                department,
                "stale",
                f"last updated {when}, declared {resource.update_frequency}",
            )
        )
    if dataset.generation and dataset.row_count < NEAR_EMPTY_ROWS:
        flags.append(QualityFlag(code, department, "empty", f"{dataset.row_count} rows"))
    undescribed = [f.name for f in resource.fields if not f.description.strip()]
    if undescribed:
        flags.append(
            QualityFlag(
                code, department, "undescribed_fields", "no description: " + ", ".join(undescribed)
            )
        )
    return flags


def quality_report(session: Session, *, department_id: int | None = None) -> list[QualityFlag]:
    """Quality flags of every dataset (or one department's), for departments and supervision."""
    now = utcnow()
    return [
        flag
        for dataset in list_datasets(session)
        if department_id is None or dataset.resource.department_id == department_id
        for flag in flags_for(dataset, now)
    ]


def to_out(dataset: Dataset, now: datetime | None = None) -> DatasetOut:
    resource = dataset.resource
    base = f"/api/opendata/datasets/{resource.code}"
    public = is_public(dataset)
    return DatasetOut(
        code=resource.code,
        name=resource.name,
        description=resource.description,
        department_code=resource.department.code,
        department_name=resource.department.name,
        access="public" if public else "on_application",
        licence=dataset.licence,
        licence_url=LICENCES.get(dataset.licence, ""),
        contact_name=dataset.contact_name,
        contact_email=dataset.contact_email,
        theme=dataset.theme,
        tags=list(resource.tags),
        update_frequency=str(resource.update_frequency),
        published_at=dataset.published_at,
        last_updated=dataset.last_updated,
        row_count=dataset.row_count,
        fields=[
            FieldOut(name=f.name, type=str(f.type), description=f.description)
            for f in resource.fields
        ],
        downloads={fmt: f"{base}/download.{fmt}" for fmt in ("csv", "json", "parquet")}
        if public and dataset.generation
        else {},
        quality=[f.flag for f in flags_for(dataset, now)],
    )


THEME_TITLES = {
    "ECON": "Economy and finance",
    "EDUC": "Education, culture and sport",
    "HEAL": "Health",
    "SOCI": "Population and society",
    "JUST": "Justice, legal system and public safety",
    "GOVE": "Government and public sector",
}
