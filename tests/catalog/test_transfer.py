"""Bulk import of a sharing list: every bad row named, all or nothing; export round-trip."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from onceonly.audit.models import AuditEntry
from onceonly.catalog import service
from onceonly.catalog.models import Resource, ResourceVersion
from onceonly.catalog.search import SearchQuery
from onceonly.catalog.transfer import check, exporting, importing, reading
from onceonly.catalog.transfer.importing import ImportRejected
from onceonly.core.actors import Actor
from onceonly.identity import service as identity
from onceonly.identity.models import RegionLevel

BY = Actor("system", "test", "importer")
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "sharing-list.csv"
HEADER = "code,name,department,subject_type,key_field,share_class,open_class,legal_basis,fields"


@pytest.fixture
def departments(db):  # type: ignore[no-untyped-def]
    with db.session() as session:
        identity.add_region(session, "330000", "浙江省", RegionLevel.province)
        ids = {}
        for code, name in [("ps", "公安厅"), ("ca", "民政厅")]:
            ids[code] = identity.add_department(
                session, code=code, name=name, kind=code, region_code="330000"
            ).id
    return ids


def count(db) -> int:  # type: ignore[no-untyped-def]
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(Resource)) or 0


def test_a_clean_csv_is_imported_in_one_go(db, departments) -> None:  # type: ignore[no-untyped-def]
    data = "\n".join(
        [
            HEADER + ",tags,description",
            'ps.a,居民身份证,ps,person,id_number,conditional,,,"id_number:string:personal:公民'
            '身份号码;photo::sensitive",证件;户籍,"含 ; 与 : 的说明, 以及""引号"""',
            "ca.b,Charities,ca,entity,code,unconditional,unconditional,,code:string:public,,",
        ]
    )
    with db.session() as session:
        report = importing.import_resources(session, data.encode("utf-8-sig"), "csv", BY)
    assert (report.rows, report.created, report.updated) == (2, 2, 0)
    with db.session() as session:
        a = service.get_resource(session, "ps.a")
        assert [(f.name, f.type, f.sensitivity) for f in a.fields] == [
            ("id_number", "string", "personal"),
            ("photo", "string", "sensitive"),
        ]
        assert a.tags == ["户籍", "证件"] and a.description == '含 ; 与 : 的说明, 以及"引号"'
        assert [v.note for v in service.versions(session, a)] == ["imported"]
        hits = service.search(session, SearchQuery(q="身份证", tags=("证件",))).items
        assert [r.code for r in hits] == ["ps.a"]
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert actions.count("catalog.resource.registered") == 2
        assert actions[-1] == "catalog.imported"


def test_every_bad_row_is_reported_and_nothing_is_written(db, departments) -> None:  # type: ignore[no-untyped-def]
    data = "\n".join(
        [
            HEADER,
            "ps.ok,Fine,ps,person,id_number,conditional,,,id_number:string:personal",
            "ps.x,Unknown department,xx,person,id_number,conditional,,,id_number",
            "ps.y,Bad sensitivity,ps,person,id_number,conditional,,,id_number:string:secret",
            "ps.z,No key,ps,person,id_number,conditional,,,name",
            "ps.w,Closed,ps,person,id_number,not_shared,,,id_number",
            "ps.ok,Twice,ps,person,id_number,conditional,,,id_number",
            "ps.v,Open personal,ps,person,id_number,conditional,unconditional,,id_number::personal",
            "bad code!,Name,ps,maybe,id_number,conditional,,,id_number",
        ]
    )
    with pytest.raises(ImportRejected) as caught, db.session() as session:
        importing.import_resources(session, data, "csv", BY)
    found = {(e.row, e.field) for e in caught.value.report.errors}
    assert found == {
        (3, "department"),
        (4, "fields"),
        (5, "key_field"),
        (6, "legal_basis"),
        (7, "code"),
        (8, "open_class"),
        (9, "code"),
        (9, "subject_type"),
    }
    sensitivity = next(e for e in caught.value.report.errors if e.row == 4)
    assert "field 1 (id_number)" in sensitivity.reason and "sensitivity" in sensitivity.reason
    assert "row 2" in next(e.reason for e in caught.value.report.errors if e.row == 7)
    assert caught.value.status == 422 and len(caught.value.extra["errors"]) == 8
    assert count(db) == 0


