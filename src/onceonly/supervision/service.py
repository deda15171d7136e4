"""One scorecard per department, built from the other domains' own figures.

Supervision owns no tables: it asks each domain (through its service or figures
functions) how each department did over a period, and raises a flag where a department
is *slow* (overdue reviews, late appeals, overdue open-data applications) or *closed*
(most of its resources not shared, most requests refused). The thresholds are the
constants below, so that an operator can read exactly why a cell is red.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from onceonly.appeals.desk import figures as appeals_figures
from onceonly.catalog import service as catalog
from onceonly.catalog.models import OpenClass, ShareClass
from onceonly.exchange import stats as exchange_stats
from onceonly.identity import service as identity
from onceonly.opendata import service as opendata
from onceonly.opendata.requests import applications as open_applications
from onceonly.services.casework import figures as service_figures
from onceonly.services.items import service as services
from onceonly.sharing.figures import ProviderFigures, provider_figures
from onceonly.web.i18n import local

ON_TIME_FLOOR = 0.9  # share of reviews / appeals finished within their deadline
SATISFACTION_FLOOR = 0.8  # share of rated appeals rated satisfied
NOT_SHARED_CEILING = 0.3  # share of a department's resources that are not shared at all
REJECTION_CEILING = 0.5  # share of decided sharing requests refused …
REJECTION_MIN_DECIDED = 3  # … once a department has decided at least this many
UPSTREAM_ERROR_CEILING = 0.05  # share of gateway calls failing because the source was down
UPSTREAM_MIN_CALLS = 20


@dataclass(frozen=True)
class Flag:
    code: str  # stable, e.g. "sharing-overdue"; the page words it
    kind: str  # "slow", "closed" or "unreliable"
    value: float | int


@dataclass
class Scorecard:
    department_id: int
    department_code: str
    department: str
    resources: int = 0
    not_shared: int = 0
    open_resources: int = 0
    sharing: ProviderFigures | None = None
    calls: int = 0
    upstream_errors: int = 0
    slowest_p95_ms: float | None = None
    appeals: appeals_figures.Figure | None = None
    open_overdue: int = 0
    open_quality_flags: int = 0
    incomplete_guides: int = 0
    services: service_figures.DepartmentFigures | None = None
    flags: list[Flag] = field(default_factory=list)

    @property
    def not_shared_rate(self) -> float | None:
        return self.not_shared / self.resources if self.resources else None

    @property
    def upstream_error_rate(self) -> float | None:
        return self.upstream_errors / self.calls if self.calls else None


def scorecards(session: Session, start: datetime, end: datetime) -> list[Scorecard]:
    """Every department's scorecard over [start, end), most flags first."""
    # Named in the reader's language (the page, its chart and its CSV show the name).
    cards = {d.id: Scorecard(d.id, d.code, local(d)) for d in identity.list_departments(session)}
    _add_catalog(session, cards)
    _add_sharing(session, cards, start, end)
    _add_exchange(session, cards, start, end)
    _add_appeals(session, cards, start, end)
    _add_opendata(session, cards)
    _add_services(session, cards, start, end)
    for card in cards.values():
        card.flags = flags_for(card)
    return sorted(cards.values(), key=lambda c: (-len(c.flags), c.department_code))


def _add_catalog(session: Session, cards: dict[int, Scorecard]) -> None:
    for resource in catalog.list_resources(session):
        card = cards[resource.department_id]
        card.resources += 1
        card.not_shared += resource.share_class is ShareClass.NOT_SHARED
        card.open_resources += resource.open_class is not OpenClass.NOT_OPEN


def _add_sharing(
    session: Session, cards: dict[int, Scorecard], start: datetime, end: datetime
) -> None:
    for department_id, figures in provider_figures(session, start, end).items():
        cards[department_id].sharing = figures


def _add_exchange(
    session: Session, cards: dict[int, Scorecard], start: datetime, end: datetime
) -> None:
    owner = {r.code: r.department_id for r in catalog.list_resources(session)}
    for traffic in exchange_stats.traffic(session, since=start, until=end):
        department_id = owner.get(traffic.resource_code)
        if department_id is None:
            continue  # calls to an unknown or retired resource: nobody's figure
        card = cards[department_id]
        card.calls += traffic.calls
        card.upstream_errors += traffic.upstream_errors
        card.slowest_p95_ms = max(card.slowest_p95_ms or 0.0, traffic.p95_ms)


