"""A resident's records beyond the household register: social insurance, income tax,
housing fund, school and driving licence, drawn from the population's generator."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from onceonly.demo import names

if TYPE_CHECKING:
    from onceonly.demo.population import Batch, Person, Population


def shift_years(day: date, years: int) -> date:
    """The same calendar day `years` later (or earlier); 29 February becomes 28 February
    in a year that has none."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def person_records(
    population: Population, batch: Batch, county: str, person: Person, employer: str | None = None
) -> None:
    """Social security, fund, tax, school and driving records for one person."""
    rng, age = population.rng, person.age(population.today)
    if 18 <= age < 60 and (employer or rng.random() < 0.72):
        employer = employer or population.employer(batch, county, person)
        since = population.today - timedelta(days=rng.randint(180, (age - 17) * 365))
        months = max(6, (population.today - since).days // 30)
        base = rng.randint(4_000, 25_000) * 100
        batch.add(
            "hrss",
            "insured_persons",
            (
                person.id_number,
                f"SS{population.next_serial():010d}",
                employer,
                since,
                months,
                base,
                "职工医保",
                "参保缴费",
            ),
        )
        population.registers.insured(batch, person, since, employer)
        batch.add(
            "tax",
            "income_tax",
            (
                person.id_number,
                population.today.year - 1,
                base * 12,
                max(0, (base * 12 - 6_000_000) // 10),
            ),
        )
        if rng.random() < 0.55:
            deposit = base * 24 // 100
            batch.add(
                "hpf",
                "fund_accounts",
                (
                    f"GJJ{population.next_serial():012d}",
                    person.id_number,
                    employer,
                    since,
                    deposit,
                    deposit * months // 2,
                    "正常",
                ),
            )
    elif age >= 60 and rng.random() < 0.8:
        since = shift_years(person.birth_date, 22)
        batch.add(
            "hrss",
            "insured_persons",
            (
                person.id_number,
                f"SS{population.next_serial():010d}",
                None,
                since,
                (60 - 22) * 12,
                rng.randint(3_000, 9_000) * 100,
                "职工医保",
                "退休",
            ),
        )
        population.registers.insured(batch, person, since, None)
    if 6 <= age <= 22:
        level = (
            "primary"
            if age < 12
            else "junior"
            if age < 15
            else "senior"
            if age < 18
            else "university"
        )
        years_in = {
            "primary": age - 6,
            "junior": age - 12,
            "senior": age - 15,
            "university": age - 18,
        }[level]
        batch.add(
            "edu",
            "school_records",
            (
                f"XJ{population.next_serial():012d}",
                person.id_number,
                rng.choice(names.SCHOOLS[level]),
                level,
                population.today.replace(month=9, day=1) - timedelta(days=365 * (years_in + 1)),
                None,
            ),
        )
    if 20 <= age <= 75 and rng.random() < 0.45:
        first = population.today - timedelta(days=rng.randint(30, (age - 18) * 365))
        batch.add(
            "ps",
            "driving_licences",
            (
                f"{county}{population.next_serial():012d}",
                person.id_number,
                rng.choice(["C1", "C1", "C2", "B2", "A1"]),
                first,
                first + timedelta(days=365 * 10 * (1 + (population.today - first).days // 3650)),
            ),
        )
