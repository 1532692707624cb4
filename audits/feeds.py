"""Observation counts into the indicator measurements, so that nobody types them twice
(issue 18, item 3). A statement of scale `count` that names an indicator (`indicator_code`:
the hygiene observation's BHK-1…8 and BHK) feeds it: when a unit's response is submitted,
one measurement per such statement — the unit, the round's period, numerator = compliant,
denominator = observed — is written through `indicators.services.upsert`, with the source
"psweb: egenkontroll <round>" and the submitter as the one who entered it. Submitted again
after a return, the same point is updated. Nothing is written for an indicator missing from
the catalogue or not in use, for nothing observed, or for a period that has not begun.

Västmanland 2023 (`../shared/seeds/000_…`): 847 people observed, 74,1 % compliant in all
eight steps — 628 of 847 — is what the dashboard then shows for BHK.

Hand entry closes where the feed begins (`indicators.feeds`, a resolver registered in
`audits.registrations`): from the first period of a submitted response that feeds the code.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audits.models import ANSWERED, Answer, Response, Scale, Statement

SOURCE_PREFIX = "psweb: egenkontroll"


def source_of(response: Response) -> str:
    return f"{SOURCE_PREFIX} {response.round.reference}"


def feed_response(response: Response) -> int:
    """Write the measurements of a submitted response; returns how many were created or
    changed. The caller holds the transaction."""
    from indicators import services as indicator_services
    from indicators.models import IndicatorDefinition

    round_ = response.round
    if round_.period_start > timezone.localdate():
        return 0
    answers = list(
        Answer.objects.filter(response=response, statement__scale=Scale.COUNT, observed__gt=0)
        .exclude(statement__indicator_code="")
        .select_related("statement")
    )
    if not answers:
        return 0
    codes = {answer.statement.indicator_code for answer in answers}
    indicators = {
        ind.code: ind
        for ind in IndicatorDefinition.objects.filter(code__in=codes, is_active=True).prefetch_related("methods")
    }
    checked = []
    for answer in answers:
        indicator = indicators.get(answer.statement.indicator_code)
        if indicator is None:
            continue
        checked.append(
            indicator_services.Checked(
                indicator=indicator,
                unit=response.unit,
                period_start=round_.period_start,
                period_end=round_.period_end,
                numerator=Decimal(answer.compliant or 0),
                denominator=Decimal(answer.observed),
                method=indicator_services.method_for(indicator, "", round_.period_start, list(indicator.methods.all())),
                comment="",
                source=source_of(response),
            )
        )
    outcomes = indicator_services.upsert(checked, actor=response.submitted_by)
    return sum(1 for outcome in outcomes if outcome != "unchanged")


def resolve(code: str):
    """The feed of `code` if a template's count statement names it (for `indicators.feeds`)."""
    from indicators.feeds import Feed

    if not Statement.objects.filter(indicator_code=code, scale=Scale.COUNT).exists():
        return None
    return Feed(code=code, by=_("from the self-audit observation rounds"), since=lambda: fed_since(code))


def fed_since(code: str):
    """The first day of the earliest period a submitted response fed `code` (None: none yet)."""
    first = (
        Response.objects.filter(
            status__in=ANSWERED,
            round__template_version__statements__indicator_code=code,
            round__template_version__statements__scale=Scale.COUNT,
        )
        .order_by("round__period_start")
        .values_list("round__period_start", flat=True)
        .first()
    )
    return first
