"""GB 11643 and GB 32100: published examples, and every single-character corruption."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onceonly.identity.validators import (
    USCC_ALPHABET,
    InvalidIdentifier,
    id_check_char,
    is_citizen_id,
    is_credit_code,
    mask_citizen_id,
    parse_citizen_id,
    parse_credit_code,
    uscc_check_char,
)

PUBLISHED_IDS = ["11010519491231002X", "440524188001010014"]
PUBLISHED_CODES = ["91350100M000100Y43"]
ID_CHARS = "0123456789X"


@pytest.mark.parametrize("number", PUBLISHED_IDS)
def test_published_ids_are_valid(number: str) -> None:
    parsed = parse_citizen_id(number)
    assert parsed.number == number


def test_id_parts() -> None:
    parsed = parse_citizen_id("11010519491231002x")  # lower-case x is normalised
    assert parsed.number == "11010519491231002X"
    assert parsed.division_code == "110105"
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.gender == "F"
    assert parse_citizen_id("440524188001010014").gender == "M"


@pytest.mark.parametrize("number", PUBLISHED_IDS)
def test_every_single_character_corruption_of_an_id_is_rejected(number: str) -> None:
    for position in range(18):
        for char in ID_CHARS:
            if char == number[position]:
                continue
            corrupted = number[:position] + char + number[position + 1 :]
            assert not is_citizen_id(corrupted), corrupted


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("1101051949123100", "17 digits"),
        ("11010519491231002Y", "17 digits"),
        ("99010519491231002X", "unknown province"),
        ("110000194912310027", "names no city"),
        ("110105194902300029", "not a calendar date"),
        ("110105290001010016", "out of range"),
    ],
)
def test_id_rule_failures_say_which_rule(value: str, reason: str) -> None:
    with pytest.raises(InvalidIdentifier, match=reason):
        parse_citizen_id(value)


valid_ids = st.builds(
    lambda division, day, seq: (lambda first: first + id_check_char(first))(
        f"{division}{day:%Y%m%d}{seq:03d}"
    ),
    st.sampled_from(["110105", "440524", "330102", "650104"]),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)),
    st.integers(min_value=0, max_value=999),
)


@settings(max_examples=200)
@given(valid_ids, st.integers(min_value=0, max_value=17), st.sampled_from(ID_CHARS))
def test_generated_ids_survive_and_corruptions_fail(number: str, position: int, char: str) -> None:
    assert is_citizen_id(number)
    corrupted = number[:position] + char + number[position + 1 :]
    assert is_citizen_id(corrupted) == (corrupted == number)


def test_mask_keeps_division_and_last_four() -> None:
    assert mask_citizen_id("11010519491231002X") == "110105********002X"


@pytest.mark.parametrize("code", PUBLISHED_CODES)
def test_published_credit_codes_are_valid(code: str) -> None:
    assert parse_credit_code(code.lower()) == code


@pytest.mark.parametrize("code", PUBLISHED_CODES)
def test_every_single_character_corruption_of_a_credit_code_is_rejected(code: str) -> None:
    for position in range(18):
        for char in USCC_ALPHABET:
            if char == code[position]:
                continue
            corrupted = code[:position] + char + code[position + 1 :]
            assert not is_credit_code(corrupted), corrupted


@pytest.mark.parametrize(
    "bad", ["91350100M000100Y4", "91350100M000100Y4I", "X1350100M000100Y43", "91990100M000100Y43"]
)
def test_credit_code_rule_failures(bad: str) -> None:
    assert not is_credit_code(bad)


valid_codes = st.builds(
    lambda body: body + uscc_check_char(body),
    st.builds(
        lambda org: "91330102" + org, st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9)
    ),
)


@settings(max_examples=200)
@given(valid_codes, st.integers(min_value=0, max_value=17), st.sampled_from(USCC_ALPHABET))
def test_generated_credit_codes_and_corruptions(code: str, position: int, char: str) -> None:
    assert is_credit_code(code)
    corrupted = code[:position] + char + code[position + 1 :]
    assert is_credit_code(corrupted) == (corrupted == code)
