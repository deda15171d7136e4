"""The two national keys: citizen ID numbers (GB 11643-1999) and unified social credit
codes (GB 32100-2015). One module, so every domain validates them the same way."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

# Province-level division codes (first two digits of a GB/T 2260 code).
PROVINCE_CODES = frozenset(
    {
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35",
        "36", "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54",
        "61", "62", "63", "64", "65", "71", "81", "82",
    }
)  # fmt: skip

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_PATTERN = re.compile(r"^\d{17}[\dX]$")
EARLIEST_BIRTH = date(1850, 1, 1)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_PATTERN = re.compile(rf"^[{USCC_ALPHABET}]{{18}}$")
# First character: the registering authority (1 organs, 5 civil affairs, 9 market
# regulation, Y agriculture, and the others GB 32100 lists).
_USCC_AUTHORITIES = frozenset("123456789ANY")


class InvalidIdentifier(ValueError):
    """The value is not a valid identifier; the message says which rule failed."""


@dataclass(frozen=True)
class CitizenId:
    number: str
    division_code: str
    birth_date: date
    sequence: int

    @property
    def gender(self) -> str:
        return "M" if self.sequence % 2 else "F"

    @property
    def province_code(self) -> str:
        return self.division_code[:2]


def id_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def parse_citizen_id(value: str, *, today: date | None = None) -> CitizenId:
    """Validate an 18-character ID number and return its parts.

    A lower-case 'x' is accepted and normalised, as people type it that way.
    """
    number = value.strip().upper()
    if not _ID_PATTERN.match(number):
        raise InvalidIdentifier("an ID number is 17 digits and a digit or X")
    division = number[:6]
    if division[:2] not in PROVINCE_CODES:
        raise InvalidIdentifier(f"unknown province in division code {division}")
    if division[2:] == "0000":
        raise InvalidIdentifier(f"division code {division} names no city or county")
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdentifier(f"birth date {number[6:14]} is not a calendar date") from None
    if not EARLIEST_BIRTH <= birth <= (today or date.today()):
        raise InvalidIdentifier(f"birth date {birth.isoformat()} is out of range")
    if number[17] != id_check_char(number[:17]):
        raise InvalidIdentifier("the check character does not match (GB 11643)")
    return CitizenId(number, division, birth, int(number[14:17]))


def is_citizen_id(value: str) -> bool:
    try:
        parse_citizen_id(value)
    except InvalidIdentifier:
        return False
    return True


def mask_citizen_id(number: str) -> str:
    """110105********002X: division code and last four kept, birth date hidden."""
    if len(number) != 18:
        return "*" * len(number)
    return number[:6] + "*" * 8 + number[14:]


# In free text (an appeal's description): an 18- or 15-digit ID number, a mobile number,
# a landline with its area code. Chinese has no word breaks, so digits bound the match.
_ID_IN_TEXT = re.compile(
    r"(?<![0-9])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9Xx])|(?<![0-9])\d{15}(?![0-9])"
)
_PHONE_IN_TEXT = re.compile(
    r"(?<![0-9])(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?![0-9])"
    r"|(?<![0-9])(0\d{2,3})[- ]?(\d{7,8})(?![0-9])"
)


def mask_numbers_in_text(text: str) -> str:
    """Text with ID and phone numbers masked: 110105********002X, 138****5678, 0571-****."""

    def id_number(match: re.Match[str]) -> str:
        if match.group(1):
            return match.group(1) + "*" * 8 + match.group(3)
        return match.group(0)[:6] + "*" * 9

    def phone(match: re.Match[str]) -> str:
        if match.group(1):
            return f"{match.group(1)}****{match.group(3)}"
        return f"{match.group(4)}-****"

    return _PHONE_IN_TEXT.sub(phone, _ID_IN_TEXT.sub(id_number, text))


def uscc_check_char(first17: str) -> str:
    total = sum(
        USCC_ALPHABET.index(char) * weight
        for char, weight in zip(first17, _USCC_WEIGHTS, strict=True)
    )
    return USCC_ALPHABET[(31 - total % 31) % 31]


def parse_credit_code(value: str) -> str:
    """Validate a unified social credit code and return it normalised (upper case)."""
    code = value.strip().upper()
    if not _USCC_PATTERN.match(code):
        raise InvalidIdentifier(
            "a unified social credit code is 18 characters of 0-9 and A-Y without I, O, S, V, Z"
        )
    if code[0] not in _USCC_AUTHORITIES:
        raise InvalidIdentifier(f"unknown registering authority {code[0]}")
    if not code[2:8].isdigit() or code[2:4] not in PROVINCE_CODES:
        raise InvalidIdentifier(f"division code {code[2:8]} is not valid")
    if code[17] != uscc_check_char(code[:17]):
        raise InvalidIdentifier("the check character does not match (GB 32100)")
    return code


def is_credit_code(value: str) -> bool:
    try:
        parse_credit_code(value)
    except InvalidIdentifier:
        return False
    return True
