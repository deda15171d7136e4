"""The demo's data folder is shared by the tests of one run: each test that reads the
e-mail outbox starts with an empty one."""

from __future__ import annotations

import shutil

import pytest


@pytest.fixture(autouse=True)
def _empty_outbox(request: pytest.FixtureRequest) -> None:
    if "demo_settings" in request.fixturenames:
        settings = request.getfixturevalue("demo_settings")
        shutil.rmtree(settings.data_dir / "outbox", ignore_errors=True)


@pytest.fixture
def asking_guides(demo_db):  # type: ignore[no-untyped-def]
    """The guides as they were before issue 18 for two materials — the photo uploaded,
    contact details filled in — for the tests of what the applicant gives (since then
    the having-a-baby bundle asks for nothing)."""
    from sqlalchemy import update

    from onceonly.services.models import ServiceMaterial, SourceKind

    with demo_db.session() as session:
        for key, kind in (("photo", SourceKind.UPLOAD), ("contact", SourceKind.FORM)):
            session.execute(
                update(ServiceMaterial)
                .where(ServiceMaterial.key == key)
                .values(source_kind=kind, resource_code="", fields=[])
            )