def _add_appeals(
    session: Session, cards: dict[int, Scorecard], start: datetime, end: datetime
) -> None:
    for figure in appeals_figures.compute(session, start, end, by_category=False):
        if figure.department_id in cards:
            cards[figure.department_id].appeals = figure


def _add_opendata(session: Session, cards: dict[int, Scorecard]) -> None:
    for application in open_applications.overdue(session):
        cards[application.department_id].open_overdue += 1
    by_code = {c.department_code: c for c in cards.values()}
    for flag in opendata.quality_report(session):
        by_code[flag.department_code].open_quality_flags += 1


def _add_services(
    session: Session, cards: dict[int, Scorecard], start: datetime, end: datetime
) -> None:
    # Counted against the department that owns the item (a city's guide, the city's).
    for incomplete in services.completeness(session):
        card = cards.get(incomplete.item.department_id)
        if card is not None:
            card.incomplete_guides += 1
    # Cases: those submitted in the period, against the department that handles them.
    by_code = {c.department_code: c for c in cards.values()}
    for figures in service_figures.by_department(session, since=start, until=end):
        if (card := by_code.get(figures.department_code)) is not None:
            card.services = figures


def flags_for(card: Scorecard) -> list[Flag]:
    """Why a department is flagged: each rule is one line, its threshold a constant."""
    flags: list[Flag] = []
    sharing = card.sharing
    if sharing and sharing.overdue_now:
        flags.append(Flag("sharing-overdue", "slow", sharing.overdue_now))
    if sharing and (rate := sharing.on_time_rate) is not None and rate < ON_TIME_FLOOR:
        flags.append(Flag("sharing-late", "slow", rate))
    if (
        sharing
        and sharing.decided >= REJECTION_MIN_DECIDED
        and (rate := sharing.rejection_rate) is not None
        and rate > REJECTION_CEILING
    ):
        flags.append(Flag("sharing-refused", "closed", rate))
    if (rate := card.not_shared_rate) is not None and rate > NOT_SHARED_CEILING:
        flags.append(Flag("catalog-closed", "closed", rate))
    if (
        card.calls >= UPSTREAM_MIN_CALLS
        and (rate := card.upstream_error_rate) is not None
        and rate > UPSTREAM_ERROR_CEILING
    ):
        flags.append(Flag("source-failing", "unreliable", rate))
    flags.extend(_appeal_flags(card.appeals))
    if card.open_overdue:
        flags.append(Flag("opendata-overdue", "slow", card.open_overdue))
    if card.open_quality_flags:
        flags.append(Flag("opendata-quality", "unreliable", card.open_quality_flags))
    if card.incomplete_guides:
        flags.append(Flag("services-incomplete", "slow", card.incomplete_guides))
    flags.extend(_service_flags(card.services))
    return flags


def _service_flags(figures: service_figures.DepartmentFigures | None) -> list[Flag]:
    if figures is None:
        return []
    flags = []
    if figures.overdue:
        flags.append(Flag("services-overdue", "slow", figures.overdue))
    if figures.decided and figures.on_time_share < ON_TIME_FLOOR:
        flags.append(Flag("services-late", "slow", figures.on_time_share))
    return flags


def _appeal_flags(figure: appeals_figures.Figure | None) -> list[Flag]:
    if figure is None:
        return []
    flags = []
    if (rate := figure.on_time_rate) is not None and rate < ON_TIME_FLOOR:
        flags.append(Flag("appeals-late", "slow", rate))
    if (rate := figure.satisfaction_rate) is not None and rate < SATISFACTION_FLOOR:
        flags.append(Flag("appeals-unsatisfied", "slow", rate))
    return flags


def flag_counts(cards: list[Scorecard]) -> dict[str, int]:
    """How many departments carry each flag: the headline of the page."""
    counts: dict[str, int] = defaultdict(int)
    for card in cards:
        for flag in card.flags:
            counts[flag.code] += 1
    return dict(counts)
