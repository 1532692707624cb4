"""Swedish patient identifiers: personnummer and samordningsnummer.

Stored everywhere as 12 digits (`YYYYMMDDNNNC`), shown as `YYYYMMDD-NNNC`. People type them
in many ways (with or without century, with or without the hyphen, `+` for people aged 100
or more); `normalise` accepts those and refuses anything whose date or check digit is wrong,
with a message that says which part to look at. A samordningsnummer is a personnummer whose
day is increased by 60 (Skatteverket).
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

_PATTERN = re.compile(r"^(?P<century>\d{2})?(?P<yymmdd>\d{6})(?P<sep>[-+]?)(?P<serial>\d{3})(?P<check>\d)$")
COORDINATION_DAY_OFFSET = 60

FORMAT_MESSAGE = _("Write the personal identity number as YYYYMMDD-XXXX or YYMMDD-XXXX, for example 19121212-1212.")


def luhn_check_digit(nine_digits: str) -> int:
    """The Luhn check digit over YYMMDDNNN (weights 2, 1, 2, ... from the left)."""
    total = 0
    for index, char in enumerate(nine_digits):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10


def normalise(value: str, *, today: dt.date | None = None) -> str:
    """Return the identifier as 12 digits, or raise ValidationError (code `format`, `date`
    or `checksum`)."""
    today = today or timezone.localdate()
    compact = "".join(str(value or "").split())
    match = _PATTERN.match(compact)
    if not match:
        raise ValidationError(FORMAT_MESSAGE, code="format")
    yymmdd, serial, check = match["yymmdd"], match["serial"], match["check"]
    month, day = int(yymmdd[2:4]), int(yymmdd[4:6])
    if day > COORDINATION_DAY_OFFSET:
        day -= COORDINATION_DAY_OFFSET  # samordningsnummer
    if match["century"]:
        if match["sep"] == "+":
            raise ValidationError(FORMAT_MESSAGE, code="format")
        birth_date = _date_or_error(int(match["century"] + yymmdd[:2]), month, day)
    else:
        # Without the century: the most recent such date that is not in the future;
        # "+" instead of "-" means the person is 100 years or older.
        yy = int(yymmdd[:2])
        year = today.year - (today.year - yy) % 100
        birth_date = _date_or_error(year, month, day)
        if birth_date > today:
            birth_date = _date_or_error(year - 100, month, day)
        if match["sep"] == "+":
            birth_date = _date_or_error(birth_date.year - 100, month, day)
    if birth_date > today:
        raise ValidationError(_("The date in the number lies in the future. Check the year."), code="date")

    if luhn_check_digit(yymmdd + serial) != int(check):
        raise ValidationError(
            _("The last digit (check digit) does not match the rest of the number. Check the number for typos."),
            code="checksum",
        )
    return f"{birth_date.year:04d}{yymmdd[2:]}{serial}{check}"


def _date_or_error(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValidationError(
            _("The date in the number does not exist. Check the year, month and day."), code="date"
        ) from None


def display(normalised: str) -> str:
    """`YYYYMMDDNNNC` → `YYYYMMDD-NNNC` (as people read and write it; Excel keeps it as text)."""
    if len(normalised) != 12 or not normalised.isdigit():
        return normalised
    return f"{normalised[:8]}-{normalised[8:]}"


def is_coordination_number(normalised: str) -> bool:
    return len(normalised) == 12 and int(normalised[6:8]) > COORDINATION_DAY_OFFSET


# Something shaped like a personnummer inside free text (10 or 12 digits, maybe a separator),
# not inside a longer run of digits: "remiss 19121212-1212.pdf", "121212+1212". Its date and
# check digit are not asked for: a mistyped number still identifies the patient.
IN_TEXT = re.compile(r"(?<!\d)(?:\d{8}|\d{6})[-+ ]?\d{4}(?!\d)")
MASK = "XXXXXXXX-XXXX"


def mask_in_text(text: str) -> str:
    """`text` with every personnummer-like number replaced by MASK."""
    return IN_TEXT.sub(MASK, text)
