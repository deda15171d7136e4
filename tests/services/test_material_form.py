"""The materials are given in one form (issue 22): each field saves itself through HTMX
and the answer is its block again, with the reason when it was refused (nothing of it
kept); without scripts the whole form is sent, and saved only if all of it is valid."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from onceonly.services.applications import applications
from tests.helpers import csrf_from
from tests.services.test_application_pages import missing_keys, start_as_mother

HTMX = {"HX-Request": "true"}


def _state(client: TestClient, ref: str, key: str) -> str:
    with client.app.state.db.session() as session:  # type: ignore[attr-defined]
        application = applications.get_application(session, ref)
        return applications.material(application, key).state.value


@pytest.mark.usefixtures("asking_guides")
def test_each_field_saves_itself_and_answers_with_its_block(demo_client: TestClient) -> None:
    client = demo_client
    ref = start_as_mother(client)
    page = client.get(f"/portal/applications/{ref}").text
    assert page.count('id="materials-form"') == 1  # one form for every material
    assert "flash error" not in page  # nothing is wrong before the citizen has tried
    asked = dict(missing_keys(page))
    text_key = next(k for k, kind in asked.items() if kind == "text")
    file_key = next(k for k, kind in asked.items() if kind == "file")
    headers = {**HTMX, "X-CSRF-Token": csrf_from(client, f"/portal/applications/{ref}")}
    saved = client.post(
        f"/portal/applications/{ref}/materials/{text_key}",
        data={f"text-{text_key}": "6222 0000 1111 2222"},
        headers=headers,
    )
    assert saved.status_code == 200 and "<html" not in saved.text
    assert f'id="m-{text_key}" data-state="provided"' in saved.text
    refused = client.post(
        f"/portal/applications/{ref}/materials/{file_key}",
        files={f"upload-{file_key}": ("x.exe", b"MZ", "application/octet-stream")},
        headers=headers,
    )
    assert refused.status_code == 200 and 'role="alert"' in refused.text
    assert 'data-state="missing"' in refused.text
    assert _state(client, ref, file_key) == "missing"
    assert _state(client, ref, text_key) == "provided"


@pytest.mark.usefixtures("asking_guides")
def test_the_whole_form_without_scripts_is_all_or_nothing(demo_client: TestClient) -> None:
    client = demo_client
    ref = start_as_mother(client)
    asked = dict(missing_keys(client.get(f"/portal/applications/{ref}").text))
    token = csrf_from(client, f"/portal/applications/{ref}")
    texts = {f"text-{k}": "6222 0000 1111 2222" for k, kind in asked.items() if kind == "text"}
    files = [(f"upload-{k}", ("scan.pdf", b"%PDF-1.4 scan", "application/pdf"))
             for k, kind in asked.items() if kind == "file"]  # fmt: skip
    bad = [*files[:-1], (files[-1][0], ("x.exe", b"MZ", "application/octet-stream"))]
    refused = client.post(f"/portal/applications/{ref}/materials",
                          data={**texts, "csrf_token": token}, files=bad)  # fmt: skip
    assert "flash error" in refused.text
    assert {_state(client, ref, k) for k in asked} == {"missing"}  # nothing half-saved
    client.post(f"/portal/applications/{ref}/materials", data={**texts, "csrf_token": token},
                files=files)  # fmt: skip
    assert {_state(client, ref, k) for k in asked} == {"provided"}
