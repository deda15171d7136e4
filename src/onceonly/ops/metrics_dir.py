"""Prepare prometheus-client's multiprocess directory before the workers start."""

from __future__ import annotations

import os
from pathlib import Path

from onceonly.core.metrics import MULTIPROC_ENV
from onceonly.core.settings import Settings


def prepare_metrics_dir(settings: Settings) -> Path:
    """Use `PROMETHEUS_MULTIPROC_DIR` (or `<data dir>/metrics`), emptied: files left by a
    previous run would be added to this one's counts."""
    path = Path(os.environ.get(MULTIPROC_ENV) or settings.data_dir / "metrics")
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(path)
    return path
