"""Where a `sql` connector's `{"source": "<code>"}` points: a department's own database.

A deployment names its departments' databases in `ONCEONLY_SOURCES`, a JSON object
`{"<code>": "<SQLAlchemy URL>"}`. A code it does not name is looked for beside the
platform's database (a single-server pilot, and the demo, keep them there): the schema
`src_<code>` of the same PostgreSQL server, or `<data_dir>/sources/<code>.db` next to
a SQLite platform.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy.engine import make_url

from onceonly.core.settings import Settings

SOURCE_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")  # safe in a schema and a file name


def colocated_url(platform_url: str, data_dir: Path, code: str) -> str:
    """Where source `code` lives when it sits beside the platform's database."""
    if not SOURCE_CODE.match(code):
        raise KeyError(f"unknown source {code!r}")
    if platform_url.startswith("sqlite"):
        return f"sqlite:///{(data_dir / 'sources' / f'{code}.db').resolve()}"
    url = make_url(platform_url).update_query_dict({"options": f"-csearch_path=src_{code}"})
    return url.render_as_string(hide_password=False)


def source_url(settings: Settings, code: str) -> str:
    """The SQLAlchemy URL of source `code` in this deployment (KeyError if it has none)."""
    if code in settings.sources:
        return settings.sources[code]
    url = colocated_url(settings.database_url, settings.data_dir, code)
    # SQLite would quietly create an empty file for a source that does not exist.
    if url.startswith("sqlite") and not (settings.data_dir / "sources" / f"{code}.db").is_file():
        raise KeyError(f"unknown source {code!r}")
    return url
