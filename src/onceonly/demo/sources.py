"""The demo departments' own source databases. The platform never migrates these.

Each department with a source gets a SQLite file (embedded default) or, when the
platform runs on PostgreSQL, a schema `src_<code>` in the same server. The platform
reaches them only through a connector registered in the catalog. Their tables are data,
in `sources.toml` beside this module.
"""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, Column, Date, Engine, Integer, MetaData, String, Table, text
from sqlalchemy.types import TypeEngine

from onceonly.core.db import make_engine
from onceonly.exchange.connectors.sources import colocated_url

# source code → table → column → its spec, in the order written
SCHEMA = tomllib.loads(resources.files("onceonly.demo").joinpath("sources.toml").read_text("utf-8"))
SOURCE_CODES: tuple[str, ...] = tuple(SCHEMA)
TYPES: dict[str, type[TypeEngine[Any]]] = {"date": Date, "integer": Integer, "bigint": BigInteger}
FLAGS = {"primary key", "required", "index", "unique"}


def _column(name: str, spec: str) -> Column[Any]:
    """A column from its line in sources.toml, e.g. `"string(18), required, index"`."""
    kind, *flags = (part.strip() for part in spec.split(","))
    if unknown := set(flags) - FLAGS:
        raise ValueError(f"sources.toml: column {name}: unknown {', '.join(sorted(unknown))}")
    length = re.fullmatch(r"string\((\d+)\)", kind)
    type_ = String(int(length[1])) if length else TYPES[kind]()
    key = "primary key" in flags
    return Column(
        name,
        type_,
        primary_key=key,
        nullable=not (key or "required" in flags),
        index=True if "index" in flags else None,
        unique=True if "unique" in flags else None,
    )


def source_metadata(code: str) -> MetaData:
    metadata = MetaData()
    for table, columns in SCHEMA[code].items():
        Table(table, metadata, *(_column(name, spec) for name, spec in columns.items()))
    return metadata


def source_url(platform_url: str, data_dir: Path, code: str) -> str:
    """Where department `code`'s source lives: beside the platform's database, where the
    connectors look for a source the deployment does not name (ONCEONLY_SOURCES)."""
    return colocated_url(platform_url, data_dir, code)


def create_source(platform_url: str, data_dir: Path, code: str) -> Engine:
    """(Re)create department `code`'s source database, empty, and return its engine."""
    url = source_url(platform_url, data_dir, code)
    if url.startswith("sqlite"):
        path = data_dir / "sources" / f"{code}.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        admin = make_engine(platform_url)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "src_{code}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "src_{code}"'))
        admin.dispose()
    engine = make_engine(url)
    source_metadata(code).create_all(engine)
    return engine
