"""Charts on the figures pages (issue 22): each page carries its chart options for the
vendored ECharts, served locally, with the table kept beside them."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient

from tests.helpers import sign_in_staff
from tests.services.test_duplicates import _approve_birth, _settings, _start  # noqa: F401

CHART = re.compile(r"data-chart='([^']*)'")


def test_the_figures_pages_draw_trends_and_rankings(demo_client: TestClient, demo_db) -> None:  # type: ignore[no-untyped-def]
    _approve_birth(demo_db, _start(demo_db))  # a decided case for the service figures
    sign_in_staff(demo_client, "dsb.platform")
    for path in ("/console/supervision", "/workbench/services/figures", "/console/exchange",
                 "/console/appeals/figures", "/console/once-only"):  # fmt: skip
        page = demo_client.get(path)
        assert page.status_code == 200, path
        options = [json.loads(o.replace("&#39;", "'")) for o in CHART.findall(page.text)]
        assert options, f"no chart on {path}"
        kinds = {s["type"] for o in options for s in o["series"]}
        assert "bar" in kinds, path  # a ranking
        assert "<table" in page.text, path  # the figures stay readable as a table
        assert '<script src="/static/vendor/echarts-6.1.0.min.js"' in page.text
    script = demo_client.get("/static/vendor/echarts-6.1.0.min.js")
    assert script.status_code == 200 and "echarts" in script.text[:2000]
