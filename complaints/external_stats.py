"""The year's IVO complaint cases and patient-insurance claims (issue 17, item 5): how many
came in, how many were decided and how, and what LÖF paid — the figures a
patientsäkerhetsberättelse gives (Kronoberg 2024: IVO's complaint cases and LÖF's claims,
compensated or not, beside the patientnämnd's cases). Counts only, never a case's text, read
from the complaints `user` sees (`Complaint.objects.visible_to`).

A case counts as received in the year of `received_on` and as decided in the year of
`decided_on`: a claim made in December and decided in March is in both years' figures, once
each.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass, field

from django.db.models import Count, Sum

from complaints.models import Complaint, ExternalCase, ExternalDecision, ExternalKind


@dataclass
class KindCounts:
    kind: str
    label: str
    received: int = 0
    decided: int = 0
    # decision → (label, count), in the order the decisions are listed.
    decisions: dict[str, tuple[str, int]] = field(default_factory=dict)
    amount: decimal.Decimal = decimal.Decimal("0.00")


def external_year_counts(user, year: int) -> dict[str, KindCounts]:
    """Per kind (IVO, LÖF): received in `year`, decided in `year` by decision, and the sum of
    the amounts compensated in decisions of `year`. Two queries."""
    cases = ExternalCase.objects.filter(complaint__in=Complaint.objects.visible_to(user).values("pk")).order_by()
    result = {
        kind: KindCounts(
            kind=kind,
            label=str(label),
            decisions={
                decision: (str(ExternalDecision(decision).label), 0)
                for decision in (ExternalCase.LOF_DECISIONS if kind == ExternalKind.LOF else ExternalCase.IVO_DECISIONS)
            },
        )
        for kind, label in ExternalKind.choices
    }
    for row in cases.filter(received_on__year=year).values("kind").annotate(n=Count("id")):
        result[row["kind"]].received = row["n"]
    decided = (
        cases.filter(decided_on__year=year)
        .exclude(decision="")
        .values("kind", "decision")
        .annotate(n=Count("id"), amount=Sum("amount"))
    )
    for row in decided:
        counts = result[row["kind"]]
        label, _n = counts.decisions.get(row["decision"], (str(ExternalDecision(row["decision"]).label), 0))
        counts.decisions[row["decision"]] = (label, row["n"])
        counts.decided += row["n"]
        counts.amount += row["amount"] or decimal.Decimal("0.00")
    return result
