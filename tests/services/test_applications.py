"""Applications end to end at the service layer: prefill from the exchange and the licence
library, ask once, submit, route, review with one correction, results as e-licences,
notifications and the data tracker."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes
from typing import Any

import pytest
from sqlalchemy import select

from onceonly.audit.models import AuditEntry
from onceonly.audit.service import subject_ref
from onceonly.core.db import Database, utcnow
from onceonly.core.errors import Conflict, Invalid
from onceonly.core.meta import get_meta
from onceonly.core.settings import Settings
from onceonly.demo.generator import CORE_STEP
from onceonly.identity.models import Person, User
from onceonly.licences.models import Licence
from onceonly.services.applications import applications, starting
from onceonly.services.applications.applications import Applicant
from onceonly.services.casework import figures, notify, review
from onceonly.services.models import (
    Application,
    ApplicationStatus,
    CaseStatus,
    MaterialState,
    Notification,
    SubjectKind,
)


def featured(session: Any, story: str) -> Person:
    core = get_meta(session, CORE_STEP)
    id_number = next(f["id_number"] for f in core["featured"] if f["story"].startswith(story))
    person = session.scalar(select(Person).where(Person.id_number == id_number))
    assert person is not None
    return person


def applicant(person: Person, email: str = "") -> Applicant:
    return Applicant(
        SubjectKind.PERSON, person.id_number, person.name, person.id, person.id_number, email
    )


def staff(session: Any, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    assert user is not None
    return user


def fill_missing(session: Any, application: Any) -> None:
    for material in applications.missing(application):
        if material.source_kind is not None and material.source_kind.value == "form":
            applications.provide_text(session, application, material.key, "6222 0000 1111")
        else:
            applications.provide_upload(
                session, application, material.key, "scan.pdf", b"%PDF-1.4 demo scan"
            )


def submit_complete(session: Any, application: Any) -> None:
    """Give every missing material, then submit it as the applicant who confirms."""
    fill_missing(session, application)
    applications.submit(session, application, confirmed=True)


def submitted(session: Any, ref: str) -> Application:
    """The application `ref`, every missing material given and submitted."""
    application = applications.get_application(session, ref)
    submit_complete(session, application)
    return application


_SETTINGS: dict[str, Settings] = {}


@pytest.fixture(autouse=True)
def _remember_settings(demo_settings: Settings) -> None:
    _SETTINGS[demo_settings.database_url] = demo_settings


def demo_settings_of(db: Database) -> Settings:
    return _SETTINGS[db.url]


def start_baby(demo_db: Database, email: str = "") -> str:
    settings = demo_settings_of(demo_db)
    with demo_db.session() as session:
        mother = featured(session, "new mother")
        application = starting.start(
            session,
            applicant(mother, email),
            bundle_code="having-a-baby",
            db=demo_db,
            settings=settings,
        )
        return application.ref


@pytest.mark.usefixtures("asking_guides")
def test_having_a_baby_prefills_from_five_departments_and_asks_only_the_rest(demo_db) -> None:  # type: ignore[no-untyped-def]
    ref = start_baby(demo_db)
    with demo_db.session() as session:
        application = applications.get_application(session, ref)
        states = {m.key: m for m in application.materials}
        assert len(application.cases) == 5
        assert application.status is ApplicationStatus.DRAFT
        # Exchange data from public security, health, civil affairs and HRSS.
        assert states["birth_data"].state is MaterialState.FETCHED
        assert states["birth_data"].origin == "health.births"
        assert states["birth_data"].data["mother_id_number"] == application.applicant_code
        assert states["marriage_data"].state is MaterialState.FETCHED
        assert states["household_data"].state is MaterialState.FETCHED
        assert states["insured"].state is MaterialState.FETCHED
        # Licences from the library; the birth certificate comes from the bundle's own
        # first item, so the parent is not asked for it.
        assert states["marriage"].state is MaterialState.FETCHED
        assert states["marriage"].origin.startswith("CA-MARRIAGE_CERT")
        assert states["id_card"].state is MaterialState.FETCHED
        assert states["household"].state is MaterialState.FETCHED
        assert states["birth_cert"].state is MaterialState.FROM_BUNDLE
        # Each key once, however many items need it; only forms and uploads are asked.
        assert len({m.key for m in application.materials}) == len(application.materials)
        asked = {m.key for m in applications.missing(application)}
        assert asked == {"contact", "photo"}  # as the asking_guides fixture has them
        # The home region came from the household register.
        assert application.home_region_code is not None
        assert application.prefill_ms is not None


def test_every_fetch_is_in_the_tracker_with_the_application_as_purpose(demo_db) -> None:  # type: ignore[no-untyped-def]
    ref = start_baby(demo_db)
    with demo_db.session() as session:
        mother = featured(session, "new mother")
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.subject_ref == subject_ref(mother.id_number))
        ).all()
        ours = [e for e in entries if ref in (e.purpose or "")]
        resources = {e.object_id for e in ours if e.action == "exchange.query"}
        assert {
            "health.births",
            "ca.marriages",
            "ps.residents",
            "hrss.insured_persons",
        } <= resources
        assert any(e.action == "licence.present" for e in ours)


@pytest.mark.usefixtures("asking_guides")
def test_submit_refuses_gaps_and_unconfirmed_data(demo_db) -> None:  # type: ignore[no-untyped-def]
    ref = start_baby(demo_db)
    with demo_db.session() as session:
        application = applications.get_application(session, ref)
        with pytest.raises(Invalid) as not_confirmed:
            applications.submit(session, application, confirmed=False)
        assert not_confirmed.value.code == "not-confirmed"
        with pytest.raises(Invalid) as gaps:
            applications.submit(session, application, confirmed=True)
        assert gaps.value.code == "materials-missing"
        assert set(gaps.value.extra["missing"]) == {
            m.key for m in applications.missing(application)
        }
        key = applications.missing(application)[0].key
        with pytest.raises(Invalid):
            applications.provide_upload(session, application, key, "virus.exe", b"MZ")
        with pytest.raises(Invalid):
            applications.provide_upload(session, application, key, "empty.pdf", b"")
        assert application.status is ApplicationStatus.DRAFT


def test_submit_routes_review_issues_results_and_notifies(demo_db, demo_settings: Settings) -> None:  # type: ignore[no-untyped-def]
    ref = start_baby(demo_db, email="mother@example.cn")
    with demo_db.session() as session:
        application = submitted(session, ref)
        with pytest.raises(Conflict):
            applications.submit(session, application, confirmed=True)
        home = application.home_region_code
        assert home is not None
        for case in application.cases:
            assert case.status is CaseStatus.SUBMITTED
            assert case.department is not None and case.due_at is not None
            # Routed to the city of the household (or its county), never elsewhere.
            assert case.department.region_code in {home, home[:4] + "00", "330000"}
        with pytest.raises(Conflict):
            applications.provide_text(session, application, "bank", "changed")
    with demo_db.session() as session:
        application = applications.get_application(session, ref)
        birth = application.cases[0]
        household = application.cases[1]
        health = staff(session, "health.reviewer")
        police = staff(session, "ps.reviewer")
        # The household registration waits for the birth certificate of the first item.
        review.accept(session, police, household)
        with pytest.raises(Conflict) as waiting:
            review.approve(session, police, household)
        assert waiting.value.code == "waiting-for-result"
        review.accept(session, health, birth)
        review.approve(session, health, birth)
        assert birth.result_serial
        review.approve(session, police, household)
        for case in application.cases:
            if case.status is CaseStatus.SUBMITTED:
                assert case.department is not None
                reviewer = staff(session, f"{case.department.code.split('-')[0]}.reviewer")
                review.accept(session, reviewer, case)
                review.approve(session, reviewer, case)
        assert application.status is ApplicationStatus.COMPLETED
    with demo_db.session() as session:
        application = applications.get_application(session, ref)
        licence = session.scalar(
            select(Licence).where(Licence.serial == application.cases[0].result_serial)
        )
        assert licence is not None and licence.type_code == "birth_cert"
        assert licence.holder_code == application.applicant_code
        notes = session.scalars(
            select(Notification).where(Notification.application_id == application.id)
        ).all()
        assert len(notes) == 1 + 5  # submitted, then one per decision
        assert notify.deliver_pending(session, demo_settings) == len(notes)
    outbox = sorted((demo_settings.data_dir / "outbox").glob("*.eml"))
    assert len(outbox) == len(notes)
    message = message_from_bytes(outbox[0].read_bytes())
    assert message["To"] == "mother@example.cn"


def test_one_correction_listing_everything_then_the_clock_restarts(demo_db) -> None:  # type: ignore[no-untyped-def]
    ref = start_baby(demo_db)
    with demo_db.session() as session:
        application = submitted(session, ref)
        allowance = application.cases[4]
        reviewer = staff(session, "hrss.reviewer")
        police = staff(session, "ps.reviewer")
        with pytest.raises(Exception) as other:
            review.case_for(session, police, allowance.id)
        assert getattr(other.value, "status", None) == 404
        with pytest.raises(Invalid):
            review.ask_correction(session, reviewer, allowance, ["no-such"], "x")
        with pytest.raises(Invalid):
            review.ask_correction(session, reviewer, allowance, ["leave", "bank"], " ")
        review.ask_correction(
            session, reviewer, allowance, ["leave", "bank"], "产假证明不清晰；银行账户需本人"
        )
        with pytest.raises(Conflict) as twice:
            review.ask_correction(session, reviewer, allowance, ["bank"], "again")
        assert twice.value.code == "correction-already-asked"
        assert allowance.status is CaseStatus.CORRECTION
        with pytest.raises(Invalid):
            applications.resubmit(session, application)
        applications.provide_text(session, application, "bank", "6222 0000 2222")
        applications.provide_upload(session, application, "leave", "leave.png", b"\x89PNG..")
        before = allowance.due_at
        applications.resubmit(session, application)
        assert allowance.status is CaseStatus.SUBMITTED
        assert allowance.due_at is not None and before is not None and allowance.due_at >= before
        review.accept(session, reviewer, allowance)
        with pytest.raises(Invalid):
            review.reject(session, reviewer, allowance, "")
        review.reject(session, reviewer, allowance, "未参加生育保险满一年")
        assert allowance.status is CaseStatus.REJECTED
        kinds = [e.kind for e in applications.timeline(session, application)]
        assert kinds[:2] == ["Started", "Submitted"]
        assert "Correction asked" in kinds and "Corrected" in kinds and "Rejected" in kinds


def test_overdue_cases_and_figures(demo_db) -> None:  # type: ignore[no-untyped-def]
    ref = start_baby(demo_db)
    with demo_db.session() as session:
        application = submitted(session, ref)
        late = application.cases[3]
        late.due_at = utcnow() - timedelta(days=1)
        assert review.is_overdue(late)
        overdue = session.scalars(review.cases_query(None, overdue=True)).all()
        assert [c.id for c in overdue] == [late.id]
        reviewer = staff(session, "health.reviewer")
        review.accept(session, reviewer, application.cases[0])
        review.approve(session, reviewer, application.cases[0])
    with demo_db.session() as session:
        rows = {row.item_code: row for row in figures.by_item(session)}
        birth = next(r for r in rows.values() if r.item_name == "出生医学证明首次签发")
        assert birth.cases == 1 and birth.decided == 1 and birth.on_time == 1
        assert 0 < birth.fetched_share <= 1
        departments = {row.department_code: row for row in figures.by_department(session)}
        assert sum(r.overdue for r in departments.values()) == 1


def test_a_company_item_refuses_a_person_and_unknown_codes(demo_db) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        mother = featured(session, "new mother")
        with pytest.raises(Invalid) as wrong:
            starting.start(session, applicant(mother), bundle_code="starting-a-business")
        assert wrong.value.code == "wrong-applicant-kind"
        with pytest.raises(Invalid):
            starting.start(session, applicant(mother))
        with pytest.raises(Exception) as unknown:
            starting.start(session, applicant(mother), item_code="NO-SUCH")
        assert getattr(unknown.value, "status", None) == 404


def test_cross_region_items_go_home_and_the_others_stay_where_submitted(demo_db) -> None:  # type: ignore[no-untyped-def]
    ref = start_baby(demo_db)
    with demo_db.session() as session:
        application = applications.get_application(session, ref)
        home = application.home_region_code
        assert home is not None
        elsewhere = next(c for c in ("330200", "330300") if not home.startswith(c[:4]))
        application.region_code = elsewhere  # submitted in another city
        submit_complete(session, application)
        for case in application.cases:
            assert case.department is not None
            region = case.department.region_code
            if case.item.cross_region or (
                case.item.template_id is not None
                and session.get(type(case.item), case.item.template_id).cross_region
            ):
                assert region[:4] in (home[:4], "3300"), case.item.name
            else:
                assert region[:4] in (elsewhere[:4], "3300"), case.item.name
        regions = {c.department.region_code[:4] for c in application.cases if c.department}
        assert home[:4] in regions and elsewhere[:4] in regions


def test_cli_delivers_to_the_outbox_and_prints_figures(demo_db, demo_settings: Settings) -> None:  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys

    ref = start_baby(demo_db, email="cli@example.cn")
    with demo_db.session() as session:
        submitted(session, ref)
    env = {
        **os.environ,
        "ONCEONLY_DATABASE_URL": demo_settings.database_url,
        "ONCEONLY_DATA_DIR": str(demo_settings.data_dir),
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "onceonly", "services", *args],
            env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    sent = run("deliver")
    assert sent.returncode == 0, sent.stderr
    assert "sent 1" in sent.stdout
    assert len(list((demo_settings.data_dir / "outbox").glob("*.eml"))) == 1
    figures_csv = run("figures", "--by", "item", "--csv")
    assert figures_csv.returncode == 0 and "fetched_share" in figures_csv.stdout
    bad = run("figures", "--by", "nonsense")
    assert bad.returncode != 0 and len(bad.stderr.strip().splitlines()) == 1


def test_a_company_starts_a_bundle_with_its_register_entry_fetched(demo_db) -> None:  # type: ignore[no-untyped-def]
    from onceonly.identity.models import LegalEntity

    settings = demo_settings_of(demo_db)
    with demo_db.session() as session:
        owner = featured(session, "runs a company")
        company = session.scalar(
            select(LegalEntity).where(LegalEntity.representative_id == owner.id)
        )
        assert company is not None
        applicant = Applicant(
            SubjectKind.ENTITY, company.credit_code, company.name, owner.id, owner.id_number
        )
        application = starting.start(
            session, applicant, bundle_code="starting-a-business", db=demo_db, settings=settings
        )
        states = {m.key: m for m in application.materials}
        assert states["company"].state is MaterialState.FETCHED
        assert states["company"].data["credit_code"] == company.credit_code
        assert states["id_card"].state is MaterialState.FETCHED  # the representative's
        assert application.applicant_code == company.credit_code
