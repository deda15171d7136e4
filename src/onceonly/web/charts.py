"""Charts as data: ECharts options built on the server from the figures a page already
shows in its table (the table stays beside the chart, for screen readers and export).
`web/static/charts.js` draws every `[data-chart]` with the vendored Apache ECharts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

PALETTE = ["#0b57a4", "#b3261e", "#1e6b34", "#8a5a00", "#6b3fa0", "#00707a", "#5b6673"]


def ranking(names: Sequence[str], values: Sequence[float], unit: str = "") -> dict[str, Any]:
    """A horizontal bar per name, largest at the top."""
    pairs = sorted(zip(names, values, strict=True), key=lambda p: p[1])
    return {
        "animation": False,
        "color": PALETTE,
        "grid": {"left": 8, "right": 48, "top": 8, "bottom": 8, "containLabel": True},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "xAxis": {"type": "value", "name": unit},
        "yAxis": {"type": "category", "data": [n for n, _ in pairs],
                  "axisLabel": {"width": 120, "overflow": "truncate"}},
        "series": [{"type": "bar", "data": [round(v, 2) for _, v in pairs],
                    "label": {"show": True, "position": "right"}}],
    }  # fmt: skip


def trend(
    periods: Sequence[str], series: Mapping[str, Sequence[float | None]], unit: str = ""
) -> dict[str, Any]:
    """A line per series over the periods (a gap where a period has no figure)."""
    return {
        "animation": False,
        "color": PALETTE,
        "grid": {"left": 8, "right": 16, "top": 40, "bottom": 8, "containLabel": True},
        "tooltip": {"trigger": "axis"},
        "legend": {"type": "scroll", "top": 0},
        "xAxis": {"type": "category", "data": list(periods), "boundaryGap": False},
        "yAxis": {"type": "value", "name": unit},
        "series": [
            {"type": "line", "name": name, "data": list(values), "connectNulls": False}
            for name, values in series.items()
        ],
    }


def chart_height(option: Mapping[str, Any]) -> int:
    """Pixels: a ranking grows with its bars, so every label stays readable."""
    y = option.get("yAxis", {})
    if isinstance(y, dict) and y.get("type") == "category":
        return max(160, 28 * len(y.get("data", [])) + 40)
    return 300
