"""English names for catalog text that showed in Chinese on English pages (issue 22)

Revision ID: i18n_0001
Revises: 0001
Create Date: 2026-12-04 20:40:00

Service materials, life-event bundle descriptions, data resources (name, description)
and the copies an application keeps (its title, its materials' names) get an English
text beside the Chinese one; pages choose by the reader's language and fall back to the
Chinese text when no English one was given.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i18n_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("i18n",)
depends_on: str | Sequence[str] | None = ("services_0002", "catalog_0003_i22")

COLUMNS: list[tuple[str, str, sa.types.TypeEngine[str]]] = [
    ("service_materials", "name_en", sa.String(length=200)),
    ("service_bundles", "description_en", sa.Text()),
    ("service_applications", "title_en", sa.String(length=200)),
    ("service_application_materials", "name_en", sa.String(length=200)),
    ("catalog_resources", "name_en", sa.String(length=200)),
    ("catalog_resources", "description_en", sa.Text()),
]


def upgrade() -> None:
    for table, column, kind in COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(column, kind, nullable=False, server_default=""))


def downgrade() -> None:
    for table, column, _kind in reversed(COLUMNS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(column)
