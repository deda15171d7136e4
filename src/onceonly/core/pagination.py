"""One way to page a list: `limit` and `offset` in, `Page[T]` out.

A JSON list route takes `paging: PageParams` from `page_params(default, most)` and
answers a `Page[T]` (or a model derived from it that adds fields, as the catalog's
facets): the items, the total that matched, the limit and offset used and a `next` link,
None on the last page. An HTML page takes the same parameters and shows the shared pager
(`web/_pager.html`).

Bad values (a limit of 0 or past the route's most, a negative or huge offset) are
refused by FastAPI's validation: 422 problem+json, before any query.

Protocols with a paging style of their own keep it: the CKAN Action API (`start`,
`rows`), Open311, the exchange gateway's opaque cursor, the audit log's `before`
keyset (a log that grows at the top would shift under an offset).
"""

# No `from __future__ import annotations`: FastAPI reads the annotations of the dependency
# `page_params` makes, and they name its arguments (`most`, `default`), which a string
# annotation could not find later.

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, Self, TypeVar

from fastapi import Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from onceonly.core.params import Offset

T = TypeVar("T")


@dataclass(frozen=True)
class PageParams:
    limit: int
    offset: int = 0


def page_params(default: int = 20, most: int = 100) -> Callable[..., PageParams]:
    """A dependency for `limit` (1..`most`, default `default`) and `offset` (≥ 0)."""

    def dependency(
        limit: Annotated[int, Query(ge=1, le=most, description="items a page")] = default,
        offset: Annotated[Offset, Query(description="items to skip")] = 0,
    ) -> PageParams:
        return PageParams(limit=limit, offset=offset)

    return dependency


class Page(BaseModel, Generic[T]):
    """One page of a list, and where the next one is."""

    items: list[T]
    total: int = Field(description="how many match, on every page together")
    limit: int
    offset: int
    next: str | None = Field(description="the URL of the next page; null on the last")

    @classmethod
    def of(
        cls, items: Sequence[Any], total: int, paging: PageParams, request: Request, **more: Any
    ) -> Self:
        """The page of `items` out of `total`; `more` fills a derived model's own fields."""
        after = paging.offset + paging.limit
        link = str(request.url.include_query_params(offset=after)) if after < total else None
        return cls(
            items=list(items),
            total=total,
            limit=paging.limit,
            offset=paging.offset,
            next=link,
            **more,
        )


def fetch_page(session: Session, query: Select[Any], paging: PageParams) -> tuple[list[Any], int]:
    """The rows of `query` on this page, and how many it matches on every page together
    (one count over the same filters, without its order)."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = session.scalars(query.limit(paging.limit).offset(paging.offset)).all()
    return list(rows), total or 0
