"""Keep personal data out of the server's logs.

Uvicorn's access log writes each request's full path. ID numbers may travel in query
strings (a search by ID number, a paging link), so the access log keeps the path and
replaces the query string with `?…`. Paths themselves carry only row ids and codes.
"""

from __future__ import annotations

import logging

ACCESS_LOGGER = "uvicorn.access"


class RedactQueryStrings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        # uvicorn: (client_addr, method, full_path, http_version, status_code)
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            path, sep, _query = args[2].partition("?")
            if sep:
                record.args = (args[0], args[1], path + "?…", args[3], args[4])
        return True


def redact_access_log() -> None:
    """Install the filter once in this process (each app process calls it)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, RedactQueryStrings) for f in logger.filters):
        logger.addFilter(RedactQueryStrings())
