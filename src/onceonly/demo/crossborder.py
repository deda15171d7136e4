"""People in both demo provinces' stories, written the same way on both sides.

Their ID numbers are fixed, with sequence numbers (981–989) that the generated
population never reaches, so province A's and province B's generators write the same
people whatever their seeds and sizes. Each province writes only the rows its own
departments hold: the couple's marriage and the husband's household in A, the wife's
household in B; the mover's current household in A and his old register entry (moved
out) and pension record in B.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from onceonly.demo.population import Batch, Featured, Person
from onceonly.identity.validators import id_check_char


def _id(division: str, birth: date, sequence: int) -> str:
    first17 = f"{division}{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_check_char(first17)


@dataclass(frozen=True)
class CrossPerson:
    person: Person
    home: str  # the province that holds the household register entry: "A" or "B"
    county: str
    address: str


HUSBAND = CrossPerson(
    Person(_id("330102", date(1992, 5, 8), 981), "周明远", "M", date(1992, 5, 8), "户主"),
    "A",
    "330102",
    "湖光路18号",
)
WIFE = CrossPerson(
    Person(_id("340102", date(1994, 9, 16), 982), "陈思雨", "F", date(1994, 9, 16), "户主"),
    "B",
    "340102",
    "江滨路6号",
)
MOVER = CrossPerson(
    Person(_id("340104", date(1985, 3, 2), 983), "刘海峰", "M", date(1985, 3, 2), "户主"),
    "A",
    "330105",
    "孤山路27号",
)
MOVER_OLD_ADDRESS = ("340104", "松林大道88号")
MARRIED_ON = date(2023, 10, 1)
MOVED_ON = date(2021, 6, 1)

STORIES = {
    "A": [
        (HUSBAND, "cross-province couple: husband here, wife registered in province B"),
        (MOVER, "moved here from province B in 2021 (pension record still there)"),
        (WIFE, "lives here, household in province B: her ID card renewal is decided there"),
    ],
    "B": [
        (WIFE, "married to a province-A resident (marriage registered in A)"),
        (MOVER, "moved to province A in 2021: register entry moved out, pension here"),
    ],
}


def _resident(
    batch: Batch, who: Person, household: str, county: str, address: str, status: str
) -> None:
    batch.add(
        "ps",
        "residents",
        (who.id_number, who.name, who.gender, who.birth_date, "汉族", household, "户主",
         county, address, status),
    )  # fmt: skip
    batch.people += 1


def _household(batch: Batch, number: str, who: CrossPerson, county: str, address: str) -> None:
    batch.add("ps", "households", (number, who.person.id_number, county, address, "家庭户"))


def write(batch: Batch, province: str) -> list[Featured]:
    """Province `province`'s rows about the people in both stories; its featured list."""
    if province == "A":
        for n, who in enumerate((HUSBAND, MOVER), start=1):
            number = f"{who.county}9{n:05d}"
            _household(batch, number, who, who.county, who.address)
            _resident(batch, who.person, number, who.county, who.address, "正常")
        husband, wife = HUSBAND.person, WIFE.person
        batch.add(
            "ca",
            "marriages",
            (f"J330102-{MARRIED_ON.year}-9{1:05d}", husband.id_number, wife.id_number,
             MARRIED_ON, "330102", "married"),
        )  # fmt: skip
    else:
        number = f"{WIFE.county}9{1:05d}"
        _household(batch, number, WIFE, WIFE.county, WIFE.address)
        _resident(batch, WIFE.person, number, WIFE.county, WIFE.address, "正常")
        county, address = MOVER_OLD_ADDRESS
        number = f"{county}9{2:05d}"
        _household(batch, number, MOVER, county, address)
        _resident(batch, MOVER.person, number, county, address, "迁出")
        months = (MOVED_ON.year - 2007) * 12 + MOVED_ON.month - 7
        batch.add(
            "hrss",
            "insured_persons",
            (MOVER.person.id_number, "SS9000000001", None, date(2007, 7, 1), months,
             880_000, "职工医保", "转出待办"),
        )  # fmt: skip
    return [Featured(who.person, story) for who, story in STORIES[province]]
