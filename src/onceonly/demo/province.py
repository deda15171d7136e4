"""The demo province's fixed shape: divisions, departments, staff and featured people."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources

Division = tuple[str, str, str]  # code, name, English name
City = tuple[str, str, str, list[Division]]  # a city and its counties


def _divisions(key: str) -> tuple[Division, list[City]]:
    """Province `key`'s divisions, from provinces.toml beside this module."""
    found = DIVISIONS[key]
    cities = [
        (*_division(c["city"]), [_division(d) for d in c["counties"]]) for c in found["cities"]
    ]
    return _division(found["province"]), cities


def _division(entry: list[str]) -> Division:
    code, name, name_en = entry
    return code, name, name_en


DIVISIONS = tomllib.loads(
    resources.files("onceonly.demo").joinpath("provinces.toml").read_text("utf-8")
)
PROVINCE, CITIES = _divisions("A")


@dataclass(frozen=True)
class DeptKind:
    kind: str
    code: str  # short code used for department codes, usernames and source names
    name: str
    name_en: str
    phone: str
    has_source: bool = True
    city_level: bool = True


DEPARTMENT_KINDS: list[DeptKind] = [
    DeptKind("public_security", "ps", "公安厅", "Public Security Department", "0571-110"),
    DeptKind("civil_affairs", "ca", "民政厅", "Civil Affairs Department", "0571-96345"),
    DeptKind("health", "health", "卫生健康委员会", "Health Commission", "0571-12320"),
    DeptKind(
        "hrss", "hrss", "人力资源和社会保障厅", "Human Resources and Social Security", "0571-12333"
    ),
    DeptKind(
        "market_regulation",
        "amr",
        "市场监督管理局",
        "Market Regulation Administration",
        "0571-12315",
    ),
    DeptKind(
        "housing_fund", "hpf", "住房公积金管理中心", "Housing Provident Fund Centre", "0571-12329"
    ),
    DeptKind("education", "edu", "教育厅", "Education Department", "0571-12391"),
    DeptKind("tax", "tax", "税务局", "Taxation Bureau", "0571-12366"),
    # The real-estate register (不动产登记), kept by the natural resources department.
    DeptKind(
        "real_estate",
        "rer",
        "不动产登记局",
        "Real Estate Registration Bureau",
        "0571-96371",
        city_level=False,
    ),
    DeptKind(
        "data_bureau",
        "dsb",
        "大数据发展管理局",
        "Big Data Bureau (platform operator)",
        "0571-12345",
        has_source=False,
        city_level=False,
    ),
    DeptKind(
        "hotline",
        "hotline",
        "12345政务服务便民热线中心",
        "12345 Hotline Centre",
        "12345",
        has_source=False,
        city_level=False,
    ),
    DeptKind(
        "urban_management",
        "cg",
        "城市管理局",
        "Urban Management Bureau",
        "0571-96310",
        has_source=False,
    ),
]

DEMO_PASSWORD = "demo-password-2024"

# Staff accounts per provincial department: (suffix, display suffix, roles).
STAFF_TEMPLATE: list[tuple[str, str, list[str]]] = [
    ("admin", "管理员", ["department_admin"]),
    ("steward", "数据专员", ["data_steward"]),
    ("reviewer", "审核员", ["reviewer"]),
]
PLATFORM_STAFF: list[tuple[str, str, str, list[str]]] = [
    ("dsb", "platform", "平台管理员", ["platform_admin"]),
    ("dsb", "auditor", "审计员", ["auditor"]),
    ("hotline", "operator", "话务员", ["hotline_operator"]),
    ("hotline", "admin", "热线管理员", ["department_admin", "hotline_operator"]),
]


# A second province, for federation (`onceonly demo --province B`).
PROVINCE_B, CITIES_B = _divisions("B")


@dataclass(frozen=True)
class Shape:
    """One demo province: its code and names, its cities and counties, its seed offset."""

    key: str
    province: Division
    cities: list[City] = field(hash=False)
    seed_offset: int = 0

    @property
    def counties(self) -> list[str]:
        return [county[0] for _, _, _, counties in self.cities for county in counties]


SHAPES: dict[str, Shape] = {
    "A": Shape("A", PROVINCE, CITIES),
    "B": Shape("B", PROVINCE_B, CITIES_B, seed_offset=1),
}


def shape(key: str) -> Shape:
    try:
        return SHAPES[key.upper()]
    except KeyError:
        raise ValueError(f"no demo province {key!r}: choose one of {', '.join(SHAPES)}") from None
