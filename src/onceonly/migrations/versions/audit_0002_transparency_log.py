"""audit: the hash chain becomes a transparency log (entries sequenced into a Merkle tree)

Entries get an insertion id as primary key and a nullable `seq` that the sequencer fills;
the chain's hashes stay on the entries written before this revision so that the old chain
still verifies, with its checkpoints moved to `audit_legacy_checkpoints` and its head to
`platform_meta['audit.legacy_head']`. The tree is not built here: the sequencer hashes the
existing entries into it (leaves 0…N-1) before any new one, in batches, so this revision
is quick on a large log.

Revision ID: audit_0002
Revises: audit_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import onceonly.core.db

revision: str = "audit_0002"
down_revision: str | Sequence[str] | None = "audit_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EMPTY_ROOT = bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
COLUMNS = (
    "at, actor, actor_label, department_id, action, object_type, object_id, "
    "subject_ref, purpose, detail, prev_hash, hash"
)


def _entry_columns() -> list[sa.schema.SchemaItem]:
    return [
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("at", onceonly.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("actor_label", sa.String(length=200), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("object_type", sa.String(length=60), nullable=False),
        sa.Column("object_id", sa.String(length=120), nullable=False),
        sa.Column("subject_ref", sa.String(length=64), nullable=True),
        sa.Column("purpose", sa.String(length=500), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("leaf", sa.LargeBinary(length=32), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=True),
        sa.Column("hash", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name="fk_audit_entries_department_id_departments",
        ),
    ]


def _entries_to_tree_shape_sqlite() -> None:
    op.create_table("audit_entries_new", *_entry_columns())
    op.execute(
        f"INSERT INTO audit_entries_new (id, seq, {COLUMNS}) "
        f"SELECT seq, seq, {COLUMNS} FROM audit_entries"
    )
    op.drop_index("ix_audit_subject_at", table_name="audit_entries")
    op.drop_index("ix_audit_action_at", table_name="audit_entries")
    op.drop_table("audit_entries")
    op.rename_table("audit_entries_new", "audit_entries")


def _entries_to_tree_shape_postgresql() -> None:
    # In place: a large log is not copied.
    op.execute("ALTER TABLE audit_entries DROP CONSTRAINT pk_audit_entries")
    op.execute("ALTER TABLE audit_entries ADD COLUMN id BIGINT")
    op.execute("ALTER TABLE audit_entries ADD COLUMN leaf BYTEA")
    op.execute("UPDATE audit_entries SET id = seq")
    op.execute("CREATE SEQUENCE audit_entries_id_seq OWNED BY audit_entries.id")
    op.execute(
        "SELECT setval('audit_entries_id_seq', COALESCE(MAX(id), 0) + 1, false) FROM audit_entries"
    )
    op.execute(
        "ALTER TABLE audit_entries ALTER COLUMN id SET DEFAULT nextval('audit_entries_id_seq'), "
        "ALTER COLUMN id SET NOT NULL, ALTER COLUMN seq DROP NOT NULL, "
        "ALTER COLUMN prev_hash DROP NOT NULL, ALTER COLUMN hash DROP NOT NULL"
    )
    op.execute("ALTER TABLE audit_entries ADD CONSTRAINT pk_audit_entries PRIMARY KEY (id)")
    op.drop_index("ix_audit_subject_at", table_name="audit_entries")
    op.drop_index("ix_audit_action_at", table_name="audit_entries")


def upgrade() -> None:
    bind = op.get_bind()
    legacy_head = bind.execute(sa.text("SELECT seq, hash FROM audit_head WHERE id = 1")).first()
    if bind.dialect.name == "postgresql":
        _entries_to_tree_shape_postgresql()
    else:
        _entries_to_tree_shape_sqlite()
    op.create_index("ix_audit_subject_at", "audit_entries", ["subject_ref", "at"])
    op.create_index("ix_audit_action_at", "audit_entries", ["action", "at"])
    op.create_index("uq_audit_entries_seq", "audit_entries", ["seq"], unique=True)
    op.create_index(
        "ix_audit_pending",
        "audit_entries",
        ["id"],
        sqlite_where=sa.text("seq IS NULL"),
        postgresql_where=sa.text("seq IS NULL"),
    )

    op.drop_index("ix_audit_checkpoints_seq", table_name="audit_checkpoints")
    op.rename_table("audit_checkpoints", "audit_legacy_checkpoints")
    if bind.dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE audit_legacy_checkpoints "
            "RENAME CONSTRAINT pk_audit_checkpoints TO pk_audit_legacy_checkpoints"
        )
    op.create_index(op.f("ix_audit_legacy_checkpoints_seq"), "audit_legacy_checkpoints", ["seq"])
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.Column("at", onceonly.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(length=40), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoints")),
    )
    op.create_index(op.f("ix_audit_checkpoints_size"), "audit_checkpoints", ["size"])
    op.create_table(
        "audit_tree",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_audit_tree")),
    )
    state = op.create_table(
        "audit_log_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.Column("sequenced_at", onceonly.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log_state")),
    )
    op.bulk_insert(state, [{"id": 1, "size": 0, "root": EMPTY_ROOT, "sequenced_at": None}])
    if legacy_head is not None and legacy_head.seq:
        meta = sa.table(
            "platform_meta",
            sa.column("key", sa.String),
            sa.column("value", sa.JSON),
            sa.column("updated_at", onceonly.core.db.UTCDateTime(timezone=True)),
        )
        op.bulk_insert(
            meta,
            [
                {
                    "key": "audit.legacy_head",
                    "value": {"seq": legacy_head.seq, "hash": legacy_head.hash},
                    "updated_at": onceonly.core.db.utcnow(),
                }
            ],
        )
    op.drop_table("audit_head")


def downgrade() -> None:
    """Back to the chain's shape. Entries written since (no chain hashes) and entries
    not yet sequenced are dropped: a development tool, not a way back for a live log."""
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.execute("DELETE FROM platform_meta WHERE key = 'audit.legacy_head'")
    op.drop_table("audit_log_state")
    op.drop_table("audit_tree")
    op.drop_index(op.f("ix_audit_checkpoints_size"), table_name="audit_checkpoints")
    op.drop_table("audit_checkpoints")
    op.drop_index(op.f("ix_audit_legacy_checkpoints_seq"), table_name="audit_legacy_checkpoints")
    op.rename_table("audit_legacy_checkpoints", "audit_checkpoints")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE audit_checkpoints "
            "RENAME CONSTRAINT pk_audit_legacy_checkpoints TO pk_audit_checkpoints"
        )
    op.create_index(op.f("ix_audit_checkpoints_seq"), "audit_checkpoints", ["seq"])
    op.execute("DELETE FROM audit_entries WHERE hash IS NULL OR seq IS NULL")
    for name in ("ix_audit_pending", "uq_audit_entries_seq", "ix_audit_subject_at",
                 "ix_audit_action_at"):  # fmt: skip
        op.drop_index(name, table_name="audit_entries")
    with op.batch_alter_table("audit_entries", recreate="always") as batch:
        batch.drop_column("id")
        batch.drop_column("leaf")
        batch.alter_column("seq", existing_type=sa.BigInteger(), nullable=False)
        batch.alter_column("prev_hash", existing_type=sa.String(64), nullable=False)
        batch.alter_column("hash", existing_type=sa.String(64), nullable=False)
        batch.create_primary_key("pk_audit_entries", ["seq"])
    op.create_index("ix_audit_subject_at", "audit_entries", ["subject_ref", "at"])
    op.create_index("ix_audit_action_at", "audit_entries", ["action", "at"])
