"""A round's results (issue 18, item 4): per statement, how many units answered each value and
how many never answered ("ej svarat": a unit whose response was not submitted — counted,
never dropped; Jämtland Härjedalen's 80 på plats, 1 saknas, 54 ej svarat), the response rate,
the counts' sums and shares for observations, the same for each child unit's subtree (the
drill-down through the tree), the previous round's figures for comparison (by the statement's
`key`, which stays the same across template versions), and the round's actions by state.

The units are those of the round the reader may see results for: whoever runs rounds for the
care provider sees all; `audit.view` the units in its scope. A subtree (`unit`) narrows it.
Every figure comes from one aggregate query over the answers of submitted and approved
responses, so a round sent to 1 000 units costs what one sent to ten does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum

from accounts.access import has_perm, scope_q
from accounts.models import OrgUnit
from accounts.roles import Perm
from audits.models import ANSWERED, SCALE_VALUES, Answer, Round, Scale, Statement, Value

NOT_ANSWERED = "not_answered"


@dataclass
class StatementResult:
    statement: Statement
    counts: dict[str, int]  # value → units, and NOT_ANSWERED
    observed: int = 0
    compliant: int = 0
    previous: StatementResult | None = None

    @property
    def share(self) -> Decimal | None:
        """Observations: compliant / observed in %; a status or yes/no statement: the share
        of the answering units with "in place" or "yes" (not applicable left out)."""
        if self.statement.scale == Scale.COUNT:
            return Decimal(self.compliant) * 100 / self.observed if self.observed else None
        good = self.counts.get(Value.IN_PLACE, 0) + self.counts.get(Value.YES, 0)
        counted = sum(n for value, n in self.counts.items() if value not in (NOT_ANSWERED, Value.NOT_APPLICABLE))
        return Decimal(good) * 100 / counted if counted else None

    @property
    def below_threshold(self) -> bool:
        share = self.share
        return self.statement.threshold is not None and share is not None and share < self.statement.threshold


@dataclass
class SubtreeResult:
    unit: OrgUnit
    responses: int
    answered: int

    @property
    def rate(self) -> Decimal | None:
        return Decimal(self.answered) * 100 / self.responses if self.responses else None


@dataclass
class RoundResults:
    round: Round
    unit: OrgUnit | None
    responses: int
    answered: int
    statements: list[StatementResult]
    children: list[SubtreeResult] = field(default_factory=list)
    actions: dict[str, int] = field(default_factory=dict)
    previous: Round | None = None

    @property
    def not_answered(self) -> int:
        return self.responses - self.answered

    @property
    def rate(self) -> Decimal | None:
        return Decimal(self.answered) * 100 / self.responses if self.responses else None


def readable_responses(user, round_: Round):
    """The responses of `round_` whose results `user` may read."""
    if round_.created_by_id == user.pk or has_perm(user, Perm.AUDIT_RUN, round_.care_provider):
        return round_.responses.all()
    return round_.responses.filter(scope_q(user, Perm.AUDIT_VIEW, "unit") | scope_q(user, Perm.AUDIT_RUN, "unit"))


def _in_subtree(responses, unit: OrgUnit | None):
    return responses if unit is None else responses.filter(unit__path__startswith=unit.path)


def _statement_results(round_: Round, responses) -> tuple[int, int, list[StatementResult]]:
    totals = responses.aggregate(all=Count("pk"), answered=Count("pk", filter=Q(status__in=ANSWERED)))
    statements = list(round_.template_version.statements.select_related("area").order_by("position"))
    rows = (
        Answer.objects.filter(response__in=responses.filter(status__in=ANSWERED).values("pk"))
        .values("statement_id", "value")
        .annotate(units=Count("pk"), observed=Sum("observed"), compliant=Sum("compliant"))
        .order_by()
    )
    by_statement: dict[int, StatementResult] = {
        s.pk: StatementResult(s, dict.fromkeys(SCALE_VALUES[s.scale], 0)) for s in statements
    }
    answered_units: dict[int, int] = {}
    for row in rows:
        result = by_statement.get(row["statement_id"])
        if result is None:
            continue
        answered_units[row["statement_id"]] = answered_units.get(row["statement_id"], 0) + row["units"]
        if result.statement.scale == Scale.COUNT:
            result.observed += row["observed"] or 0
            result.compliant += row["compliant"] or 0
        else:
            result.counts[row["value"]] = result.counts.get(row["value"], 0) + row["units"]
    for statement_id, result in by_statement.items():
        result.counts[NOT_ANSWERED] = totals["all"] - answered_units.get(statement_id, 0)
    return totals["all"], totals["answered"], list(by_statement.values())


def round_results(user, round_: Round, *, unit: OrgUnit | None = None) -> RoundResults:
    from actions.models import Action

    responses = _in_subtree(readable_responses(user, round_), unit)
    total, answered, statements = _statement_results(round_, responses)
    previous = round_.previous
    if previous is not None:
        _total, _answered, earlier = _statement_results(previous, _in_subtree(readable_responses(user, previous), unit))
        by_key = {result.statement.key: result for result in earlier}
        for result in statements:
            result.previous = by_key.get(result.statement.key)
    actions = dict(
        Action.objects.filter(audit_response__in=responses.values("pk"))
        .values_list("state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return RoundResults(
        round=round_,
        unit=unit,
        responses=total,
        answered=answered,
        statements=statements,
        children=_children(responses, unit, round_),
        actions=actions,
        previous=previous,
    )


def _children(responses, unit: OrgUnit | None, round_: Round) -> list[SubtreeResult]:
    """Each child subtree of `unit` (of the care provider, without one) that holds responses:
    how many units answer there and how many did."""
    parent = unit or round_.care_provider
    children = list(OrgUnit.objects.filter(parent=parent).order_by("name"))
    rows = responses.values_list("unit__path", "status")
    counted: dict[int, list[int]] = {}
    for path, status in rows:
        for child in children:
            if path.startswith(child.path):
                entry = counted.setdefault(child.pk, [0, 0])
                entry[0] += 1
                entry[1] += status in ANSWERED
                break
    return [SubtreeResult(child, *counted[child.pk]) for child in children if child.pk in counted]


def unit_responses(round_: Round, responses=None):
    """The responses with their units and state, for the round page's list of units."""
    responses = responses if responses is not None else round_.responses.all()
    return responses.select_related("unit").order_by("unit__path")


def response_counts(queryset) -> dict[str, int]:
    return dict(queryset.values_list("status").annotate(n=Count("pk")).order_by())
