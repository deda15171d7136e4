"""Files people download: CSV tables and other attachments, built one way everywhere.

CSV goes out as UTF-8 with a byte-order mark in front, so that Excel (what clerks open
it with) reads the Chinese names instead of mojibake.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

from fastapi.responses import Response, StreamingResponse

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"

Row = Sequence[object]


def csv_text(header: Row, rows: Iterable[Row]) -> str:
    """A whole table as CSV text (RFC 4180 line ends)."""
    return "".join(csv_batches(header, [rows]))


def csv_batches(header: Row, batches: Iterable[Iterable[Row]]) -> Iterator[str]:
    """The header, then one piece of CSV text per batch of rows: for streaming a long
    table without holding it in memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for rows in batches:
        writer.writerows(rows)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def attachment(
    body: str | bytes, filename: str, media_type: str, *, no_store: bool = False
) -> Response:
    """A file the browser saves under `filename` (personal data: `no_store`)."""
    return Response(body, media_type=media_type, headers=_headers(filename, no_store))


def csv_attachment(body: str | Iterable[str], filename: str) -> Response:
    """A CSV file with the BOM in front; text is sent whole, an iterable is streamed."""
    if isinstance(body, str):
        return attachment(BOM + body, filename, CSV_MEDIA_TYPE)
    return StreamingResponse(
        _with_bom(body), media_type=CSV_MEDIA_TYPE, headers=_headers(filename, False)
    )


def _with_bom(pieces: Iterable[str]) -> Iterator[str]:
    yield BOM
    yield from pieces


def _headers(filename: str, no_store: bool) -> dict[str, str]:
    headers = {"content-disposition": f'attachment; filename="{filename}"'}
    if no_store:
        headers["cache-control"] = "no-store"
    return headers
