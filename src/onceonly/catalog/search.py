"""Full-text search over the catalog with facets, on SQLite FTS5 and PostgreSQL.

Chinese is written without spaces, so neither database's word splitter finds "户籍" in
"户籍人口". We tokenise in Python, the same way for documents and queries and for both
databases: a run of CJK characters becomes its overlapping bigrams plus its last
character (户籍人口 → 户籍 籍人 人口 口), other text becomes lower-cased words. A query
word of two or more CJK characters is the phrase of its bigrams; a single character is a
prefix, which finds it as the start of some bigram or as a run's last character.

The index is two tables outside the ORM metadata (Alembic must not manage them, see
`onceonly.core.migrate.include_name`):
- SQLite: `catalog_search`, an FTS5 table (rowid = resource id; columns title, body)
  holding the space-joined tokens; FTS5's unicode61 tokenizer keeps each token whole.
- PostgreSQL: `catalog_search(resource_id, document tsvector)` with a GIN index. The
  tsvector and tsquery are written as literals (`'户籍':1A`), which bypasses the text
  parser, whose view of CJK depends on the server's locale.
Tags also go to `catalog_resource_tags` for facet counts and filters.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Subquery,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.orm import Session

from onceonly.catalog.labels import tag_label
from onceonly.catalog.models import OpenClass, Resource, ResourceTag, ShareClass
from onceonly.identity.models import Department
from onceonly.web.i18n import local

SEARCH_TABLE = "catalog_search"
MAX_TOKEN = 60  # a PostgreSQL lexeme has a length limit; nobody searches longer words
TITLE_WEIGHT = 4.0  # FTS5 bm25 column weight of the title; PostgreSQL uses weight A

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
_TOKEN = re.compile(rf"([{_CJK}]+)|((?:(?![{_CJK}])[^\W_])+)")


def _normal(value: str) -> str:
    # NFKC folds full-width Latin letters and digits (ＡＢＣ１２３) into ASCII.
    return unicodedata.normalize("NFKC", value).lower()


def tokens(value: str) -> list[str]:
    """The tokens a document is indexed under, in order."""
    out: list[str] = []
    for cjk, word in _TOKEN.findall(_normal(value)):
        if cjk:
            out.extend(cjk[i : i + 2] for i in range(len(cjk) - 1))
            out.append(cjk[-1])
        else:
            out.append(word[:MAX_TOKEN])
    return out


@dataclass(frozen=True)
class QueryToken:
    token: str
    prefix: bool


def query_terms(q: str) -> list[list[QueryToken]]:
    """Whitespace-separated terms (all must match), each a phrase of tokens."""
    terms: list[list[QueryToken]] = []
    for raw in q.split():
        term: list[QueryToken] = []
        for cjk, word in _TOKEN.findall(_normal(raw)):
            if len(cjk) == 1:
                term.append(QueryToken(cjk, True))
            elif cjk:
                term.extend(QueryToken(cjk[i : i + 2], False) for i in range(len(cjk) - 1))
            else:
                term.append(QueryToken(word[:MAX_TOKEN], False))
        if not term:
            continue
        if word:
            # The term ends in a Latin word: a prefix, so "resid" finds "residents".
            term[-1] = QueryToken(term[-1].token, True)
        terms.append(term)
    return terms


def fts5_query(terms: list[list[QueryToken]]) -> str:
    # Tokens hold only letters and digits, so quoting them cannot break out.
    return " AND ".join(
        " + ".join(f'"{t.token}"' + ("*" if t.prefix else "") for t in term) for term in terms
    )


def tsquery(terms: list[list[QueryToken]]) -> str:
    return " & ".join(
        "(" + " <-> ".join(f"'{t.token}'" + (":*" if t.prefix else "") for t in term) + ")"
        for term in terms
    )


# Documents ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """What one resource is found by: a title (code, name, tags) and a body."""

    resource_id: int
    title: str
    body: str
    tags: tuple[str, ...] = ()


def document(
    resource_id: int,
    *,
    code: str,
    name: str,
    description: str,
    tags: Sequence[str],
    department_name: str,
    fields: Iterable[tuple[str, str]],
) -> Document:
    field_text = " ".join(f"{n} {d}" for n, d in fields)
    return Document(
        resource_id,
        title=" ".join([code, name, *tags]),
        body=" ".join([description, department_name, field_text]),
        tags=tuple(sorted(set(tags))),
    )


def document_of(resource: Resource) -> Document:
    return document(
        resource.id,
        code=resource.code,
        # Both languages, so that a reader finds a resource in the language they read.
        name=f"{resource.name} {resource.name_en}".strip(),
        description=f"{resource.description} {resource.description_en}".strip(),
        tags=resource.tags,
        department_name=f"{resource.department.name} {resource.department.name_en}".strip(),
        fields=[(f.name, f"{f.description} {f.description_en}".strip()) for f in resource.fields],
    )


def tsvector_literal(doc: Document) -> str:
    positions: dict[str, list[str]] = {}
    position = 0
    for weight, part in (("A", doc.title), ("", doc.body)):
        for token in tokens(part):
            position += 1
            positions.setdefault(token, []).append(f"{min(position, 16383)}{weight}")
    return " ".join(f"'{t}':{','.join(p)}" for t, p in positions.items())


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def write_index(session: Session, docs: Sequence[Document]) -> None:
    """Replace the index entries of these resources, in the caller's transaction."""
    if not docs:
        return
    ids = [d.resource_id for d in docs]
    clear_index(session, ids)
    if _is_sqlite(session):
        session.execute(
            text(f"INSERT INTO {SEARCH_TABLE}(rowid, title, body) VALUES (:id, :title, :body)"),
            [
                {
                    "id": d.resource_id,
                    "title": " ".join(tokens(d.title)),
                    "body": " ".join(tokens(d.body)),
                }
                for d in docs
            ],
        )
    else:
        session.execute(
            text(
                f"INSERT INTO {SEARCH_TABLE}(resource_id, document) "
                "VALUES (:id, CAST(:doc AS tsvector))"
            ),
            [{"id": d.resource_id, "doc": tsvector_literal(d)} for d in docs],
        )
    tag_rows = [{"resource_id": d.resource_id, "tag": t[:60]} for d in docs for t in d.tags]
    if tag_rows:
        session.execute(insert(ResourceTag), tag_rows)


