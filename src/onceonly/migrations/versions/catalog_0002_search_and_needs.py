"""catalog search index, tags and data needs

Revision ID: catalog_0002
Revises: catalog_0001
Create Date: 2026-11-24 10:00:00

The full-text table differs per database and lives outside the ORM metadata (see
onceonly.catalog.search); resources registered before this revision are indexed here.
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

import onceonly.core.db

revision: str = "catalog_0002"
down_revision: str | Sequence[str] | None = "catalog_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "catalog_resource_tags",
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["catalog_resources.id"],
            name=op.f("fk_catalog_resource_tags_resource_id_catalog_resources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("resource_id", "tag", name=op.f("pk_catalog_resource_tags")),
    )
    with op.batch_alter_table("catalog_resource_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_catalog_resource_tags_tag"), ["tag"], unique=False)

    op.create_table(
        "catalog_needs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("fields_wanted", sa.JSON(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "answered",
                "fulfilled",
                "declined",
                name="needstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("posted_by", sa.String(length=120), nullable=False),
        sa.Column("posted_at", onceonly.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", onceonly.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_by", sa.String(length=120), nullable=False),
        sa.Column("answered_at", onceonly.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=True),
        sa.Column("fulfilled_at", onceonly.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["departments.id"],
            name=op.f("fk_catalog_needs_provider_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["requester_id"],
            ["departments.id"],
            name=op.f("fk_catalog_needs_requester_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["catalog_resources.id"],
            name=op.f("fk_catalog_needs_resource_id_catalog_resources"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_needs")),
    )
    with op.batch_alter_table("catalog_needs", schema=None) as batch_op:
        batch_op.create_index("ix_catalog_needs_status_due", ["status", "due_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_catalog_needs_provider_id"), ["provider_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_catalog_needs_requester_id"), ["requester_id"], unique=False
        )

    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # unicode61 keeps each pre-made token (letters, digits, CJK bigrams) whole.
        op.execute(
            "CREATE VIRTUAL TABLE catalog_search USING fts5("
            "title, body, tokenize = 'unicode61 remove_diacritics 2')"
        )
    else:
        op.execute(
            "CREATE TABLE catalog_search ("
            "resource_id INTEGER PRIMARY KEY REFERENCES catalog_resources(id) ON DELETE CASCADE,"
            " document TSVECTOR NOT NULL)"
        )
        op.execute("CREATE INDEX ix_catalog_search_document ON catalog_search USING GIN (document)")
    _index_existing(bind)


def _index_existing(bind: sa.Connection) -> None:
    """Index what catalog_0001 databases already hold, reading the tables as they are
    at this revision (not through today's models)."""
    from onceonly.catalog.search import document, write_index

    resources = bind.execute(
        sa.text(
            "SELECT r.id, r.code, r.name, r.description, r.tags, d.name "
            "FROM catalog_resources r JOIN departments d ON d.id = r.department_id "
            "WHERE r.retired_at IS NULL"
        )
    ).all()
    if not resources:
        return
    fields: dict[int, list[tuple[str, str]]] = {}
    for resource_id, name, description in bind.execute(
        sa.text(
            "SELECT resource_id, name, description FROM catalog_resource_fields "
            "ORDER BY resource_id, position"
        )
    ):
        fields.setdefault(resource_id, []).append((name, description))
    docs = []
    for rid, code, name, description, tags, department_name in resources:
        if isinstance(tags, str):  # SQLite hands JSON back as text
            tags = json.loads(tags)
        docs.append(
            document(
                rid,
                code=code,
                name=name,
                description=description,
                tags=tags or [],
                department_name=department_name,
                fields=fields.get(rid, []),
            )
        )
    write_index(Session(bind=bind), docs)


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS catalog_search")
    with op.batch_alter_table("catalog_needs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_needs_requester_id"))
        batch_op.drop_index(batch_op.f("ix_catalog_needs_provider_id"))
        batch_op.drop_index("ix_catalog_needs_status_due")
    op.drop_table("catalog_needs")
    with op.batch_alter_table("catalog_resource_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_resource_tags_tag"))
    op.drop_table("catalog_resource_tags")
