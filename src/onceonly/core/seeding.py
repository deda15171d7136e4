"""What a domain's demo seeder gets: the database, the province, the sources.

The contract lives in core so that a domain's `demo.py` depends on core only; the demo
package (`onceonly.demo`) builds the context and calls every seeder, never the reverse.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Console
from sqlalchemy import MetaData
from sqlalchemy.orm import Session

from onceonly.core.actors import Actor
from onceonly.core.settings import Settings
from onceonly.identity.models import Department


@dataclass
class SeedContext:
    """Handed to `onceonly.<domain>.demo.seed(ctx)` inside one transaction.

    `departments` maps a department kind's short code ("ps", "ca", …) to the provincial
    department; `city_departments` maps (code, city division) to the city's one.
    `sources` maps a source code to its SQLAlchemy URL (reach it through a connector);
    `source_tables` gives a source's tables, for a seeder that reads a source directly.
    """

    session: Session
    settings: Settings
    seed: int
    people: int
    today: date
    data_dir: Path
    departments: dict[str, Department]
    city_departments: dict[tuple[str, str], Department]
    sources: dict[str, str]
    source_tables: Callable[[str], MetaData]
    featured: list[dict[str, Any]]
    console: Console = field(default_factory=lambda: Console(stderr=True))
    actor: Actor = field(default_factory=lambda: Actor.system("demo generator"))