def clear_index(session: Session, ids: Sequence[int] | None = None) -> None:
    """Drop these resources' entries (all entries when `ids` is None)."""
    key = "rowid" if _is_sqlite(session) else "resource_id"
    if ids is None:
        session.execute(text(f"DELETE FROM {SEARCH_TABLE}"))
        session.execute(delete(ResourceTag))
        return
    for start in range(0, len(ids), 500):  # stay under SQLite's bound-parameter limit
        chunk = list(ids[start : start + 500])
        session.execute(
            text(f"DELETE FROM {SEARCH_TABLE} WHERE {key} IN :ids").bindparams(
                bindparam("ids", expanding=True)
            ),
            {"ids": chunk},
        )
        session.execute(delete(ResourceTag).where(ResourceTag.resource_id.in_(chunk)))


def index_resource(session: Session, resource: Resource) -> None:
    write_index(session, [document_of(resource)])


def reindex(session: Session) -> int:
    """Rebuild the whole index from the resources; returns how many were indexed."""
    clear_index(session)
    resources = session.scalars(select(Resource).where(Resource.retired_at.is_(None))).all()
    write_index(session, [document_of(r) for r in resources])
    return len(resources)


# Search -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchQuery:
    q: str = ""
    department: str | None = None  # a department code
    share_class: ShareClass | None = None
    open_class: OpenClass | None = None
    tags: tuple[str, ...] = ()
    only_open: bool = False  # what anonymous visitors see: resources open to the public
    limit: int = 20
    offset: int = 0
    public_only: bool = False  # only resources open to the public (anonymous visitors)


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int


@dataclass
class SearchResult:
    items: list[Resource]
    total: int
    limit: int
    offset: int
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.limit))


