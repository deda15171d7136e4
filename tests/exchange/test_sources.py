"""Where a `{"source": code}` connector points: ONCEONLY_SOURCES, else beside the platform."""

from __future__ import annotations

from pathlib import Path

import pytest

from onceonly.core.settings import Settings
from onceonly.exchange.connectors.sources import source_url


def test_a_deployment_names_its_sources_and_others_sit_beside_the_platform(
    tmp_path: Path,
) -> None:
    named = "postgresql+psycopg://reader@tax-db.example/tax"
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/platform.db", data_dir=tmp_path, sources={"tax": named}
    )
    assert source_url(settings, "tax") == named
    with pytest.raises(KeyError, match="unknown source 'ps'"):
        source_url(settings, "ps")  # not named, and no database beside the platform
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "ps.db").touch()
    assert source_url(settings, "ps") == f"sqlite:///{(tmp_path / 'sources' / 'ps.db').resolve()}"
    with pytest.raises(KeyError):
        source_url(settings, "../platform")  # never a path outside the sources folder

    on_postgres = Settings(database_url="postgresql+psycopg://postgres@db/onceonly")
    assert source_url(on_postgres, "ca").endswith("options=-csearch_path%3Dsrc_ca")


def test_sources_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONCEONLY_SOURCES", '{"hrss": "postgresql+psycopg://r@hrss/db"}')
    assert Settings().sources == {"hrss": "postgresql+psycopg://r@hrss/db"}
