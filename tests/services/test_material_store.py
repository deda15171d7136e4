"""The material store (材料复用): kept on submission, sealed at rest, offered again with
its origin and age, copied in only by the applicant's choice and logged; deleted by its
owner only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from onceonly.audit.models import AuditEntry
from onceonly.core.errors import Conflict, NotFound
from onceonly.core.meta import get_meta
from onceonly.demo.generator import CORE_STEP
from onceonly.identity.models import Person
from onceonly.services.applications import applications, starting
from onceonly.services.materials import service as store
from onceonly.services.materials.models import StoredMaterial
from onceonly.services.models import MaterialState
from tests.services.test_applications import (  # noqa: F401 (autouse: start_baby needs it)
    _remember_settings,
    applicant,
    demo_settings_of,
    featured,
    start_baby,
    submit_complete,
)

pytestmark = pytest.mark.usefixtures("asking_guides")  # they need materials the citizen gives


def submit_baby(demo_db) -> tuple[str, list[str]]:  # type: ignore[no-untyped-def]
    """A submitted having-a-baby application; the keys the mother gave herself."""
    ref = start_baby(demo_db)
    with demo_db.session() as session:
        application = applications.get_application(session, ref)
        given = [m.key for m in applications.missing(application)]
        submit_complete(session, application)
        assert store.keep_given(session, application) == len(given)
        assert store.keep_given(session, application) == 0  # a second call keeps nothing new
    return ref, given


def start_again(demo_db) -> str:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        mother = featured(session, "new mother")
        return starting.start(
            session, applicant(mother), bundle_code="having-a-baby", db=demo_db,
            settings=demo_settings_of(demo_db), again=True,
        ).ref  # fmt: skip


def test_given_materials_are_kept_sealed_and_reused_by_choice(demo_db) -> None:  # type: ignore[no-untyped-def]
    first, given = submit_baby(demo_db)
    second = start_again(demo_db)
    with demo_db.session() as session:
        mother = featured(session, "new mother")
        kept = store.mine(session, applicant(mother))
        assert {s.key for s in kept} == set(given)
        upload = next(s for s in kept if s.kind == "upload")
        assert b"demo scan" not in upload.sealed.encode()  # sealed, not stored in the clear
        application = applications.get_application(session, second)
        offers = store.offers(session, application)
        assert set(offers) == set(given) and offers[upload.key].source_ref == first
        # Offered, not given: nothing is copied until the applicant chooses.
        assert applications.material(application, upload.key).state is MaterialState.MISSING
        store.reuse(session, application, upload.key, upload.id, applicant(mother))
        reused = applications.material(application, upload.key)
        assert reused.state is MaterialState.PROVIDED and reused.origin == store.REUSED_ORIGIN
        assert reused.content == b"%PDF-1.4 demo scan" and reused.data["reused_from"] == first
        logged = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "material.reuse")
        ).all()
        assert [e.object_id for e in logged] == [second]
        assert upload.key not in store.offers(session, application)


def test_reuse_and_delete_refuse_what_is_not_yours_or_has_expired(demo_db) -> None:  # type: ignore[no-untyped-def]
    _first, given = submit_baby(demo_db)
    second = start_again(demo_db)
    with demo_db.session() as session:
        mother = applicant(featured(session, "new mother"))
        core = get_meta(session, CORE_STEP)
        other_id = next(f["id_number"] for f in core["featured"] if f["id_number"] != mother.code)
        other = session.scalar(select(Person).where(Person.id_number == other_id))
        assert other is not None
        stranger = applicant(other)
        stored = store.mine(session, mother)[0]
        application = applications.get_application(session, second)
        with pytest.raises(NotFound):
            store.remove(session, stranger, stored.id)
        with pytest.raises(NotFound):
            store.reuse(session, application, stored.key, stored.id, stranger)
        wrong_key = next(k for k in given if k != stored.key)
        with pytest.raises(Conflict) as wrong:
            store.reuse(session, application, wrong_key, stored.id, mother)
        assert wrong.value.code == "wrong-stored-material"
        stored.expires_at = stored.given_at - timedelta(days=1)
        with pytest.raises(Conflict) as expired:
            store.reuse(session, application, stored.key, stored.id, mother)
        assert expired.value.code == "stored-material-expired"
        assert stored.key not in store.offers(session, application)
        assert store.purge_expired(session) == 1  # the expired one, nothing else
        assert len(store.mine(session, mother)) == len(given) - 1
        store.remove(session, mother, store.mine(session, mother)[0].id)
        session.flush()
        assert len(store.mine(session, mother)) == len(given) - 2
        assert session.scalar(select(StoredMaterial).where(StoredMaterial.id == stored.id)) is None