def _matches(session: Session, terms: list[list[QueryToken]]) -> Subquery:
    if _is_sqlite(session):
        sql = text(
            f"SELECT rowid AS resource_id, bm25({SEARCH_TABLE}, {TITLE_WEIGHT}, 1.0) AS score "
            f"FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH :match"
        ).bindparams(match=fts5_query(terms))
    else:
        # ts_rank grows with relevance; negate it so that both backends sort ascending.
        sql = text(
            "SELECT resource_id, -ts_rank(document, CAST(:match AS tsquery)) AS score "
            f"FROM {SEARCH_TABLE} WHERE document @@ CAST(:match AS tsquery)"
        ).bindparams(match=tsquery(terms))
    return sql.columns(resource_id=Integer, score=Float).subquery("matches")


def _conditions(
    query: SearchQuery, department_id: int | None, matches: Subquery | None, skip: str = ""
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [Resource.retired_at.is_(None)]
    if query.public_only:
        where.append(Resource.open_class != OpenClass.NOT_OPEN)
    if matches is not None:
        where.append(Resource.id.in_(select(matches.c.resource_id)))
    if query.department and skip != "department":
        where.append(Resource.department_id == (department_id or -1))
    if query.share_class is not None and skip != "share_class":
        where.append(Resource.share_class == query.share_class)
    if query.open_class is not None and skip != "open_class":
        where.append(Resource.open_class == query.open_class)
    if query.only_open:
        where.append(Resource.open_class != OpenClass.NOT_OPEN)
    for tag in query.tags:
        where.append(Resource.id.in_(select(ResourceTag.resource_id).where(ResourceTag.tag == tag)))
    return where


def search(session: Session, query: SearchQuery) -> SearchResult:
    """One page of resources matching the text and facets, best first, with facet counts.

    A facet's counts ignore that facet's own selection (so the other values stay
    choosable) but honour every other one; tags combine with AND.
    """
    terms = query_terms(query.q)
    matches = _matches(session, terms) if terms else None
    department_id = None
    if query.department:
        department_id = session.scalar(
            select(Department.id).where(Department.code == query.department)
        )
    where = _conditions(query, department_id, matches)
    total = session.scalar(select(func.count()).select_from(Resource).where(*where)) or 0

    limit = max(1, min(query.limit, 200))
    offset = max(0, query.offset)
    items_query = select(Resource).where(*where)
    if matches is not None:
        items_query = items_query.join(matches, matches.c.resource_id == Resource.id).order_by(
            matches.c.score, Resource.code
        )
    else:
        items_query = items_query.order_by(Resource.code)
    items = list(session.scalars(items_query.limit(limit).offset(offset)))

    facets: dict[str, list[FacetValue]] = {}
    rows = session.execute(
        select(Department.code, Department.name, Department.name_en, func.count(Resource.id))
        .join(Resource, Resource.department_id == Department.id)
        .where(*_conditions(query, department_id, matches, skip="department"))
        .group_by(Department.code, Department.name, Department.name_en)
        .order_by(func.count(Resource.id).desc(), Department.code)
    ).all()
    facets["department"] = [
        FacetValue(c, local({"name": n, "name_en": e}), k) for c, n, e, k in rows
    ]
    for name, column in (
        ("share_class", Resource.share_class),
        ("open_class", Resource.open_class),
    ):
        counts = session.execute(
            select(column, func.count(Resource.id))
            .where(*_conditions(query, department_id, matches, skip=name))
            .group_by(column)
        ).all()
        facets[name] = [
            FacetValue(str(v), str(v), k) for v, k in sorted(counts, key=lambda r: str(r[0]))
        ]
    tag_rows = session.execute(
        select(ResourceTag.tag, func.count(ResourceTag.resource_id))
        .join(Resource, Resource.id == ResourceTag.resource_id)
        .where(*where)
        .group_by(ResourceTag.tag)
        .order_by(func.count(ResourceTag.resource_id).desc(), ResourceTag.tag)
        .limit(40)
    ).all()
    facets["tags"] = [FacetValue(t, tag_label(t), k) for t, k in tag_rows]
    return SearchResult(items, total, limit, offset, facets)
