"""A synthetic population, generated household by household as rows for the sources.

Deterministic: the same seed and reference date give the same rows. Memory stays flat
whatever the size: nothing is kept per person except two fixed counter arrays that
hand out ID sequence numbers, and the (small) list of company codes used as employers.
"""

from __future__ import annotations

import random
from array import array
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from onceonly.demo import names
from onceonly.demo.province import CITIES
from onceonly.demo.records import person_records, shift_years
from onceonly.demo.registers import Registers
from onceonly.identity.validators import USCC_ALPHABET, id_check_char, uscc_check_char

COUNTIES = [county[0] for _, _, _, counties in CITIES for county in counties]
EPOCH = date(1900, 1, 1)
Rows = dict[str, dict[str, list[tuple[object, ...]]]]  # source code → table → rows


@dataclass
class Person:
    id_number: str
    name: str
    gender: str
    birth_date: date
    relation: str

    def age(self, today: date) -> int:
        years = today.year - self.birth_date.year
        return years - ((today.month, today.day) < (self.birth_date.month, self.birth_date.day))


@dataclass
class Featured:
    """A resident the demo signs in as, with the story that makes them useful."""

    person: Person
    story: str
    company: tuple[str, str] | None = None  # (credit code, name)


@dataclass
class Batch:
    rows: Rows = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    people: int = 0

    def add(self, source: str, table: str, row: tuple[object, ...]) -> None:
        self.rows[source][table].append(row)


