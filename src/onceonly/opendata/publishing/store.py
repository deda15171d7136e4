"""The snapshot store: one SQLite file (and one Parquet file) per dataset generation.

A generation is built in `g<N>.tmp/` and renamed to `g<N>/` only once complete, and the
platform row points readers at a generation only after that rename; so a reader sees
the old snapshot or the new one, never half of one. The previous generation is kept
for readers still holding it; older ones are removed.

The SQLite file holds `rows` (`_id` plus one column per field, each indexed), an FTS5
index over the text fields (`rows_fts`) for full-text search, and `meta`.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from onceonly.catalog.models import FieldType

SQL_TYPES = {
    FieldType.INTEGER: "INTEGER",
    FieldType.NUMBER: "REAL",
    FieldType.BOOLEAN: "BOOLEAN",
}
ARROW_TYPES = {
    FieldType.INTEGER: pa.int64(),
    FieldType.NUMBER: pa.float64(),
    FieldType.BOOLEAN: pa.bool_(),
}
TEXT_TYPES = (FieldType.STRING,)
MAX_INDEXES = 16


@dataclass(frozen=True)
class Column:
    name: str
    type: FieldType


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def dataset_dir(data_dir: Path, code: str) -> Path:
    return data_dir / "opendata" / code


def generation_dir(data_dir: Path, code: str, generation: int) -> Path:
    return dataset_dir(data_dir, code) / f"g{generation:06d}"


def rows_path(data_dir: Path, code: str, generation: int) -> Path:
    return generation_dir(data_dir, code, generation) / "rows.db"


def parquet_path(data_dir: Path, code: str, generation: int) -> Path:
    return generation_dir(data_dir, code, generation) / "data.parquet"


def export_path(data_dir: Path, code: str, generation: int, fmt: str) -> Path:
    """The whole snapshot as a file: data.csv, data.json or data.parquet."""
    return generation_dir(data_dir, code, generation) / f"data.{fmt}"


def connect(path: Path) -> sqlite3.Connection:
    """A new read-only connection to a finished snapshot (a finished file never changes)."""
    return sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False)


_local = threading.local()
KEPT_CONNECTIONS = 8


def reader(path: Path) -> sqlite3.Connection:
    """This thread's kept connection to a snapshot: opening one per request would cost
    more than the query. A thread keeps a few, dropping the oldest."""
    pool: dict[Path, sqlite3.Connection] = _local.__dict__.setdefault("pool", {})
    conn = pool.get(path)
    if conn is None:
        if len(pool) >= KEPT_CONNECTIONS:
            pool.pop(next(iter(pool))).close()
        conn = pool[path] = connect(path)
    return conn


class Writer:
    """Builds one generation from batches of rows; `finish` makes it visible on disk."""

    def __init__(self, data_dir: Path, code: str, generation: int, columns: list[Column]) -> None:
        self.final = generation_dir(data_dir, code, generation)
        self.tmp = self.final.with_name(self.final.name + ".tmp")
        if self.tmp.exists():  # left by a crashed run: start that generation again
            shutil.rmtree(self.tmp)
        self.tmp.mkdir(parents=True)
        self.columns = columns
        self.rows = 0
        self.conn = sqlite3.connect(self.tmp / "rows.db")
        self.conn.execute("PRAGMA journal_mode=OFF")
        self.conn.execute("PRAGMA synchronous=OFF")
        cols = ", ".join(f"{quote(c.name)} {SQL_TYPES.get(c.type, 'TEXT')}" for c in columns)
        self.conn.execute(f"CREATE TABLE rows (_id INTEGER PRIMARY KEY, {cols})")
        marks = ", ".join("?" for _ in columns)
        names = ", ".join(quote(c.name) for c in columns)
        self.insert = f"INSERT INTO rows ({names}) VALUES ({marks})"
        schema = pa.schema([(c.name, ARROW_TYPES.get(c.type, pa.string())) for c in columns])
        self.schema = schema
        self.parquet = pq.ParquetWriter(self.tmp / "data.parquet", schema, compression="zstd")
        # Whole-dataset CSV and JSON are written once here, so that downloading all of
        # an immutable snapshot is a file send rather than a re-encoding per request.
        self.csv_file = (self.tmp / "data.csv").open("w", encoding="utf-8", newline="")
        self.csv = csv.writer(self.csv_file, lineterminator="\r\n")
        self.csv.writerow([c.name for c in columns])
        self.json_file = (self.tmp / "data.json").open("w", encoding="utf-8")
        self.json_file.write("[")
        self.booleans = [i for i, c in enumerate(columns) if c.type is FieldType.BOOLEAN]

    def add(self, batch: Iterable[dict[str, Any]]) -> None:
        rows = [[_cell(row.get(c.name), c.type) for c in self.columns] for row in batch]
        if not rows:
            return
        self.conn.executemany(self.insert, rows)
        arrays = [
            pa.array([r[i] for r in rows], type=self.schema.field(i).type, from_pandas=False)
            if self.columns[i].type is not FieldType.BOOLEAN
            else pa.array([None if r[i] is None else bool(r[i]) for r in rows], pa.bool_())
            for i in range(len(self.columns))
        ]
        self.parquet.write_table(pa.Table.from_arrays(arrays, schema=self.schema))
        self.csv.writerows(rows)
        self._write_json(rows)
        self.rows += len(rows)

    def _write_json(self, rows: list[list[Any]]) -> None:
        names = [c.name for c in self.columns]
        for row in rows:
            for i in self.booleans:
                if row[i] is not None:
                    row[i] = bool(row[i])
        objects = [dict(zip(names, row, strict=True)) for row in rows]
        text = json.dumps(objects, ensure_ascii=False, separators=(",", ":"))[1:-1]
        self.json_file.write(("," if self.rows else "") + text)

    def finish(self, meta: dict[str, Any]) -> int:
        """Index, close and rename into place; returns the size in bytes."""
        self.parquet.close()
        self.csv_file.close()
        self.json_file.write("]")
        self.json_file.close()
        for c in self.columns[:MAX_INDEXES]:
            self.conn.execute(f"CREATE INDEX {quote('ix_' + c.name)} ON rows ({quote(c.name)})")
        texts = [c.name for c in self.columns if c.type in TEXT_TYPES]
        if texts:
            names = ", ".join(quote(n) for n in texts)
            self.conn.execute(
                f"CREATE VIRTUAL TABLE rows_fts USING fts5({names}, content='rows', "
                "content_rowid='_id', tokenize='trigram')"
            )
            self.conn.execute("INSERT INTO rows_fts(rows_fts) VALUES('rebuild')")
        self.conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        meta = {**meta, "rows": self.rows, "fulltext": texts}
        self.conn.executemany(
            "INSERT INTO meta VALUES (?, ?)", [(k, json.dumps(v)) for k, v in meta.items()]
        )
        self.conn.commit()
        self.conn.execute("ANALYZE")
        self.conn.close()
        write_file_facts(self.tmp)
        size = sum(p.stat().st_size for p in self.tmp.iterdir())
        self.tmp.rename(self.final)
        return size

    def abort(self) -> None:
        try:
            self.parquet.close()
            self.csv_file.close()
            self.json_file.close()
        finally:
            self.conn.close()
            shutil.rmtree(self.tmp, ignore_errors=True)


def write_file_facts(folder: Path) -> None:
    """files.json: size and SHA-256 of each download, for CKAN's resource `size`/`hash`."""
    facts = {}
    for fmt in ("csv", "json", "parquet"):
        path = folder / f"data.{fmt}"
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        facts[fmt] = {"size": path.stat().st_size, "sha256": digest.hexdigest()}
    (folder / "files.json").write_text(json.dumps(facts))


def prune(data_dir: Path, code: str, keep_from: int) -> None:
    """Remove generations before `keep_from` (the previous one stays for open readers)."""
    root = dataset_dir(data_dir, code)
    if not root.is_dir():
        return
    for child in root.iterdir():
        name = child.name.removesuffix(".tmp")
        if name.startswith("g") and name[1:].isdigit() and int(name[1:]) < keep_from:
            shutil.rmtree(child, ignore_errors=True)


def _cell(value: Any, kind: FieldType) -> Any:
    if value is None or value == "":
        return None
    if kind is FieldType.INTEGER:
        return int(value)
    if kind is FieldType.NUMBER:
        return float(value)
    if kind is FieldType.BOOLEAN:
        return 1 if value in (True, 1, "1", "true", "True", "t", "yes") else 0
    return value if isinstance(value, str) else str(value)
