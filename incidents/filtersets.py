"""Filtering and ordering the incident list: one FilterSet for the REST API and the queue page.

`IncidentFilterSet` filters an already scoped queryset (`Incident.objects.visible_to(user)`);
it never widens it. Bad values give a form error per field (the API answers 400 with them).
Dates are Swedish local days: `occurred_to=2026-03-01` includes the whole of 1 March in
Stockholm. `ordering_keys(value)` gives the order_by() tuple for an `ordering` value; the
same keys drive the API's cursor pagination (they are unique or nearly so, never NULL).
"""

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import (
    BigIntegerField,
    Case,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from accounts.models import OrgUnit
from actions.models import Action
from incidents import search
from incidents.models import CaseType, Category, EventClass, Incident, ProviderSettings, Status
from incidents.services.common import KIT
from psweb.filters import HandlerField, StrictBooleanFilter

# Risk levels (DOMAIN.md): the score ranges of the 4×4 matrix.
RISK_LEVEL_SCORES: dict[str, tuple[int, int]] = {
    "low": (1, 3),
    "moderate": (4, 6),
    "high": (8, 9),
    "very_high": (12, 16),
}
RISK_LEVEL_CHOICES = [
    ("low", _("Low (risk score 1–3)")),
    ("moderate", _("Moderate (risk score 4–6)")),
    ("high", _("High (risk score 8–9)")),
    ("very_high", _("Very high (risk score 12–16)")),
]

# An ordering value → the order_by() keys. The first key is what the cursor pages on; it is
# never NULL and (for the coarse ones) made unique by folding in the id.
_ID_FACTOR = 10**12
ORDERINGS: dict[str, tuple[str, ...]] = {
    "reported_at": ("sort_reported", "id"),
    "-reported_at": ("-sort_reported", "-id"),
    "occurred_at": ("sort_occurred", "id"),
    "-occurred_at": ("-sort_occurred", "-id"),
    "risk_score": ("sort_risk", "id"),
    "-risk_score": ("-sort_risk", "-id"),
    "status": ("sort_status", "id"),
    "-status": ("-sort_status", "-id"),
    "reference": ("sort_reference", "id"),
    "-reference": ("-sort_reference", "-id"),
}
DEFAULT_ORDERING = "-reported_at"
ORDERING_CHOICES = [
    ("-reported_at", _("Reported, newest first")),
    ("reported_at", _("Reported, oldest first")),
    ("-occurred_at", _("Happened, newest first")),
    ("occurred_at", _("Happened, oldest first")),
    ("-risk_score", _("Risk score, highest first")),
    ("risk_score", _("Risk score, lowest first")),
    ("status", _("Status, in the order of handling")),
    ("-status", _("Status, reverse order of handling")),
    ("reference", _("Reference, ascending")),
    ("-reference", _("Reference, descending")),
]
_STATUS_RANK = [Status.DRAFT, Status.SUBMITTED, Status.IN_PROGRESS, Status.CLOSED, Status.WITHDRAWN]


def with_sort_keys(queryset, *, by_index: bool = True):
    """Annotate the keys that `ORDERINGS` refers to.

    The dates are the expressions of the indexes `incident_sort_reported` and
    `incident_sort_occurred`, so that a page of 50 newest is read by walking an index. With
    `by_index=False` (a rare text search: `incidents.search.Search.is_common`) they are
    written so that no index matches: a walk in search of a rare word reads every incident
    (seconds at a million), where its few matches are found with the search indexes and
    sorted at once; a common word is met within the newest few hundred (docs/benchmarks.md)."""
    reported, occurred = Coalesce("reported_at", "created_at"), Coalesce("occurred_at", "created_at")
    if not by_index:
        reported, occurred = (
            ExpressionWrapper(key + Value(dt.timedelta(0)), output_field=DateTimeField())
            for key in (reported, occurred)
        )
    return queryset.annotate(
        sort_reported=reported,
        sort_occurred=occurred,
        sort_risk=_big(Coalesce(F("risk_probability") * F("risk_consequence"), Value(0)) * Value(_ID_FACTOR) + F("id")),
        sort_status=_big(
            Case(*(When(status=s, then=Value(rank)) for rank, s in enumerate(_STATUS_RANK)), default=Value(9))
            * Value(_ID_FACTOR)
            + F("id")
        ),
        sort_reference=Coalesce("reference", Value("")),
    )


def _big(expression):
    return ExpressionWrapper(expression, output_field=BigIntegerField())


def ordering_keys(value: str | None) -> tuple[str, ...]:
    """The order_by() keys for an `ordering` value (the default for None or an unknown value)."""
    return ORDERINGS.get(value or DEFAULT_ORDERING, ORDERINGS[DEFAULT_ORDERING])


def local_day_start(day: dt.date) -> dt.datetime:
    """Midnight at the start of `day` in Swedish local time."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone())


def overdue_q() -> Q:
    """Open (submitted or in progress) and either not triaged within the triage time of the
    default provider settings, or with an unfinished action past its due date."""
    defaults = ProviderSettings.objects.filter(care_provider__isnull=True).first() or ProviderSettings()
    triage_limit = timezone.now() - dt.timedelta(days=defaults.triage_days)
    late_action = Action.objects.filter(
        incident=OuterRef("pk"),
        due_date__lt=timezone.localdate(),
    ).exclude(state__in=[Action.State.DONE, Action.State.CANCELLED])
    return Q(status__in=[Status.SUBMITTED, Status.IN_PROGRESS]) & (
        Q(triaged_at__isnull=True, reported_at__lt=triage_limit) | Q(Exists(late_action))
    )


def questions_to_me_q(user) -> Q:
    """Incidents with a question asked of the user's units (where they handle incidents) by a
    unit outside them, not answered yet: what the asked unit must find. The questions are read
    into a list of ids first, so the filter stays on the incident table's primary key."""
    from accounts.access import scope_q
    from accounts.roles import Perm
    from incidents.models import Forward, ids_of

    if user is None or not user.is_authenticated:
        return Q(pk__in=[])
    asked = Forward.objects.filter(
        scope_q(user, Perm.INCIDENT_TRIAGE, "to_unit"), kind=Forward.Kind.ASK, answered_at__isnull=True
    ).exclude(scope_q(user, Perm.INCIDENT_TRIAGE, "from_unit"))
    return Q(pk__any=ids_of(asked, "incident_id"))


@extend_schema_field(OpenApiTypes.STR)
class HandlerFilter(django_filters.Filter):
    field_class = HandlerField


class IncidentFilterSet(django_filters.FilterSet):
    """Filters of the incident list and queue. Pass `request` so that `handler=me` works."""

    status = django_filters.MultipleChoiceFilter(
        distinct=False,  # a value of the incident's own row: no duplicates to remove
        choices=Status.choices,
        label=_("Status"),
        help_text=_("One or more statuses; repeat the parameter for several (status=submitted&status=in_progress)."),
    )
    unit = django_filters.ModelChoiceFilter(
        queryset=OrgUnit.objects.all(),
        method="filter_unit",
        label=_("Unit (with the units below it)"),
        help_text=_(
            "An org unit id: incidents that happened in, or are the responsibility of, this unit or a unit below it."
        ),
    )
    responsible_unit = django_filters.ModelChoiceFilter(
        queryset=OrgUnit.objects.all(),
        label=_("Responsible unit"),
        help_text=_("An org unit id: incidents this exact unit is responsible for."),
    )
    occurred_from = django_filters.DateFilter(
        method="filter_occurred_from",
        label=_("Happened from"),
        help_text=_("A date (YYYY-MM-DD): happened on or after this day (Swedish time)."),
    )
    occurred_to = django_filters.DateFilter(
        method="filter_occurred_to",
        label=_("Happened until"),
        help_text=_("A date (YYYY-MM-DD): happened on or before this day (Swedish time)."),
    )
    reported_from = django_filters.DateFilter(
        method="filter_reported_from",
        label=_("Reported from"),
        help_text=_("A date (YYYY-MM-DD): reported on or after this day (Swedish time)."),
    )
    reported_to = django_filters.DateFilter(
        method="filter_reported_to",
        label=_("Reported until"),
        help_text=_("A date (YYYY-MM-DD): reported on or before this day (Swedish time)."),
    )
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(),
        method="filter_category",
        label=_("Category (with its subcategories)"),
        help_text=_("A category id: incidents in this category or any category below it."),
    )
    event_class = django_filters.MultipleChoiceFilter(
        distinct=False,  # a value of the incident's own row: no duplicates to remove
        choices=EventClass.choices,
        label=_("Event class"),
        help_text=_("One or more event classes; repeat the parameter for several."),
    )
    case_type = django_filters.ChoiceFilter(
        choices=CaseType.choices,
        label=_("Case type"),
        help_text=_("Care (patient-related) or work environment."),
    )
    risk_level = django_filters.MultipleChoiceFilter(
        distinct=False,  # a value of the incident's own row: no duplicates to remove
        choices=RISK_LEVEL_CHOICES,
        method="filter_risk_level",
        label=_("Risk level"),
        help_text=_("One or more risk levels, by risk score: low 1–3, moderate 4–6, high 8–9, very high 12–16."),
    )
    investigation_requested = StrictBooleanFilter(
        field_name="investigation_requested_at",
        lookup_expr="isnull",
        exclude=True,
        label=_("Investigation requested"),
        help_text=_("true: an investigation is requested and not yet answered; false: all others."),
    )
    overdue = StrictBooleanFilter(
        method="filter_overdue",
        label=_("Overdue"),
        help_text=_(
            "true: open incidents not triaged in time, or with an unfinished action past its due date. "
            "false: all others."
        ),
    )
    questions_to_me = StrictBooleanFilter(
        method="filter_questions_to_me",
        label=_("Questions to my unit awaiting an answer"),
        help_text=_(
            "true: incidents another unit has asked a unit where you handle incidents to answer, "
            "not answered yet; false: all others."
        ),
    )
    late = StrictBooleanFilter(
        field_name="late_report",
        label=_("Reported late"),
        help_text=_("true: incidents reported later than the care provider's time limit."),
    )
    handler = HandlerFilter(
        method="filter_handler",
        label=_("Handler"),
        help_text=_("A user id, or “me” for incidents you handle."),
    )
    q = django_filters.CharFilter(
        method="filter_text",
        max_length=200,
        validators=[search.refuse_personnummer],
        label=_("Search"),
        help_text=_(
            "A reference (AV-2026-000189, 2026-189 or 000189: any status), or words to search for in the "
            "description, the immediate actions, the suggested improvement and the short title, and in the "
            "names of the category and the cause areas: Swedish word forms and parts of compound words "
            "(“läkemedel” finds “läkemedelslistan”); “or” between alternatives, -word for none of it, "
            '"quotes" for a phrase. Never a personal identity number (400).'
        ),
    )
    ordering = django_filters.ChoiceFilter(
        choices=ORDERING_CHOICES,
        method="filter_ordering",
        empty_label=None,
        label=_("Order"),
        help_text=_(
            "reported_at, occurred_at, risk_score, status or reference; a leading - reverses. Default: -reported_at."
        ),
    )

    class Meta:
        model = Incident
        fields: list[str] = []

    # --- filter methods ---------------------------------------------------------------------

    def filter_unit(self, queryset, name, value):
        # The subtree as a list of unit ids, so the incident table's unit indexes serve it (a
        # LIKE on the joined units' paths cannot use them: 230 ms at a million incidents).
        subtree = list(OrgUnit.objects.filter(path__startswith=value.path).values_list("pk", flat=True))
        return queryset.filter(Q(unit_id__any=subtree) | Q(responsible_unit_id__any=subtree))

    def filter_occurred_from(self, queryset, name, value):
        return queryset.filter(occurred_at__gte=local_day_start(value))

    def filter_occurred_to(self, queryset, name, value):
        return queryset.filter(occurred_at__lt=local_day_start(value + dt.timedelta(days=1)))

    def filter_reported_from(self, queryset, name, value):
        return queryset.filter(reported_at__gte=local_day_start(value))

    def filter_reported_to(self, queryset, name, value):
        return queryset.filter(reported_at__lt=local_day_start(value + dt.timedelta(days=1)))

    def filter_category(self, queryset, name, value):
        ids, frontier = {value.pk}, {value.pk}
        while frontier:
            frontier = set(Category.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - ids
            ids |= frontier
        return queryset.filter(category_id__in=ids)

    def filter_risk_level(self, queryset, name, value):
        if not value:
            return queryset
        q = Q()
        for level in value:
            low, high = RISK_LEVEL_SCORES[level]
            q |= Q(risk_score_value__range=(low, high))
        return queryset.alias(risk_score_value=F("risk_probability") * F("risk_consequence")).filter(q)

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(overdue_q()) if value else queryset.exclude(overdue_q())

    def filter_questions_to_me(self, queryset, name, value):
        asked = questions_to_me_q(getattr(self.request, "user", None))
        return queryset.filter(asked) if value else queryset.exclude(asked)

    def filter_handler(self, queryset, name, value):
        if value == "me":
            user = getattr(self.request, "user", None)
            if user is None or not user.is_authenticated:
                return queryset.none()
            return queryset.filter(handler=user)
        return queryset.filter(handler_id=value)

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        references = KIT.references_for(value)
        if references is not None:  # AV-2026-000189, 2026-189, 000189: by the unique index
            # `__any`, not `__in`: no references (UT-… among incidents) is an empty array, not a
            # query Django refuses to compile (the queue compiles its parts itself).
            found = queryset.filter(reference__any=references)
            # A bare number that is no case's ("112", "500") may be a word of the text.
            if not value.isdigit() or found.exists():
                return found
        self.text_search = search.search_for(value, request=self.request)  # what the case is about
        return queryset.filter(self.text_search.q())

    def filter_ordering(self, queryset, name, value):
        # Applied in filter_queryset, also when no ordering is given.
        return queryset

    def filter_queryset(self, queryset):
        self.text_search = None
        queryset = super().filter_queryset(queryset)
        # A rare search: its matches sorted; a common one: the newest walked until a page is full.
        by_index = self.text_search is None or self.text_search.is_common
        return with_sort_keys(queryset, by_index=by_index).order_by(
            *ordering_keys(self.form.cleaned_data.get("ordering"))
        )


__all__ = [
    "DEFAULT_ORDERING",
    "ORDERINGS",
    "IncidentFilterSet",
    "ordering_keys",
    "overdue_q",
    "questions_to_me_q",
    "with_sort_keys",
]
