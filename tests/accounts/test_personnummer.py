"""Personnummer and samordningsnummer: the forms people type, and the mistakes they make."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from accounts import personnummer

TODAY = dt.date(2025, 6, 1)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("19121212-1212", "191212121212"),
        ("191212121212", "191212121212"),
        (" 19121212 - 1212 ", "191212121212"),
        ("811228-9874", "198112289874"),
        ("8112289874", "198112289874"),
        ("121212-1212", "201212121212"),  # without century: the most recent such date
        ("121212+1212", "191212121212"),  # "+": aged 100 or more
        ("250615-1238", "192506151238"),  # 2025-06-15 is after "today", so 1925
        ("701063-2391", "197010632391"),  # samordningsnummer: day 03 + 60
        ("19701063-2391", "197010632391"),
    ],
)
def test_it_normalises_to_twelve_digits(typed, expected):
    assert personnummer.normalise(typed, today=TODAY) == expected


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", "format"),
        ("19121212-121", "format"),
        ("1912-12-12-1212", "format"),
        ("abc", "format"),
        ("19121212+1212", "format"),  # "+" only makes sense without the century
        ("19121212-1213", "checksum"),
        ("121212-1213", "checksum"),
        ("990230-1234", "date"),  # 30 February
        ("121232-1234", "date"),  # day 32 is neither a day nor a coordination day
        ("20991231-1231", "date"),  # in the future
    ],
)
def test_it_refuses_wrong_numbers_with_a_reason(typed, code):
    with pytest.raises(ValidationError) as error:
        personnummer.normalise(typed, today=TODAY)
    assert error.value.code == code
    assert error.value.messages[0]


def test_the_check_digit_message_tells_what_to_check():
    with pytest.raises(ValidationError) as error:
        personnummer.normalise("19121212-1213", today=TODAY)
    assert "kontrollsiffran" in error.value.messages[0]  # Swedish is the default language


def test_it_displays_with_a_hyphen():
    assert personnummer.display("191212121212") == "19121212-1212"
    assert personnummer.display("") == ""


def test_it_recognises_coordination_numbers():
    assert personnummer.is_coordination_number("197010632391")
    assert not personnummer.is_coordination_number("191212121212")
