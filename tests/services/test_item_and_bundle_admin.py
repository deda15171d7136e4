"""Administrators create items and create or edit bundles in the workbench: through the
forms, with the completeness check on what they save, and the refusals (another
department, unknown or wrong-kind items, a taken code, bad input)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.helpers import csrf_from, sign_in_staff

NEW_ITEM = {
    "code": "TEST-ITEM-0001",
    "basic_code": "TEST0001",
    "name": "测试事项",
    "name_en": "A test item",
    "department": "health",
    "kind": "public_service",
    "subject": "person",
}


def test_an_item_is_created_then_its_guide_shows_what_is_missing(demo_client: TestClient) -> None:
    admin = demo_client
    sign_in_staff(admin, "health.admin")
    token = csrf_from(admin, "/workbench/services/items/new")
    created = admin.post("/workbench/services/items/new", data={**NEW_ITEM, "csrf_token": token},
                         follow_redirects=False)  # fmt: skip
    assert created.headers["location"] == "/workbench/services/items/TEST-ITEM-0001/edit"
    guide = admin.get(created.headers["location"]).text
    assert 'id="gaps"' in guide  # an empty guide: the completeness check lists it
    assert "TEST-ITEM-0001" in admin.get("/workbench/services").text
    taken = admin.post("/workbench/services/items/new", data={**NEW_ITEM, "csrf_token": token})
    assert taken.status_code == 409 and 'id="form-errors"' in taken.text
    elsewhere = {**NEW_ITEM, "code": "TEST-ITEM-0002", "department": "ps", "csrf_token": token}
    assert admin.post("/workbench/services/items/new", data=elsewhere).status_code == 403
    bad = {**NEW_ITEM, "code": "x", "name": "", "kind": "nonsense", "csrf_token": token}
    refused = admin.post("/workbench/services/items/new", data=bad)
    assert refused.status_code == 422 and refused.text.count("<li>") >= 3


def test_bundles_are_created_and_edited_with_their_items_gaps(demo_client: TestClient) -> None:
    platform = demo_client
    sign_in_staff(platform, "dsb.platform")
    listing = platform.get("/workbench/services/bundles").text
    assert 'href="/workbench/services/bundles/having-a-baby/edit"' in listing
    form = platform.get("/workbench/services/bundles/having-a-baby/edit").text
    chosen = form.split('id="bundle-items"', 1)[1]
    codes = re.findall(r'<option value="([^"]+)" selected', chosen)
    assert len(codes) >= 2
    token = csrf_from(platform, "/workbench/services/bundles/new")
    bundle = {"code": "test-bundle", "name": "测试一件事", "subject": "person", "active": "1",
              "csrf_token": token}  # fmt: skip
    unknown = platform.post("/workbench/services/bundles/new",
                            data={**bundle, "items": ["NO-SUCH-ITEM"]})  # fmt: skip
    assert unknown.status_code == 422 and "NO-SUCH-ITEM" in unknown.text
    as_company = {**bundle, "subject": "entity", "items": codes[:2]}
    wrong_kind = platform.post("/workbench/services/bundles/new", data=as_company)
    assert wrong_kind.status_code == 422
    saved = platform.post("/workbench/services/bundles/new",
                          data={**bundle, "items": codes[:2]}, follow_redirects=False)  # fmt: skip
    assert saved.headers["location"] == "/workbench/services/bundles/test-bundle/edit"
    page = platform.get("/workbench/services/bundles/test-bundle/edit").text
    assert 'id="gaps"' in page or 'id="complete"' in page
    assert platform.get("/services/bundles/test-bundle").status_code == 200
    taken = platform.post("/workbench/services/bundles/new", data={**bundle, "items": codes[:1]})
    assert taken.status_code == 409
    # A department's administrator cannot edit a bundle across departments.
    health = TestClient(platform.app)
    sign_in_staff(health, "health.admin")
    edit = "/workbench/services/bundles/having-a-baby/edit"
    token = csrf_from(health, edit)
    refused = health.post(edit, data={**bundle, "code": "having-a-baby", "items": codes,
                                      "csrf_token": token})  # fmt: skip
    assert refused.status_code == 403
