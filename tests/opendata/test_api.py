"""The row API and the streamed downloads, through the app."""

from __future__ import annotations

import csv
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
from fastapi.testclient import TestClient

from .conftest import SHOPS

ROWS = "/api/opendata/datasets/test.shops/rows"


def test_dataset_list_and_metadata(od_client: TestClient) -> None:
    listed = {d["code"]: d for d in od_client.get("/api/opendata/datasets").json()}
    assert listed["test.shops"]["access"] == "public"
    assert listed["test.visits"]["access"] == "on_application"
    assert listed["test.visits"]["downloads"] == {}
    shops = od_client.get("/api/opendata/datasets/test.shops").json()
    assert shops["row_count"] == SHOPS and shops["licence"] == "CC-BY-4.0"
    assert shops["update_frequency"] == "daily" and shops["last_updated"]
    assert "undescribed_fields" in shops["quality"]
    assert od_client.get("/api/opendata/datasets/nope").status_code == 404


def test_row_filters_sort_fulltext_and_pages(od_client: TestClient) -> None:
    page = od_client.get(
        ROWS, params={"district": "滨江区", "sort": "-employees,shop_no", "limit": 10}
    ).json()
    assert page["total"] == len([i for i in range(SHOPS) if i % 4 == 2])
    assert len(page["rows"]) == 10 and page["next"]
    employees = [r["employees"] for r in page["rows"]]
    assert employees == sorted(employees, reverse=True)
    assert all(isinstance(r["licensed"], bool) for r in page["rows"])
    second = od_client.get(page["next"]).json()
    assert second["offset"] == 10 and second["rows"][0] != page["rows"][0]
    ranged = od_client.get(
        ROWS, params={"employees__gte": 38, "fields": "shop_no,employees"}
    ).json()
    assert ranged["fields"] == ["_id", "shop_no", "employees"]
    assert all(r["employees"] >= 38 for r in ranged["rows"]) and ranged["total"] == len(
        [i for i in range(SHOPS) if i % 40 >= 38]
    )
    tea = od_client.get(ROWS, params={"q": "茶馆"}).json()
    assert tea["total"] == SHOPS // 5
    short = od_client.get(ROWS, params={"q": "茶"}).json()  # below trigram length: a scan
    assert short["total"] == SHOPS // 5
    anyof = od_client.get(ROWS, params={"shop_no__in": "S00001,S00002,S99999"}).json()
    assert anyof["total"] == 2


def test_row_errors_are_problems(od_client: TestClient) -> None:
    bad = od_client.get(ROWS, params={"colour": "red"})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith(
        "application/problem+json"
    )
    assert od_client.get(ROWS, params={"employees": "many"}).status_code == 422
    assert od_client.get(ROWS, params={"limit": 5000}).status_code == 422
    closed = od_client.get("/api/opendata/datasets/test.visits/rows")
    assert closed.status_code == 404 and closed.json()["type"].endswith("on-application")


def test_csv_download_with_and_without_bom(od_client: TestClient) -> None:
    plain = od_client.get("/api/opendata/datasets/test.shops/download.csv")
    assert plain.status_code == 200 and plain.headers["content-type"].startswith("text/csv")
    assert not plain.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(plain.content.decode())))
    assert rows[0] == ["shop_no", "name", "district", "opened", "employees", "rating", "licensed"]
    assert len(rows) == SHOPS + 1
    bom = od_client.get("/api/opendata/datasets/test.shops/download.csv", params={"bom": 1})
    assert bom.content.startswith(b"\xef\xbb\xbf") and bom.content[3:] == plain.content
    filtered = od_client.get(
        "/api/opendata/datasets/test.shops/download.csv", params={"district": "上城区"}
    )
    assert (
        len(filtered.content.decode().splitlines())
        == len([i for i in range(SHOPS) if i % 4 == 0]) + 1
    )


def test_written_exports_match_the_streamed_ones(od_client: TestClient) -> None:
    base = "/api/opendata/datasets/test.shops/download"
    for fmt in ("csv", "json"):
        whole = od_client.get(f"{base}.{fmt}").content  # the file written with the snapshot
        streamed = od_client.get(f"{base}.{fmt}", params={"sort": "_id"}).content  # encoded now
        assert whole == streamed


def test_json_and_parquet_downloads(od_client: TestClient) -> None:
    data = json.loads(od_client.get("/api/opendata/datasets/test.shops/download.json").content)
    assert len(data) == SHOPS and data[0]["shop_no"] == "S00000" and data[0]["licensed"] is False
    empty = json.loads(
        od_client.get(
            "/api/opendata/datasets/test.shops/download.json", params={"district": "x"}
        ).content
    )
    assert empty == []
    response = od_client.get("/api/opendata/datasets/test.shops/download.parquet")
    table = pq.read_table(pa.BufferReader(response.content))
    assert table.num_rows == SHOPS and table.schema.field("employees").type == pa.int64()
    assert od_client.get("/api/opendata/datasets/test.shops/download.xml").status_code == 404
    assert od_client.get("/api/opendata/datasets/test.visits/download.csv").status_code == 404


def test_quality_and_dcat(od_client: TestClient) -> None:
    flags = od_client.get("/api/opendata/quality").json()
    assert {
        "dataset_code": "test.tiny",
        "department_code": "amr",
        "flag": "empty",
        "detail": "3 rows",
    } in flags
    pod = od_client.get("/data.json").json()
    assert pod["conformsTo"] == "https://project-open-data.cio.gov/v1.1/schema"
    entry = next(d for d in pod["dataset"] if d["title"] == "Registered shops")
    assert entry["accessLevel"] == "public" and entry["accrualPeriodicity"] == "R/P1D"
    assert entry["distribution"][0]["mediaType"] == "text/csv"
