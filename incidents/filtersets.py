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
from django.contrib.postgres.search import SearchQuery
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
from incidents.models import CaseType, Category, Cause, CauseArea, EventClass, Incident, ProviderSettings, Status
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
    `by_index=False` (a text search) they are written so that no index matches: the planner
    otherwise walks the index and checks the search on every row until it has 50, tens of
    thousands of trigram comparisons, where finding the matches with the search indexes and
    sorting them is faster (a million incidents: 190 → 100 ms; docs/benchmarks.md)."""
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
    from incidents.models import Forward, _ids

    if user is None or not user.is_authenticated:
        return Q(pk__in=[])
    asked = Forward.objects.filter(
        scope_q(user, Perm.INCIDENT_TRIAGE, "to_unit"), kind=Forward.Kind.ASK, answered_at__isnull=True
    ).exclude(scope_q(user, Perm.INCIDENT_TRIAGE, "from_unit"))
    return Q(pk__any=_ids(asked, "incident_id"))


def _similar_words_q(value: str) -> Q:
    """Compound words: each word of the search also matches a similar part of a longer word in
    the description ("läkemedel" finds "läkemedelsfel"; trigram word similarity, GIN index).
    Follows the websearch syntax roughly: all words (or any, with "or"), none of the "-words"."""
    wanted, unwanted, any_word = _search_words(value)
    if not wanted:
        return Q(pk__in=[])
    q = Q()
    for word in wanted:
        term = Q(description__trigram_word_similar=word)
        q = (q | term) if any_word else (q & term)
    for word in unwanted:
        q &= ~Q(description__trigram_word_similar=word)
    return q


def _search_words(value: str) -> tuple[list[str], list[str], bool]:
    """The wanted words, the unwanted ("-word") ones, and whether any word will do ("or")."""
    words = [w.strip('"') for w in value.split()]
    wanted = [w for w in words if w and not w.startswith("-") and w.lower() != "or"]
    unwanted = [w[1:] for w in words if w.startswith("-") and len(w) > 1]
    return wanted, unwanted, any(w.lower() == "or" for w in words)


# Words shorter than this are not looked for in category and cause names ("i", "av").
MIN_NAME_WORD = 3


def _names_matching(names: dict[int, str], wanted: list[str], any_word: bool) -> list[int]:
    """The ids whose name holds the words (all of them, or any with "or"), ignoring case."""
    words = [w.casefold() for w in wanted if len(w) >= MIN_NAME_WORD]
    if not words:
        return []
    match = any if any_word else all
    return [pk for pk, name in names.items() if match(word in name.casefold() for word in words)]


def text_search_q(value: str, *, within) -> Q:
    """What a case is about: its text (full-text search in the description, the immediate
    actions and the suggested improvement, and parts of compound words in the description),
    its short title, its category ("läkemedel" finds the cases classified "Behandling ›
    Läkemedel – administrering"; the parent's name counts) and its causes' areas.

    The category and cause areas are few: their names are matched here and the incidents
    found by id (`category_id` has an index). Titles have no index, so they are looked up
    in `within` (the user's scoped list) into a list of ids: inside the OR, a condition no
    index serves would make PostgreSQL check every visible row against the search instead of
    using the search indexes (docs/benchmarks.md)."""
    full_text = Q(search_vector=SearchQuery(value, config="swedish", search_type="websearch"))
    q = full_text | _similar_words_q(value)
    wanted, unwanted, any_word = _search_words(value)
    if not wanted:
        return q
    names = {
        c.pk: f"{c.parent.name} {c.name}" if c.parent_id else c.name for c in Category.objects.select_related("parent")
    }
    categories = _names_matching(names, wanted, any_word)
    areas = _names_matching(dict(CauseArea.objects.values_list("pk", "name")), wanted, any_word)
    about = Q(category_id__in=categories) if categories else Q(pk__in=[])
    if areas:
        with_cause = Cause.objects.filter(area_id__in=areas, removed_at__isnull=True)
        about |= Q(Exists(with_cause.filter(incident=OuterRef("pk"))))
    titled = Q()
    for word in wanted:
        term = Q(title__icontains=word)
        titled = (titled | term) if any_word and titled else (titled & term)
    titled_ids = frozenset(within.exclude(title="").filter(titled).order_by().values_list("pk", flat=True))
    if titled_ids:
        about |= Q(pk__any=titled_ids)
    for word in unwanted:
        about &= ~Q(search_vector=SearchQuery(word, config="swedish")) & ~Q(title__icontains=word)
    return q | about


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
        label=_("Search"),
        help_text=_(
            "A reference (AV-2026-000189, 2026-189 or 000189: any status), or words to search for in the "
            "description, the immediate actions, the suggested improvement and the short title, and in the "
            "names of the category and the cause areas (Swedish word forms; parts of compound words are "
            "found in the description)."
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
            found = queryset.filter(reference__in=references)
            # A bare number that is no case's ("112", "500") may be a word of the text.
            if value.isdigit() and not found.exists():
                return queryset.filter(text_search_q(value, within=queryset))
            return found
        return queryset.filter(text_search_q(value, within=queryset))

    def filter_ordering(self, queryset, name, value):
        # Applied in filter_queryset, also when no ordering is given.
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        searching = bool((self.form.cleaned_data.get("q") or "").strip())
        return with_sort_keys(queryset, by_index=not searching).order_by(
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
