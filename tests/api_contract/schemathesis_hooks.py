"""schemathesis hooks for the CI step "schemathesis" (tests/api_contract/schemathesis.toml).

Valid dates are plausible dates: psweb refuses an event or action date before 1 January 1900 or
more than 100 years ahead with 400 (`date_too_early`, `date_too_late`; psweb.api, settings
DATE_FLOOR_YEAR and DATE_MAX_YEARS_AHEAD; docs/api.md, "Error contract"), a rule a JSON schema's
`format: date` cannot state. So the dates and times schemathesis generates as valid lie within
it; invalid ones (not a date at all) are still generated and must be refused.
"""

from __future__ import annotations

import datetime as dt

import schemathesis
from hypothesis import strategies as st

FLOOR = dt.date(1900, 1, 1)
CEILING = dt.date(dt.date.today().year + 99, 12, 31)  # within DATE_MAX_YEARS_AHEAD (100) of any day this year
# RFC 3339 offsets are whole minutes; a day has offsets from -14:00 to +14:00.
OFFSETS = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: dt.timezone(dt.timedelta(minutes=minutes))
)

schemathesis.openapi.format("date", st.dates(FLOOR, CEILING).map(dt.date.isoformat))
schemathesis.openapi.format(
    "date-time",
    st.datetimes(
        dt.datetime(1900, 1, 2), dt.datetime.combine(CEILING, dt.time()) - dt.timedelta(days=1), timezones=OFFSETS
    ).map(dt.datetime.isoformat),
)