def test_a_failure_while_writing_leaves_nothing_behind(db, departments, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(importing.search, "write_index", broken)
    with pytest.raises(RuntimeError), db.session() as session:
        rows = [f"ps.r{i},R,ps,person,id_number,conditional,,,id_number" for i in range(3)]
        importing.import_resources(session, "\n".join([HEADER, *rows]), "csv", BY)
    assert count(db) == 0


def test_header_and_json_shape_errors(db, departments) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ImportRejected) as caught, db.session() as session:
        importing.import_resources(session, "code,name,colour\n", "csv", BY)
    errors = {(e.row, e.field, e.reason) for e in caught.value.report.errors}
    assert (1, "colour", "unknown column") in errors and (1, "fields", "missing column") in errors
    with pytest.raises(ImportRejected) as caught, db.session() as session:
        importing.import_resources(session, "[1, {", "json", BY)
    assert "not valid JSON" in caught.value.report.errors[0].reason
    rows = [
        {"code": "ca.j", "name": "J", "department": "ca", "subject_type": "other",
         "key_field": "k", "share_class": "unconditional", "fields": [{"name": "k"}]},
        "not an object",
        {"code": "ca.k", "name": "K", "department": "ca", "subject_type": "other",
         "key_field": "k", "share_class": "unconditional", "fields": "k", "colour": "red"},
    ]  # fmt: skip
    with pytest.raises(ImportRejected) as caught, db.session() as session:
        importing.import_resources(session, json.dumps(rows), "json", BY)
    assert {(e.row, e.field) for e in caught.value.report.errors} == {(2, ""), (3, "colour")}


def test_own_department_only_and_no_taking_over_codes(db, departments) -> None:  # type: ignore[no-untyped-def]
    row = "ps.a,A,{dep},person,id_number,conditional,,,id_number"
    with db.session() as session:
        importing.import_resources(session, f"{HEADER}\n{row.format(dep='ps')}", "csv", BY)
    with pytest.raises(ImportRejected) as caught, db.session() as session:
        importing.import_resources(
            session,
            f"{HEADER}\n{row.format(dep='ca')}",
            "csv",
            BY,
            department_ids={departments["ca"]},
        )
    assert [(e.field, e.reason) for e in caught.value.report.errors] == [
        ("code", "already registered by another department")
    ]
    with pytest.raises(ImportRejected) as caught, db.session() as session:
        importing.import_resources(
            session,
            f"{HEADER}\n{row.format(dep='ps')}",
            "csv",
            BY,
            department_ids={departments["ca"]},
        )
    assert caught.value.report.errors[0].field == "department"


def test_reimport_updates_changed_rows_only(db, departments) -> None:  # type: ignore[no-untyped-def]
    rows = [
        "ps.a,A,ps,person,id_number,conditional,,,id_number",
        "ps.b,B,ps,person,id_number,conditional,,,id_number",
    ]
    with db.session() as session:
        importing.import_resources(session, "\n".join([HEADER, *rows]), "csv", BY)
    rows[1] = "ps.b,B,ps,person,id_number,conditional,,,id_number;name::personal"
    rows.append("ps.c,C,ps,person,id_number,conditional,,,id_number")
    with db.session() as session:
        dry = importing.import_resources(
            session, "\n".join([HEADER, *rows]), "csv", BY, dry_run=True
        )
    assert (dry.created, dry.updated, dry.unchanged, dry.dry_run) == (1, 1, 1, True)
    assert count(db) == 2
    with db.session() as session:
        report = importing.import_resources(session, "\n".join([HEADER, *rows]), "csv", BY)
        assert (report.created, report.updated, report.unchanged) == (1, 1, 1)
    with db.session() as session:
        assert service.get_resource(session, "ps.b").version == 2
        assert service.get_resource(session, "ps.a").version == 1
        assert session.scalar(select(func.count()).select_from(ResourceVersion)) == 4


def test_export_round_trips_in_both_formats(demo_db) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        resources = service.list_resources(session)
        original = [exporting.to_in(r) for r in resources]
        csv_text = exporting.export_resources(resources, "csv")
        json_text = exporting.export_resources(resources, "json")
        # the demo's own catalog re-imported unchanged, from either export
        for data, fmt in ((csv_text, "csv"), (json_text, "json")):
            report = importing.import_resources(session, data, fmt, BY, dry_run=True)  # type: ignore[arg-type]
            assert report.unchanged == len(original) and report.created == report.updated == 0
    rows, errors = reading.read_rows(csv_text, "csv")
    assert not errors and len(rows) == len(original)
    reread = [check.spec_of(n, raw)[0] for n, raw in rows]
    assert reread == original
    assert [r["code"] for r in csv.DictReader(io.StringIO(csv_text))] == [s.code for s in original]
    assert json.loads(json_text)["resources"][0]["department"]


def test_the_example_file_imports_into_the_demo(demo_db) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        before = len(service.list_resources(session))
        report = importing.import_resources(session, EXAMPLE.read_bytes(), "csv", BY)
    assert report.created == 8
    with demo_db.session() as session:
        assert len(service.list_resources(session)) == before + 8
        kind = service.get_resource(session, "ca.social_organisations").field("kind")
        assert kind is not None and kind.description == "类型（社团;民非;基金会）"


def test_cell_lists_escape_their_separator() -> None:
    assert reading.split_list(r"a\;b;c\\;;d") == ["a;b", "c\\", "d"]
    assert reading.split_list(reading.escape("x;y\\z")) == ["x;y\\z"]
