"""The once-only figure in supervision (issue 18): how much of what the catalog's items
list the citizen is spared (fetched or reused) and still asked for, per department and
per item, and the trips the items need — as JSON and as the console page's chart."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from onceonly.services.reach.figure import DepartmentReach, ItemReach, ReachFigure, Shares
from onceonly.web import charts


class SharesOut(BaseModel):
    materials: int
    fetched: int
    reused: int
    asked: int
    fetched_share: float  # fractions (0–1) of the materials
    reused_share: float
    asked_share: float
    spared_share: float  # fetched or reused


class ItemReachOut(SharesOut):
    code: str
    name: str
    department_code: str
    department: str
    trips: int | None  # null: the guide does not say
    asked_for: list[str]


class DepartmentReachOut(SharesOut):
    code: str
    department: str
    items: int
    items_zero_asked: int
    items_at_most_one_trip: int


class OnceOnlyOut(SharesOut):
    items: int
    items_zero_asked: int
    items_at_most_one_trip: int
    items_at_most_one_trip_share: float
    trips: dict[str, int]  # "0", "1", "2", …, "unknown" → number of items
    disputes: int  # data-correction disputes raised
    departments: list[DepartmentReachOut]
    items_detail: list[ItemReachOut]


def _shares(shares: Shares) -> dict[str, Any]:
    return {
        "materials": shares.materials,
        "fetched": shares.fetched,
        "reused": shares.reused,
        "asked": shares.asked,
        "fetched_share": round(shares.share(shares.fetched), 4),
        "reused_share": round(shares.share(shares.reused), 4),
        "asked_share": round(shares.share(shares.asked), 4),
        "spared_share": round(shares.spared_share, 4),
    }


def _item(row: ItemReach) -> ItemReachOut:
    return ItemReachOut(
        **_shares(row), code=row.code, name=row.name, department_code=row.department_code,
        department=row.department_name, trips=row.trips, asked_for=row.asked_for,
    )  # fmt: skip


def _department(row: DepartmentReach) -> DepartmentReachOut:
    return DepartmentReachOut(
        **_shares(row), code=row.code, department=row.name, items=row.items,
        items_zero_asked=row.items_zero_asked, items_at_most_one_trip=row.items_one_trip,
    )  # fmt: skip


def to_out(figure: ReachFigure) -> OnceOnlyOut:
    return OnceOnlyOut(
        **_shares(figure),
        items=figure.items,
        items_zero_asked=figure.items_zero_asked,
        items_at_most_one_trip=figure.items_one_trip,
        items_at_most_one_trip_share=round(figure.share_of_items(figure.items_one_trip), 4),
        trips=figure.trips,
        disputes=figure.disputes,
        departments=[_department(d) for d in figure.departments],
        items_detail=[_item(i) for i in figure.item_rows],
    )


def chart(figure: ReachFigure, labels: tuple[str, str, str]) -> dict[str, Any]:
    """A stacked bar per department: materials fetched, reused and asked."""
    rows = sorted(figure.departments, key=lambda d: (d.spared_share, d.name))
    option = charts.ranking([d.name for d in rows], [d.fetched for d in rows])
    option["yAxis"]["data"] = [d.name for d in rows]  # the order of the stacks below
    option["legend"] = {"top": 0}
    option["grid"]["top"] = 32
    option["series"] = [
        {"type": "bar", "stack": "materials", "name": label, "data": values,
         "label": {"show": True, "position": "inside"}}
        for label, values in zip(
            labels,
            ([d.fetched for d in rows], [d.reused for d in rows], [d.asked for d in rows]),
            strict=True,
        )
    ]  # fmt: skip
    return option
