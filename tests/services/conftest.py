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
