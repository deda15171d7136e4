"""The once-only figure: over the whole catalog, how many of the materials the service
items list are fetched (a department or the platform supplies them), reused (given to
the platform once) or asked — per item, per department and overall — and how many
trips the items need.

It is computed from the service definitions (each ServiceMaterial row of each active
item, provincial templates and city implementations alike), through
`models.reach_of`, so a new source kind counts as soon as it says which share it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onceonly.services.disputes.models import Dispute
from onceonly.services.models import Reach, ServiceItem, reach_of


@dataclass
class Shares:
    materials: int = 0
    fetched: int = 0
    reused: int = 0
    asked: int = 0

    def add(self, reach: Reach) -> None:
        self.materials += 1
        if reach is Reach.FETCHED:
            self.fetched += 1
        elif reach is Reach.REUSED:
            self.reused += 1
        else:
            self.asked += 1

    def share(self, count: int) -> float:
        return count / self.materials if self.materials else 0.0

    @property
    def spared_share(self) -> float:
        """Fetched or reused: what the citizen is not asked for."""
        return self.share(self.fetched + self.reused)


@dataclass
class ItemReach(Shares):
    code: str = ""
    name: str = ""
    department_code: str = ""
    department_name: str = ""
    trips: int | None = None  # None: the guide does not say
    asked_for: list[str] = field(default_factory=list)  # the names of what is asked


@dataclass
class DepartmentReach(Shares):
    code: str = ""
    name: str = ""
    items: int = 0
    items_zero_asked: int = 0
    items_one_trip: int = 0  # at most one trip (a stated 0 or 1)


@dataclass
class ReachFigure(Shares):
    items: int = 0
    items_zero_asked: int = 0
    items_one_trip: int = 0
    trips: dict[str, int] = field(default_factory=dict)  # "0", "1", "2", "unknown" → items
    disputes: int = 0  # data-correction disputes raised (services/disputes)
    departments: list[DepartmentReach] = field(default_factory=list)
    item_rows: list[ItemReach] = field(default_factory=list)

    def share_of_items(self, count: int) -> float:
        return count / self.items if self.items else 0.0


def item_reach(item: ServiceItem) -> ItemReach:
    row = ItemReach(
        code=item.code,
        name=item.name,
        department_code=item.department.code,
        department_name=item.department.name,
        trips=item.max_trips,
    )
    for material in item.materials:
        reach = reach_of(material.source_kind)
        row.add(reach)
        if reach is Reach.ASKED:
            row.asked_for.append(material.name)
    return row


def _count(target: ReachFigure | DepartmentReach, row: ItemReach) -> None:
    target.materials += row.materials
    target.fetched += row.fetched
    target.reused += row.reused
    target.asked += row.asked
    target.items += 1
    target.items_zero_asked += row.asked == 0
    target.items_one_trip += row.trips is not None and row.trips <= 1


def compute(session: Session, items: Iterable[ServiceItem] | None = None) -> ReachFigure:
    """The figure over `items` (default: every active item in the catalog)."""
    if items is None:
        items = session.scalars(
            select(ServiceItem).where(ServiceItem.active.is_(True)).order_by(ServiceItem.code)
        )
    figure = ReachFigure()
    departments: dict[str, DepartmentReach] = {}
    for item in items:
        row = item_reach(item)
        figure.item_rows.append(row)
        _count(figure, row)
        department = departments.setdefault(
            row.department_code, DepartmentReach(code=row.department_code, name=row.department_name)
        )
        _count(department, row)
        trips = "unknown" if row.trips is None else str(row.trips)
        figure.trips[trips] = figure.trips.get(trips, 0) + 1
    figure.departments = sorted(departments.values(), key=lambda d: (-d.asked, d.code))
    figure.disputes = session.scalar(select(func.count()).select_from(Dispute)) or 0
    return figure
