"""File sources: a CSV or Parquet file read with pyarrow, cached until the file changes."""

from __future__ import annotations

import csv
import threading
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from onceonly.core.errors import Problem
from onceonly.exchange.connectors.base import Row, SourceSpec, failed

_lock = threading.Lock()
_cache: dict[Path, tuple[float, pa.Table]] = {}


def load_table(path: Path) -> pa.Table:
    """The file as an Arrow table; CSV columns are read as text so keys keep their zeros."""
    mtime = path.stat().st_mtime
    cached = _cache.get(path)
    if cached is not None and cached[0] == mtime:
        return cached[1]
    if path.suffix.lower() == ".parquet":
        table = pq.read_table(path)
    else:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            names = next(csv.reader(handle), [])
        types = {name: pa.string() for name in names}
        table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types=types))
    with _lock:
        _cache[path] = (mtime, table)
    return table


class FileConnector:
    def __init__(self, spec: SourceSpec, data_dir: Path) -> None:
        self.spec = spec
        path = Path(spec.config["path"])
        self.path = path if path.is_absolute() else data_dir / path

    def _table(self) -> pa.Table:
        try:
            return load_table(self.path)
        except (OSError, pa.ArrowException) as exc:
            raise failed(self.spec.code) from exc

    def _column_text(self, table: pa.Table, name: str) -> pa.ChunkedArray:
        return pc.cast(table[name], pa.string())

    def fetch(
        self, key: str | None, filters: dict[str, str], fields: list[str], limit: int, offset: int
    ) -> list[Row]:
        table = self._table()
        try:
            mask = None
            if key is not None:
                hits = [pc.equal(self._column_text(table, c), key) for c in self.spec.key_columns]
                mask = hits[0]
                for hit in hits[1:]:
                    mask = pc.or_(mask, hit)
            for name, value in filters.items():
                hit = pc.equal(self._column_text(table, self.spec.column(name)), value)
                mask = hit if mask is None else pc.and_(mask, hit)
            if mask is not None:
                table = table.filter(mask)
            columns = [self.spec.column(f) for f in fields]
            part = table.select(columns).slice(offset, limit).rename_columns(fields)
        except (KeyError, pa.ArrowException) as exc:
            raise failed(self.spec.code) from exc
        return part.to_pylist()

    def iter_rows(self, fields: list[str], batch: int = 10000) -> Iterator[list[Row]]:
        table = self._table().select([self.spec.column(f) for f in fields]).rename_columns(fields)
        for record_batch in table.to_batches(max_chunksize=batch):
            yield record_batch.to_pylist()

    def check(self) -> str:
        try:
            rows = self._table().num_rows
        except Problem:
            return f"file {self.path} cannot be read"
        return f"file {self.path.name}: {rows} rows"
