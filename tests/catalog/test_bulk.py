"""Bulk import (all or nothing, every bad row reported) and export (round trip), in
CSV and JSON, through the service and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from onceonly.catalog import bulk, service
from onceonly.catalog.models import Resource
from onceonly.core.actors import Actor

BY = Actor.system("test")
HEADER = (
    "code,name,department,subject_type,key_field,share_class,open_class,legal_basis,"
    "connector_config,tags,fields"
)


def good_row(n: int) -> str:
    return (
        f"hpf.bulk{n},批量资源{n},hpf,person,id_number,conditional,not_open,,"
        f'"{{""source"": ""hpf"", ""table"": ""fund_accounts""}}",公积金;批量,'
        f'"id_number:string:personal:身份号码|status:string:internal:状态: 正常或封存"'
    )


def count(session) -> int:  # type: ignore[no-untyped-def]
    return int(session.scalar(select(func.count()).select_from(Resource)))


def test_a_clean_csv_imports_and_round_trips(demo_db) -> None:  # type: ignore[no-untyped-def]
    text = "\n".join([HEADER, *(good_row(n) for n in range(300))])
    with demo_db.session() as session:
        before = count(session)
        report = bulk.import_rows(session, bulk.read_rows(text, "csv"), BY)
        assert (report.created, report.updated, report.errors) == (300, 0, [])
    with demo_db.session() as session:
        assert count(session) == before + 300
        loaded = service.get_resource(session, "hpf.bulk7")
        assert (
            loaded.tags == ["公积金", "批量"] and loaded.fields[1].description == "状态: 正常或封存"
        )
        for fmt in ("csv", "json"):
            exported = bulk.export(service.list_resources(session), fmt)
            again = bulk.import_rows(session, bulk.read_rows(exported, fmt), BY)
            assert again.errors == [] and again.created == 0 and again.updated == count(session)
            # unchanged field lists: no new versions
            assert service.get_resource(session, "hpf.bulk7").version == 1


def test_bad_rows_are_all_reported_and_nothing_is_written(demo_db) -> None:  # type: ignore[no-untyped-def]
    rows = [
        HEADER,
        good_row(1),
        good_row(1),  # duplicate code
        "hpf.x,X,nope,person,id_number,conditional,not_open,,{},,id_number:string:personal",
        "hpf.y,Y,hpf,person,id_number,not_shared,not_open,,{},,id_number:string:personal",
        "hpf.z,Z,hpf,person,id_number,sometimes,not_open,,{},,id_number:string:personal",
        "hpf.w,W,hpf,person,id_number,conditional,not_open,,{},,id_number-string",
        "amr.o,O,amr,entity,credit_code,unconditional,unconditional,,{},,credit_code:string:public|rep_id:string:personal",
    ]
    with demo_db.session() as session:
        before = count(session)
        report = bulk.import_rows(session, bulk.read_rows("\n".join(rows), "csv"), BY)
    found = {(e.row, e.field) for e in report.errors}
    assert (2, "code") in found  # the duplicate
    assert (3, "department") in found
    assert (4, "legal_basis") in found
    assert (5, "share_class") in found
    assert (6, "fields") in found
    assert (7, "open_class") in found
    assert (1, "code") not in found and report.created == 0
    with demo_db.session() as session:
        assert count(session) == before


def test_malformed_files_are_one_error(demo_db) -> None:  # type: ignore[no-untyped-def]
    from onceonly.core.errors import Invalid

    with pytest.raises(Invalid, match="not valid JSON"):
        bulk.read_rows("[{", "json")
    with pytest.raises(Invalid, match="lacks the columns"):
        bulk.read_rows("code,name\nx,y", "csv")
    with pytest.raises(Invalid, match="list of objects"):
        bulk.read_rows(json.dumps({"code": "x"}), "json")


def test_cli_import_dry_run_errors_and_export(demo_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    env = {
        "ONCEONLY_DATABASE_URL": demo_settings.database_url,
        "ONCEONLY_DEMO_MODE": "true",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src"),
        "PATH": "/usr/bin:/bin",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "onceonly", "catalog", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)

    good = tmp_path / "list.csv"
    good.write_text("\n".join([HEADER, good_row(1), good_row(2)]), encoding="utf-8")
    dry = run("import", str(good), "--dry-run")
    assert dry.returncode == 0 and "2 rows are valid" in dry.stderr
    done = run("import", str(good))
    assert done.returncode == 0 and "2 resources registered" in done.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([HEADER, good_row(1).replace(",hpf,", ",nope,")]), encoding="utf-8")
    refused = run("import", str(bad))
    assert (
        refused.returncode == 1 and "row 1, department: unknown department code" in refused.stderr
    )
    missing = run("import", str(tmp_path / "nothing.csv"))
    assert missing.returncode == 1 and len(missing.stderr.strip().splitlines()) == 1
    exported = run("export", "--format", "json")
    assert exported.returncode == 0
    assert "hpf.bulk2" in {r["code"] for r in json.loads(exported.stdout)}
