"""The indicator PN-SVAR ("Patientnämndens ärenden besvarade inom angiven tid", target ≥ 90 %)
computed from the complaints, so that nobody counts the patientnämnd's cases a second time.

Kronoberg's patientsäkerhetsberättelse 2024: 943 cases from the nämnd, 622 answered by the
date the nämnd set (28 days) = 66,0 %. The rule, exactly:

- A case counts when it came from a patientnämnd (`board_unit` set), was not forwarded or
  withdrawn (`NOT_COUNTED`), and its due date (`Complaint.due_on`, every pause included) lies
  in the period.
- Numerator: answered on or before the due date (`answered_on <= due_on`).
- Denominator: the answered ones, and the unanswered ones whose due date has passed. A case
  not answered and not yet due, or paused right now (its due date will move), is not counted
  yet. A case answered and then reopened keeps its first answer's date.

The points: one measurement per responsible unit (`Complaint.unit`) and calendar month of the
due date, under the indicator machinery's ordinary rules (`indicators.selectors`): the
dashboard's year, tertial or quarter of a unit is the sum of its subtree's monthly numerators
over the sum of the denominators, never an average of shares. PN-SVAR is a yearly indicator
(`Frequency.YEAR`); monthly points give the same yearly figure and also show a trend within
the year. A month that has not begun has no point yet (a measurement's period must have
begun): a case answered early and due next month is counted when that month begins.

Writing (`pn_svar_feed`): the points of a period are computed with one aggregate query and
written with `indicators.services.upsert`, keyed as any measurement (indicator, unit, month,
method), with the source `FEED_SOURCE` and, as `entered_by`, the system user `SYSTEM_USERNAME`
(inactive, no password: it cannot sign in; created on first use). They are built as checked
measurements directly rather than through `check_rows`: they are counts from the database (the
numerator never exceeds the denominator, which is never zero; a month is fed once it has
begun), and the system user holds no role to pass its permission check. Running it twice changes
nothing; a changed case changes its point; a point of the feed whose unit has no counted
case left in that month (the case moved to another unit, was withdrawn, was paused) is
deleted — it is derived from the cases, which keep the record, and a measurement cannot hold
a denominator of zero; the measurement history keeps what it said. Points entered by hand
(another source) are never deleted; one with the same key is overwritten by the computed one.

Hand entry closes where the feed begins (`indicators.feeds`, registered in `complaints.apps`):
from the first month of the earliest nämnd case's due date, PN-SVAR is refused in the
measurement form, the API and the import, with the reason; figures typed in for earlier
periods stay and can be corrected.

It runs nightly for this year and the last (`complaints.tasks`), and after each committed
change to a nämnd's case that can move the figure (`complaints.apps`: a `post_save` receiver
that refreshes the year of the case's due date on commit).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts.models import OrgUnit, User
from complaints.models import NOT_COUNTED, Complaint
from indicators import services as indicator_services
from indicators.models import IndicatorDefinition, Measurement, PeriodKind
from indicators.periods import month_end

CODE = "PN-SVAR"
FEED_SOURCE = "psweb: klagomål från patientnämnden"
SYSTEM_USERNAME = "psweb.pn-svar"
# Two feeds writing the same points at once would both insert them: the second waits.
_LOCK_KEY = 0x504E5356  # "PNSV"

Period = tuple[dt.date, dt.date]


def year_period(year: int) -> Period:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def answer_counted_q(today: dt.date) -> Q:
    """Complaints whose answer counts (see the module's text): answered, or unanswered past
    the due date and not paused; never forwarded or withdrawn. Whatever their due date."""
    answered = Q(answered_on__isnull=False)
    overdue = Q(answered_on__isnull=True, paused_since__isnull=True, due_on__lt=today)
    return ~Q(status__in=NOT_COUNTED) & (answered | overdue)


def counted_q(today: dt.date) -> Q:
    """The nämnd's cases that count in PN-SVAR."""
    return Q(board_unit__isnull=False) & answer_counted_q(today)


def pn_svar_rows(period: Period, *, today: dt.date | None = None) -> dict[tuple[int, dt.date], tuple[int, int]]:
    """{(responsible unit id, first of the due date's month): (in time, counted)} for the
    cases due in `period`, in one aggregate query."""
    today = today or timezone.localdate()
    start, end = period
    rows = (
        Complaint.objects.filter(counted_q(today), due_on__gte=start, due_on__lte=end)
        .annotate(month=TruncMonth("due_on"))
        .values("unit_id", "month")
        .annotate(in_time=Count("pk", filter=Q(answered_on__lte=F("due_on"))), counted=Count("pk"))
        .order_by()
    )
    out = {}
    for row in rows:
        month = row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"]
        out[(row["unit_id"], month)] = (row["in_time"], row["counted"])
    return out


def fed_since() -> dt.date | None:
    """The first month the feed computes: that of the earliest due date of a nämnd's case
    (None while there is none: hand entry stays open)."""
    first = Complaint.objects.filter(board_unit__isnull=False).order_by("due_on").values_list("due_on", flat=True)
    day = first.first()
    return day.replace(day=1) if day else None


def system_user() -> User:
    """Who enters the computed points: a user that cannot sign in, made on first use."""
    user, created = User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"first_name": "psweb", "last_name": "(klagomål, automatiskt)", "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _months(period: Period, today: dt.date) -> Iterable[dt.date]:
    month = period[0].replace(day=1)
    while month <= period[1] and month <= today:
        yield month
        month = (month + dt.timedelta(days=32)).replace(day=1)


@transaction.atomic
def pn_svar_feed(
    *, year: int | None = None, period: Period | None = None, actor=None, today: dt.date | None = None
) -> dict[str, int]:
    """Write PN-SVAR's monthly points for `year` (or the whole months of `period`) from the
    cases. Returns how many points were created, updated, unchanged and removed. Nothing is
    written while the indicator is missing or not in use."""
    today = today or timezone.localdate()
    if period is None:
        period = year_period(year if year is not None else today.year)
    start, end = period[0].replace(day=1), month_end(period[1])
    counts = {"created": 0, "updated": 0, "unchanged": 0, "removed": 0}
    indicator = IndicatorDefinition.objects.filter(code=CODE, is_active=True).prefetch_related("methods").first()
    if indicator is None:
        return counts
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
    actor = actor or system_user()
    months = set(_months((start, end), today))
    computed = {key: value for key, value in pn_svar_rows((start, end), today=today).items() if key[1] in months}
    units = OrgUnit.objects.in_bulk({unit_id for unit_id, _month in computed})
    methods = list(indicator.methods.all())
    checked = [
        indicator_services.Checked(
            indicator=indicator,
            unit=units[unit_id],
            period_start=month,
            period_end=month_end(month),
            numerator=Decimal(in_time),
            denominator=Decimal(counted),
            method=indicator_services.method_for(indicator, "", month, methods),
            comment="",
            source=FEED_SOURCE,
        )
        for (unit_id, month), (in_time, counted) in sorted(computed.items())
    ]
    for outcome in indicator_services.upsert(checked, actor=actor):
        counts[outcome] += 1
    kept = {(row.unit.pk, row.period_start, row.method) for row in checked}
    stale = [
        pk
        for pk, unit_id, month, method in Measurement.objects.filter(
            indicator=indicator,
            source=FEED_SOURCE,
            period_kind=PeriodKind.MONTH,
            period_start__gte=start,
            period_start__lte=end,
        ).values_list("pk", "unit_id", "period_start", "method")
        if (unit_id, month, method) not in kept
    ]
    if stale:
        counts["removed"] = Measurement.objects.filter(pk__in=stale).delete()[0]
    return counts
