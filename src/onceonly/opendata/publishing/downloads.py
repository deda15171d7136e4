"""Downloads streamed in batches: memory stays flat whatever the snapshot's size.

CSV (optionally with a UTF-8 byte order mark, so spreadsheet programs read Chinese
text right), JSON and Parquet of a whole dataset are files written with the snapshot;
CSV and JSON of a filtered selection are encoded from the snapshot on the fly, in
batches, so they take the same filters as the row API.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from onceonly.core.downloads import BOM as UTF8_BOM
from onceonly.core.downloads import CSV_MEDIA_TYPE
from onceonly.opendata.publishing.rows import RowQuery, Snapshot

BOM = UTF8_BOM.encode()
MEDIA_TYPES = {
    "csv": CSV_MEDIA_TYPE,
    "json": "application/json",
    "parquet": "application/vnd.apache.parquet",
}


FILE_CHUNK = 1 << 20


def file_chunks(path: Path, *, bom: bool = False) -> Iterator[bytes]:
    """A written export, a megabyte at a time (with a BOM in front if asked)."""
    if bom:
        yield BOM
    with path.open("rb") as handle:
        while chunk := handle.read(FILE_CHUNK):
            yield chunk


def csv_chunks(snapshot: Snapshot, query: RowQuery, *, bom: bool = False) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(snapshot.names(query))
    head = buffer.getvalue().encode()
    yield (BOM + head) if bom else head
    for rows in snapshot.stream(query):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(rows)
        yield buffer.getvalue().encode()


def json_chunks(snapshot: Snapshot, query: RowQuery) -> Iterator[bytes]:
    """A JSON array of objects, one batch of rows per chunk."""
    names = snapshot.names(query)
    booleans = {i for i, n in enumerate(names) if snapshot.columns[n] == "BOOLEAN"}
    first = True
    yield b"["
    for rows in snapshot.stream(query):
        objects: list[dict[str, Any]] = [dict(zip(names, row, strict=True)) for row in rows]
        if booleans:
            for obj in objects:
                for i in booleans:
                    if obj[names[i]] is not None:
                        obj[names[i]] = bool(obj[names[i]])
        text = json.dumps(objects, ensure_ascii=False, separators=(",", ":"))[1:-1]
        yield ((b"" if first else b",") + text.encode()) if text else b""
        first = first and not text
    yield b"]"
