"""A round's results as a file (CSV as Swedish Excel reads it, or XLSX, `psweb.exports`): one
row per statement with the units per answer, the units that did not answer, the observations'
sums and the share, beside the previous round's share. Counts only: no person is named."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from audits.models import SCALE_VALUES, Scale, Value
from audits.results import NOT_ANSWERED, RoundResults
from psweb import exports

# Every value of every scale, in the order the scales list them: one column each.
VALUE_COLUMNS = [value for values in SCALE_VALUES.values() for value in values]


def _one_decimal(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def header() -> list[str]:
    labels = dict(Value.choices)
    return [
        _("Area"),
        _("Statement"),
        *[str(labels[value]) for value in VALUE_COLUMNS],
        _("Not answered"),
        _("Observed"),
        _("Compliant"),
        _("Share (%)"),
        _("Previous round's share (%)"),
    ]


def rows(results: RoundResults) -> list[list]:
    found = []
    for result in results.statements:
        statement = result.statement
        is_count = statement.scale == Scale.COUNT
        own = set(SCALE_VALUES[statement.scale])
        found.append(
            [
                statement.area.title,
                statement.text,
                *[result.counts.get(value, 0) if value in own else None for value in VALUE_COLUMNS],
                result.counts.get(NOT_ANSWERED, 0),
                result.observed if is_count else None,
                result.compliant if is_count else None,
                _one_decimal(result.share),
                _one_decimal(result.previous.share) if result.previous is not None else None,
            ]
        )
    return found


def round_export_response(request, results: RoundResults):
    round_ = results.round
    name = f"egenkontroll-{round_.reference}" + (f"-{results.unit.pk}" if results.unit is not None else "")
    return exports.export(request, name, round_.reference, header(), rows(results))
