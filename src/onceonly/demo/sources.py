"""The demo departments' own source databases. The platform never migrates these.

Each department with a source gets a SQLite file (embedded default) or, when the
platform runs on PostgreSQL, a schema `src_<code>` in the same server. The platform
reaches them only through a connector registered in the catalog.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    text,
)

from onceonly.core.db import make_engine
from onceonly.exchange.connectors.sources import colocated_url


def _household_register(md: MetaData) -> None:
    Table(
        "households",
        md,
        Column("household_no", String(12), primary_key=True),
        Column("head_id_number", String(18), nullable=False),
        Column("division_code", String(6), nullable=False),
        Column("address", String(200), nullable=False),
        Column("kind", String(20), nullable=False),
    )
    Table(
        "residents",
        md,
        Column("id_number", String(18), primary_key=True),
        Column("name", String(50), nullable=False),
        Column("gender", String(1), nullable=False),
        Column("birth_date", Date, nullable=False),
        Column("ethnicity", String(20), nullable=False),
        Column("household_no", String(12), nullable=False, index=True),
        Column("relation", String(20), nullable=False),
        Column("division_code", String(6), nullable=False),
        Column("address", String(200), nullable=False),
        Column("status", String(20), nullable=False),
    )
    # The photo taken for the resident ID card (制证照片): its number and date; the image
    # itself stays in the photo archive, the number is what an application refers to.
    Table(
        "id_photos",
        md,
        Column("id_number", String(18), primary_key=True),
        Column("photo_no", String(20), nullable=False, unique=True),
        Column("taken_on", Date, nullable=False),
        Column("use", String(20), nullable=False),
    )
    Table(
        "driving_licences",
        md,
        Column("licence_no", String(18), primary_key=True),
        Column("id_number", String(18), nullable=False, index=True),
        Column("vehicle_class", String(10), nullable=False),
        Column("first_issued", Date, nullable=False),
        Column("valid_until", Date, nullable=False),
    )


def _civil_affairs(md: MetaData) -> None:
    Table(
        "marriages",
        md,
        Column("cert_no", String(20), primary_key=True),
        Column("husband_id_number", String(18), nullable=False, index=True),
        Column("wife_id_number", String(18), nullable=False, index=True),
        Column("registered_on", Date, nullable=False),
        Column("registry_division", String(6), nullable=False),
        Column("status", String(20), nullable=False),
    )


def _health(md: MetaData) -> None:
    Table(
        "births",
        md,
        Column("cert_no", String(20), primary_key=True),
        Column("child_name", String(50), nullable=False),
        Column("child_gender", String(1), nullable=False),
        Column("birth_date", Date, nullable=False),
        Column("hospital", String(100), nullable=False),
        Column("weight_g", Integer, nullable=False),
        Column("mother_id_number", String(18), nullable=False, index=True),
        Column("father_id_number", String(18), index=True),
        # Empty until the child's household registration gives it an ID number.
        Column("child_id_number", String(18), index=True),
    )
    # Medical death certificates (死亡医学证明), also found by the relative who reported.
    Table(
        "deaths",
        md,
        Column("cert_no", String(20), primary_key=True),
        Column("id_number", String(18), nullable=False, index=True),
        Column("name", String(50), nullable=False),
        Column("died_on", Date, nullable=False),
        Column("place", String(100), nullable=False),
        Column("informant_id_number", String(18), nullable=False, index=True),
    )


def _hrss(md: MetaData) -> None:
    Table(
        "insured_persons",
        md,
        Column("id_number", String(18), primary_key=True),
        Column("card_no", String(20), nullable=False, unique=True),
        Column("employer_credit_code", String(18), index=True),
        Column("insured_since", Date, nullable=False),
        Column("months_paid", Integer, nullable=False),
        Column("monthly_base_cents", BigInteger, nullable=False),
        Column("medical_insurance", String(20), nullable=False),
        Column("status", String(20), nullable=False),
    )
    # The bank account tied to the social security card (社保卡金融账户), where benefits
    # are paid: given once when the card was issued.
    Table(
        "payout_accounts",
        md,
        Column("id_number", String(18), primary_key=True),
        Column("bank", String(50), nullable=False),
        Column("account_no", String(24), nullable=False),
        Column("opened_on", Date, nullable=False),
    )
    # Maternity leave as the employer files it (单位申报产假) for the childbirth allowance.
    Table(
        "maternity_leaves",
        md,
        Column("filing_no", String(20), primary_key=True),
        Column("id_number", String(18), nullable=False, index=True),
        Column("employer_credit_code", String(18), nullable=False),
        Column("starts_on", Date, nullable=False),
        Column("days", Integer, nullable=False),
        Column("filed_on", Date, nullable=False),
    )


def _real_estate(md: MetaData) -> None:
    """The real-estate register (不动产登记簿): who owns which home or premises."""
    Table(
        "properties",
        md,
        Column("cert_no", String(30), primary_key=True),
        Column("owner_id_number", String(18), index=True),
        Column("owner_credit_code", String(18), index=True),
        Column("owner_name", String(100), nullable=False),
        Column("division_code", String(6), nullable=False),
        Column("address", String(200), nullable=False),
        Column("usage", String(20), nullable=False),
        Column("area_dm2", Integer, nullable=False),
        Column("registered_on", Date, nullable=False),
        Column("status", String(20), nullable=False),
    )


def _market_regulation(md: MetaData) -> None:
    Table(
        "companies",
        md,
        Column("credit_code", String(18), primary_key=True),
        Column("name", String(100), nullable=False),
        Column("legal_rep_id_number", String(18), nullable=False, index=True),
        Column("legal_rep_name", String(50), nullable=False),
        Column("kind", String(40), nullable=False),
        Column("registered_capital_cents", BigInteger, nullable=False),
        Column("established_on", Date, nullable=False),
        Column("division_code", String(6), nullable=False),
        Column("address", String(200), nullable=False),
        Column("business_scope", String(300), nullable=False),
        Column("status", String(20), nullable=False),
    )


def _housing_fund(md: MetaData) -> None:
    Table(
        "fund_accounts",
        md,
        Column("account_no", String(16), primary_key=True),
        Column("id_number", String(18), nullable=False, index=True),
        Column("employer_credit_code", String(18), nullable=False),
        Column("opened_on", Date, nullable=False),
        Column("monthly_deposit_cents", BigInteger, nullable=False),
        Column("balance_cents", BigInteger, nullable=False),
        Column("status", String(20), nullable=False),
    )


def _education(md: MetaData) -> None:
    Table(
        "school_records",
        md,
        Column("record_no", String(16), primary_key=True),
        Column("id_number", String(18), nullable=False, index=True),
        Column("school", String(100), nullable=False),
        Column("level", String(20), nullable=False),
        Column("enrolled_on", Date, nullable=False),
        Column("graduated_on", Date),
    )


def _tax(md: MetaData) -> None:
    Table(
        "tax_registrations",
        md,
        Column("credit_code", String(18), primary_key=True),
        Column("taxpayer_kind", String(30), nullable=False),
        Column("registered_on", Date, nullable=False),
        Column("status", String(20), nullable=False),
    )
    Table(
        "income_tax",
        md,
        Column("id_number", String(18), primary_key=True),
        Column("year", Integer, primary_key=True),
        Column("income_cents", BigInteger, nullable=False),
        Column("tax_cents", BigInteger, nullable=False),
    )


_BUILDERS = {
    "ps": _household_register,
    "ca": _civil_affairs,
    "health": _health,
    "hrss": _hrss,
    "amr": _market_regulation,
    "hpf": _housing_fund,
    "edu": _education,
    "tax": _tax,
    "rer": _real_estate,
}
SOURCE_CODES: tuple[str, ...] = tuple(_BUILDERS)


def source_metadata(code: str) -> MetaData:
    metadata = MetaData()
    _BUILDERS[code](metadata)
    return metadata


def source_url(platform_url: str, data_dir: Path, code: str) -> str:
    """Where department `code`'s source lives: beside the platform's database, where the
    connectors look for a source the deployment does not name (ONCEONLY_SOURCES)."""
    return colocated_url(platform_url, data_dir, code)


def create_source(platform_url: str, data_dir: Path, code: str) -> Engine:
    """(Re)create department `code`'s source database, empty, and return its engine."""
    url = source_url(platform_url, data_dir, code)
    if url.startswith("sqlite"):
        path = data_dir / "sources" / f"{code}.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        admin = make_engine(platform_url)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "src_{code}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "src_{code}"'))
        admin.dispose()
    engine = make_engine(url)
    source_metadata(code).create_all(engine)
    return engine