class Population:
    def __init__(self, seed: int, today: date, counties: list[str] | None = None) -> None:
        self.rng = random.Random(seed)
        self.today = today
        self.counties = counties or COUNTIES
        # Divisions that appear in ID numbers: the counties, plus Beijing Xicheng for the
        # residents born elsewhere who moved here (the published example ID is one).
        self.divisions = [*self.counties, "110105"]
        days = (today - EPOCH).days + 1
        self._male = array("H", bytes(2 * days * len(self.divisions)))
        self._female = array("H", bytes(2 * days * len(self.divisions)))
        self._days = days
        self.households = 0
        self.companies: list[str] = []
        self.registers = Registers(seed, today)
        self.serial = 0
        self._surnames = [s for s, _ in names.SURNAMES]
        self._surname_weights = [w for _, w in names.SURNAMES]

    # identifiers ------------------------------------------------------------------

    def new_id(self, division: str, birth: date, gender: str) -> str:
        cell = self.divisions.index(division) * self._days + (birth - EPOCH).days
        counters = self._male if gender == "M" else self._female
        count = counters[cell]
        if count >= 499:
            raise RuntimeError(f"more than 499 people of one sex born {birth} in {division}")
        counters[cell] = count + 1
        sequence = 2 * count + (1 if gender == "M" else 2)
        first17 = f"{division}{birth:%Y%m%d}{sequence:03d}"
        return first17 + id_check_char(first17)

    def next_serial(self) -> int:
        self.serial += 1
        return self.serial

    def new_credit_code(self, division: str) -> str:
        body = "".join(self.rng.choice(USCC_ALPHABET[:10]) for _ in range(8))
        org = body + self.rng.choice("0123456789")
        first17 = f"91{division}{org}"
        return first17 + uscc_check_char(first17)

    # people -------------------------------------------------------------------------

    def name(self, gender: str, surname: str | None = None) -> str:
        surname = surname or self.rng.choices(self._surnames, self._surname_weights)[0]
        pool = names.GIVEN_MALE if gender == "M" else names.GIVEN_FEMALE
        given = self.rng.choice(pool)
        if self.rng.random() < 0.6:
            given = self.rng.choice(names.GIVEN_ANY + pool) + given
        return surname + given

    def birth_for_age(self, low: int, high: int) -> date:
        start = shift_years(self.today, -high - 1) + timedelta(days=1)
        end = shift_years(self.today, -low)
        return start + timedelta(days=self.rng.randrange((end - start).days + 1))

    def person(
        self, division: str, gender: str, birth: date, relation: str, surname: str | None = None
    ) -> Person:
        return Person(
            self.new_id(division, birth, gender),
            self.name(gender, surname),
            gender,
            birth,
            relation,
        )

    def household(self, batch: Batch, county: str | None = None) -> list[Person]:
        """One household, its register rows and every department's rows about it."""
        rng = self.rng
        county = county or rng.choice(self.counties)
        shape = rng.choices(["single", "couple", "family", "three"], [15, 25, 45, 15])[0]
        head_gender = rng.choice("MF") if shape == "single" else "M"
        head = self.person(
            county if rng.random() < 0.95 else "110105",
            head_gender,
            self.birth_for_age(24, 85 if shape == "single" else 70),
            "户主",
        )
        members = [head]
        surname = head.name[0]
        spouse = None
        if shape != "single":
            age = max(22, min(80, head.age(self.today) + rng.randint(-5, 2)))
            spouse = self.person(county, "F", self.birth_for_age(age, age), "配偶")
            members.append(spouse)
        if shape in ("family", "three") and spouse is not None:
            mother_age = spouse.age(self.today)
            for _ in range(rng.choice([1, 1, 2, 2, 3])):
                if mother_age < 21:
                    break
                child_age = rng.randint(0, min(30, mother_age - 21))
                gender = rng.choice("MF")
                child = self.person(
                    county,
                    gender,
                    self.birth_for_age(child_age, child_age),
                    "子" if gender == "M" else "女",
                    surname,
                )
                members.append(child)
        if shape == "three":
            age = min(95, head.age(self.today) + rng.randint(22, 32))
            members.append(
                self.person(
                    county,
                    rng.choice("MF"),
                    self.birth_for_age(age, age),
                    "父母",
                    surname if rng.random() < 0.5 else None,
                )
            )
        self.write_household(batch, county, members, head, spouse)
        return members

    def write_household(
        self,
        batch: Batch,
        county: str,
        members: list[Person],
        head: Person,
        spouse: Person | None,
        *,
        registered: bool = True,
    ) -> None:
        rng = self.rng
        self.households += 1
        household_no = f"{county}{self.households:06d}"
        address = f"{rng.choice(names.STREETS)}{rng.randint(1, 999)}号"
        batch.add("ps", "households", (household_no, head.id_number, county, address, "家庭户"))
        for member in members:
            ethnicity = rng.choices(
                [e for e, _ in names.ETHNICITIES], [w for _, w in names.ETHNICITIES]
            )[0]
            batch.add(
                "ps",
                "residents",
                (
                    member.id_number,
                    member.name,
                    member.gender,
                    member.birth_date,
                    ethnicity,
                    household_no,
                    member.relation,
                    county,
                    address,
                    "正常",
                ),
            )
            batch.people += 1
            person_records(self, batch, county, member)
            self.registers.resident(batch, member)
        self.registers.household(batch, county, head, members, address)
        if spouse is not None:
            self.marriage(batch, county, head, spouse, members)
        for child in members:
            if child.relation in ("子", "女") and spouse is not None and registered:
                self.birth(batch, child, spouse, head, child.id_number)

    def marriage(
        self, batch: Batch, county: str, husband: Person, wife: Person, members: list[Person]
    ) -> None:
        earliest = max(husband.birth_date, wife.birth_date).replace(day=1) + timedelta(
            days=365 * 22 + 6
        )
        children = [m.birth_date for m in members if m.relation in ("子", "女")]
        latest = min([*children, self.today]) - timedelta(days=300)
        if latest <= earliest:
            latest = earliest + timedelta(days=30)
        registered = earliest + timedelta(days=self.rng.randrange((latest - earliest).days + 1))
        registered = min(registered, self.today)
        cert = f"J{county}-{registered.year}-{self.next_serial():06d}"
        batch.add(
            "ca",
            "marriages",
            (cert, husband.id_number, wife.id_number, registered, county, "married"),
        )

    def birth(
        self,
        batch: Batch,
        child: Person,
        mother: Person,
        father: Person | None,
        child_id: str | None,
    ) -> str:
        if child.birth_date.year < 1996:  # electronic birth certificates begin in 1996
            return ""
        cert = f"{child.birth_date:%y}{self.rng.choice('ABCDEFGHJK')}{self.next_serial():08d}"
        batch.add(
            "health",
            "births",
            (
                cert,
                child.name,
                child.gender,
                child.birth_date,
                self.rng.choice(names.HOSPITALS),
                self.rng.randint(2500, 4200),
                mother.id_number,
                father.id_number if father else None,
                child_id,
            ),
        )
        self.registers.birth(batch, mother, child.birth_date)
        return cert

    def employer(self, batch: Batch, county: str, founder: Person) -> str:
        """Mostly an existing company; sometimes this person founds a new one."""
        if self.companies and self.rng.random() > 0.03:
            return self.rng.choice(self.companies)
        return self.company(batch, county, founder)[0]

    def company(self, batch: Batch, county: str, owner: Person) -> tuple[str, str]:
        rng = self.rng
        code = self.new_credit_code(county)
        trade, scope = rng.choice(names.COMPANY_TRADES)
        name = (
            f"示范{rng.choice(names.COMPANY_WORDS)}{rng.choice(names.COMPANY_WORDS)}{trade}有限公司"
        )
        founded = self.today - timedelta(days=rng.randint(30, 20 * 365))
        capital = rng.randint(10, 5_000) * 1_000_000
        address = f"{rng.choice(names.STREETS)}{rng.randint(1, 999)}号"
        batch.add(
            "amr",
            "companies",
            (
                code,
                name,
                owner.id_number,
                owner.name,
                "有限责任公司",
                capital,
                founded,
                county,
                address,
                scope,
                "存续",
            ),
        )
        batch.add("tax", "tax_registrations", (code, "一般纳税人", founded, "正常"))
        self.registers.company(batch, county, code, name, address)
        self.companies.append(code)
        return code, name

    # featured residents ----------------------------------------------------------------

    def featured(self, batch: Batch, *, elder: bool = True) -> list[Featured]:
        """Residents with the stories the demo walks through, always generated first.
        `elder` (the published example ID) only in the first province: one person, one
        household."""
        county = self.counties[0]
        result: list[Featured] = []

        # A couple whose baby was born ten days ago: birth certificate, no register entry.
        father = self.person(county, "M", self.birth_for_age(31, 31), "户主")
        mother = self.person(county, "F", self.birth_for_age(29, 29), "配偶")
        owner = self.person(county, "M", self.birth_for_age(46, 46), "户主")
        company = self.company(batch, county, owner)
        self.write_household(batch, county, [father, mother], father, mother)
        baby = Person(
            "", self.name("F", father.name[0]), "F", self.today - timedelta(days=10), "女"
        )
        self.birth(batch, baby, mother, father, None)
        result += [
            Featured(mother, "new mother: baby born 10 days ago, not yet registered"),
            Featured(father, "new father, married, employed"),
        ]

        spouse = self.person(county, "F", self.birth_for_age(44, 44), "配偶")
        self.write_household(batch, county, [owner, spouse], owner, spouse)
        result.append(Featured(owner, "runs a company (sign in for the company too)", company))

        retiring = self.person(
            county, "M", shift_years(self.today, -60) + timedelta(days=20), "户主"
        )
        self.write_household(batch, county, [retiring], retiring, None)
        result.append(Featured(retiring, "turns 60 in 20 days: retirement"))

        starter = self.person(county, "F", self.birth_for_age(27, 27), "户主")
        self.write_household(batch, county, [starter], starter, None)
        result.append(Featured(starter, "wants to start a business"))

        if elder:
            # Fresh counters make this the published example ID, 11010519491231002X.
            old = Person(
                self.new_id("110105", date(1949, 12, 31), "F"),
                "林秀英",
                "F",
                date(1949, 12, 31),
                "户主",
            )
            self.write_household(batch, county, [old], old, None)
            result.append(Featured(old, "elderly, born in Beijing, household here"))

        student = self.person(county, "M", self.birth_for_age(20, 20), "户主")
        self.write_household(batch, self.counties[3], [student], student, None)
        result.append(Featured(student, "university student"))
        return result

    def batches(self, people: int, batch_size: int = 20_000) -> Iterator[Batch]:
        """Households until `people` residents exist, cut into batches of rows."""
        made = 0
        batch = Batch()
        while made < people:
            self.household(batch)
            if batch.people >= batch_size or made + batch.people >= people:
                made += batch.people
                yield batch
                batch = Batch()
