"""The demo's once-only registers: the records that let a department, not the citizen,
supply the materials most often asked for — the ID card photo, the social security
card's bank account, the employer's maternity-leave filing, medical death certificates
and the real-estate register.

They draw from a random generator of their own (and number their records with their
own counter) so that adding them leaves every other demo record as it was.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from onceonly.demo.population import Batch

BANKS = ["中国工商银行", "中国农业银行", "中国银行", "中国建设银行", "浙江农商银行"]
BANK_PREFIXES = {"中国工商银行": "6222", "中国农业银行": "6228", "中国银行": "6217",
                 "中国建设银行": "6227", "浙江农商银行": "6230"}  # fmt: skip
PLACES_OF_DEATH = ["省人民医院", "市第一人民医院", "县人民医院", "家中"]
MATERNITY_LEAVE_DAYS = 158  # 98 national + 60 in Zhejiang


class Resident(Protocol):
    id_number: str
    name: str
    birth_date: date
    relation: str

    def age(self, today: date) -> int: ...


@dataclass
class Registers:
    seed: int
    today: date
    rng: random.Random = field(init=False)
    serial: int = 0
    employers: dict[str, str] = field(default_factory=dict)  # insured person → employer
    deaths: int = 0

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed * 7919 + 18)

    def _next(self) -> int:
        self.serial += 1
        return self.serial

    def resident(self, batch: Batch, person: Resident) -> None:
        """Everyone from 16 has an ID card, so public security holds their photo."""
        if person.age(self.today) < 16:
            return
        taken = self.today - timedelta(days=self.rng.randint(30, 3650))
        photo = f"ZP{self._next():012d}"
        batch.add("ps", "id_photos", (person.id_number, photo, taken, "居民身份证"))

    def insured(self, batch: Batch, person: Resident, since: date, employer: str | None) -> None:
        """An insured person got a social security card, and with it a bank account."""
        if employer:
            self.employers[person.id_number] = employer
        bank = self.rng.choice(BANKS)
        account = f"{BANK_PREFIXES[bank]}{self._next():015d}"
        batch.add("hrss", "payout_accounts", (person.id_number, bank, account, since))

    def birth(self, batch: Batch, mother: Resident, born: date) -> None:
        """The mother's employer files her maternity leave for a birth this past year."""
        employer = self.employers.get(mother.id_number)
        if employer is None or (self.today - born).days > 365:
            return
        starts = born - timedelta(days=15)
        filed = max(starts - timedelta(days=10), born - timedelta(days=40))
        batch.add(
            "hrss",
            "maternity_leaves",
            (f"CJ{self._next():012d}", mother.id_number, employer, starts,
             MATERNITY_LEAVE_DAYS, filed),
        )  # fmt: skip

    def household(
        self, batch: Batch, county: str, head: Resident, members: Sequence[Resident], address: str
    ) -> None:
        """Most households own the home they are registered at. A few members over 75
        died this month (always the first such member, so a small demo has one),
        reported by the head: the certificate comes before the register is updated."""
        if self.rng.random() < 0.7:
            registered = self.today - timedelta(days=self.rng.randint(200, 7300))
            self.property(batch, county, address, head.name, registered, person=head.id_number)
        for member in members:
            if member is head or member.age(self.today) < 75:
                continue
            if self.deaths and self.rng.random() > 0.05:  # the first one always: a sample
                continue
            self.deaths += 1
            died = self.today - timedelta(days=self.rng.randint(1, 25))
            batch.add(
                "health",
                "deaths",
                (f"SW{self._next():012d}", member.id_number, member.name, died,
                 self.rng.choice(PLACES_OF_DEATH), head.id_number),
            )  # fmt: skip

    def company(self, batch: Batch, county: str, code: str, name: str, address: str) -> None:
        """Some companies own their premises (others rent: their lease is not here)."""
        if self.rng.random() < 0.4:
            registered = self.today - timedelta(days=self.rng.randint(30, 3650))
            self.property(batch, county, address, name, registered, entity=code, usage="商业")

    def property(
        self,
        batch: Batch,
        county: str,
        address: str,
        owner: str,
        registered: date,
        *,
        person: str | None = None,
        entity: str | None = None,
        usage: str = "住宅",
    ) -> None:
        cert = f"浙({registered.year}){county}不动产权第{self._next():07d}号"
        area = self.rng.randint(45, 180) * 100 + self.rng.randint(0, 99)
        batch.add(
            "rer",
            "properties",
            (cert, person, entity, owner, county, address, usage, area, registered, "现势"),
        )
