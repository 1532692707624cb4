"""Every write of egenkontroll: templates' versions, rounds, a unit's answers and its response's
transitions, actions and the threshold rule (docs/architecture.md, "The case kit").

A response's answers are saved one by one as they are given (the answering page's autosave):
each statement's answer is its own row, so two nurses answering different statements at once
never overwrite each other, and saving an answer does not bump the response's version. The
transitions (submit, approve, return) lock the response and check its version.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit
from accounts.roles import Perm
from audits import permissions
from audits.models import (
    NEGATIVE,
    SCALE_VALUES,
    TRANSITIONS,
    Answer,
    Area,
    Recurrence,
    RequiredAction,
    Response,
    Round,
    RoundStatus,
    Scale,
    Statement,
    Status,
    Template,
    TemplateVersion,
    TimelineEntry,
)
from psweb.cases import CaseKit, bump, clean_text, raise_errors, record, require

KIT = CaseKit(
    transitions=TRANSITIONS,
    stale_message=_("Someone else changed this self-audit response while you had it open. Reload and try again."),
    state_message=_("This cannot be done while the response is %(status)s."),
    lock_related=("unit", "round"),
    reference_prefix="EK",
    counter_table="audits_referencecounter",
)

# How long the threshold rule's required action has to be done.
REQUIRED_ACTION_DAYS = 30


def response_path(response: Response) -> str:
    return reverse("audits:response", kwargs={"pk": response.pk})


def _notify(response: Response, user, template: str, dedupe_key: str, actor=None, **context) -> None:
    from outbox.services import notify

    notify(
        user=user,
        template=f"audits/email/{template}",
        context={"reference": response.reference, "title": response.round.title, **context},
        path=response_path(response),
        actor=actor,
        dedupe_key=dedupe_key,
    )


def managers_of(unit: OrgUnit) -> list:
    """The unit's nearest managers: those who hold `audit.submit` through a membership in the
    unit itself, else in the closest unit above it that has one."""
    from accounts.models import Membership
    from accounts.roles import roles_with

    memberships = (
        Membership.objects.valid_on()
        .filter(
            role__in=roles_with(Perm.AUDIT_SUBMIT),
            unit__path__in=_ancestor_paths(unit),
            unit__is_active=True,
            user__is_active=True,
        )
        .select_related("user", "unit")
        .order_by("-unit__depth", "user_id")
    )
    found = list(memberships)
    if not found:
        return []
    depth = found[0].unit.depth
    return [m.user for m in found if m.unit.depth == depth]


def managers_above(unit: OrgUnit) -> list:
    """Who an overdue response is escalated to: the managers of the level above the unit's
    own managers (the verksamhetschef above the enhetschef)."""
    own = managers_of(unit)
    if unit.parent_id is None:
        return own
    parent = OrgUnit.objects.get(pk=unit.parent_id)
    above = managers_of(parent)
    return [user for user in above if user not in own] or own


def _ancestor_paths(unit: OrgUnit) -> list[str]:
    parts = unit.path.strip("/").split("/")
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


# --- Templates ----------------------------------------------------------------------------


def _clean_statement(raw: dict, position: int, errors: dict) -> dict:
    where = f"statement_{position}"
    text = clean_text(raw.get("text"), where, errors, required=_("Write the statement."))
    scale = raw.get("scale")
    if scale not in Scale.values:
        errors[f"{where}_scale"] = _("Choose an answer scale.")
    threshold = raw.get("threshold")
    if threshold in (None, ""):
        threshold = None
    else:
        try:
            threshold = Decimal(str(threshold).replace(",", "."))
        except InvalidOperation:
            threshold = Decimal(-1)
        if not Decimal(0) <= threshold <= Decimal(100):
            errors[f"{where}_threshold"] = _("The threshold is a share between 0 and 100 %.")
    return {
        "key": (raw.get("key") or f"p{position}")[:60],
        "text": text,
        "scale": scale,
        "help_text": (raw.get("help_text") or "").strip(),
        "routine": (raw.get("routine") or "").strip()[:300],
        "threshold": threshold,
        "indicator_code": (raw.get("indicator_code") or "").strip().upper()[:40],
    }


@transaction.atomic
def version_publish(
    *, template: Template, actor, areas: list[tuple[str, list[dict]]], note: str = ""
) -> TemplateVersion:
    """A new version of `template` with these areas and statements, published at once. The
    earlier versions stay as they were: rounds sent with them keep them."""
    if actor is not None and template.care_provider_id is not None:
        require(permissions.can_run(actor, [template.care_provider]))
    errors: dict = {}
    cleaned = []
    position = 0
    for title, statements in areas:
        rows = []
        for raw in statements:
            position += 1
            rows.append(_clean_statement(raw, position, errors))
        cleaned.append(((title or "").strip() or gettext("Statements"), rows))
    if position == 0:
        errors["statements"] = _("A template needs at least one statement.")
    keys = [row["key"] for _title, rows in cleaned for row in rows]
    if len(keys) != len(set(keys)):
        errors["statements"] = _("Two statements have the same key.")
    raise_errors(errors)
    template = Template.objects.select_for_update().get(pk=template.pk)
    number = (template.versions.aggregate(last=Max("number"))["last"] or 0) + 1
    version = TemplateVersion.objects.create(
        template=template, number=number, note=note, published_at=timezone.now(), created_by=actor
    )
    position = 0
    for area_position, (title, rows) in enumerate(cleaned, start=1):
        area = Area.objects.create(version=version, position=area_position, title=title[:200])
        for row in rows:
            position += 1
            Statement.objects.create(version=version, area=area, position=position, **row)
    return version


# --- Rounds -------------------------------------------------------------------------------


def _add_months(day: dt.date, months: int) -> dt.date:
    import calendar

    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


STEP_MONTHS = {Recurrence.MONTHLY: 1, Recurrence.QUARTERLY: 3, Recurrence.YEARLY: 12}


def _clean_round(fields: dict, errors: dict) -> dict:
    from psweb.cases import as_date

    title = clean_text(fields.get("title"), "title", errors, required=_("Give the round a title."), max_length=200)
    dates = {}
    for name, message in (
        ("period_start", _("Give the first day of the period.")),
        ("period_end", _("Give the last day of the period.")),
        ("opens_on", _("Give the day the round opens.")),
        ("due_on", _("Give the due date.")),
    ):
        dates[name] = as_date(fields.get(name))
        if dates[name] is None:
            errors[name] = message
    if dates["period_start"] and dates["period_end"] and dates["period_end"] < dates["period_start"]:
        errors["period_end"] = _("The period ends before it starts.")
    if dates["opens_on"] and dates["due_on"] and dates["due_on"] < dates["opens_on"]:
        errors["due_on"] = _("The due date comes before the round opens.")
    recurrence = fields.get("recurrence") or ""
    if recurrence not in Recurrence.values:
        errors["recurrence"] = _("Choose how often the round recurs.")
    return {"title": title, "recurrence": recurrence, **dates}


@transaction.atomic
def round_create(
    *, actor, version: TemplateVersion, units: list[OrgUnit], fields: dict, previous: Round | None = None
) -> Round:
    """Send a published template version to `units` (all of one care provider) with a period,
    a due date and a recurrence. Each unit gets a planned response; a round whose opening day
    has come opens at once."""
    errors: dict = {}
    cleaned = _clean_round(fields, errors)
    units = list({unit.pk: unit for unit in units}.values())
    if not units:
        errors["units"] = _("Choose the units that should answer.")
    providers = {unit.care_provider_id for unit in units}
    if len(providers) > 1:
        errors["units"] = _("A round goes to the units of one care provider.")
    if version.published_at is None:
        errors["template"] = _("Only a published version of a template can be sent.")
    provider_id = next(iter(providers), None)
    if version.template.care_provider_id not in (None, provider_id):
        errors["template"] = _("This template belongs to another care provider.")
    raise_errors(errors)
    provider = OrgUnit.objects.get(pk=providers.pop())
    if actor is not None:
        require(permissions.can_run(actor, units))
    reference = KIT.next_reference(cleaned["period_start"].year)
    round_ = Round.objects.create(
        reference=reference,
        template_version=version,
        care_provider=provider,
        previous=previous,
        # A recurring round's next one is made by the daily sweep, in the name of the first.
        created_by=actor if actor is not None else previous.created_by,
        **cleaned,
    )
    Response.objects.bulk_create(
        Response(round=round_, unit=unit, reference=f"{reference}/{number}")
        for number, unit in enumerate(sorted(units, key=lambda u: u.path), start=1)
    )
    if round_.opens_on <= timezone.localdate():
        round_open(round_=round_, actor=actor)
    return round_


@transaction.atomic
def round_open(*, round_: Round, actor=None) -> Round:
    """The round opens: every planned response opens and the units' managers are told."""
    round_ = Round.objects.select_for_update().get(pk=round_.pk)
    if round_.status != RoundStatus.PLANNED:
        return round_
    round_.status = RoundStatus.OPEN
    bump(round_, "status")
    responses = list(round_.responses.select_related("unit", "round").filter(status=Status.PLANNED))
    Response.objects.filter(pk__in=[r.pk for r in responses]).update(status=Status.OPEN, updated_at=timezone.now())
    TimelineEntry.objects.bulk_create(
        TimelineEntry(case=response, actor=actor, kind=TimelineEntry.Kind.OPENED, data={"version": response.version})
        for response in responses
    )
    for response in responses:
        for user in managers_of(response.unit):
            _notify(response, user, "opened", f"audit:{response.pk}:opened", actor=actor, due=round_.due_on.isoformat())
    return round_


@transaction.atomic
def round_close(*, round_: Round, actor) -> Round:
    """No more answers: responses still open stay unanswered ("ej svarat")."""
    round_ = Round.objects.select_for_update().get(pk=round_.pk)
    require(permissions.can_manage_round(actor, round_))
    if round_.status == RoundStatus.CLOSED:
        return round_
    round_.status = RoundStatus.CLOSED
    bump(round_, "status")
    return round_


def next_round_fields(round_: Round) -> dict:
    step = STEP_MONTHS[round_.recurrence]
    return {
        "title": round_.title,
        "recurrence": round_.recurrence,
        "period_start": _add_months(round_.period_start, step),
        "period_end": _add_months(round_.period_end + dt.timedelta(days=1), step) - dt.timedelta(days=1),
        "opens_on": _add_months(round_.opens_on, step),
        "due_on": _add_months(round_.due_on, step),
    }


@transaction.atomic
def round_recur(*, round_: Round) -> Round | None:
    """The next round of a recurring one, to the same units, with the template's newest
    published version (a new version applies from the next round). None: not recurring, or
    already made."""
    round_ = Round.objects.select_for_update().get(pk=round_.pk)
    if not round_.recurrence or Round.objects.filter(previous=round_).exists():
        return None
    version = round_.template_version.template.current_version() or round_.template_version
    units = [response.unit for response in round_.responses.select_related("unit")]
    return (
        round_create(actor=None, version=version, units=units, fields=next_round_fields(round_), previous=round_)
        if units
        else None
    )


# --- Answers ------------------------------------------------------------------------------


def _as_count(value, field: str, errors: dict) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        errors[field] = _("Write a whole number.")
        return None
    if number < 0:
        errors[field] = _("A count cannot be negative.")
        return None
    if number > 2_147_483_647:
        errors[field] = _("The number is too large.")
        return None
    return number


@transaction.atomic
def answer_save(*, response: Response, actor, statement: Statement, fields: dict) -> Answer:
    """Save one statement's answer (value, or observed and compliant, and the comment). An
    answer left empty is removed. A negative answer may be saved before its comment is
    written (the page saves as you go); the response cannot be submitted until it has one."""
    # The response's row is locked, so that two people answering the same statement at once
    # save one after the other (the second sees the first's row) instead of both inserting it.
    response = Response.objects.select_for_update(of=("self",)).select_related("unit", "round").get(pk=response.pk)
    require(permissions.can_answer(actor, response))
    if statement.version_id != response.round.template_version_id:
        raise ValidationError({"statement": _("The statement is not part of this round's template.")})
    errors: dict = {}
    comment = clean_text(fields.get("comment"), "comment", errors)
    value, observed, compliant = "", None, None
    if statement.scale == Scale.COUNT:
        observed = _as_count(fields.get("observed"), "observed", errors)
        compliant = _as_count(fields.get("compliant"), "compliant", errors)
        if compliant is not None and observed is None and "observed" not in errors:
            errors["observed"] = _("Write how many were observed.")
        elif compliant is not None and observed is not None and compliant > observed:
            errors["compliant"] = _("More cannot be compliant than were observed.")
    else:
        value = fields.get("value") or ""
        if value and value not in SCALE_VALUES[statement.scale]:
            errors["value"] = _("Choose one of the answers.")
    raise_errors(errors)
    existing = Answer.objects.select_for_update().filter(response=response, statement=statement).first()
    if not value and observed is None and compliant is None and not comment:
        if existing is not None:
            existing.delete()
        return Answer(response=response, statement=statement, answered_by=actor)
    if existing is None:
        existing = Answer(response=response, statement=statement)
    existing.value, existing.observed, existing.compliant, existing.comment = value, observed, compliant, comment
    existing.answered_by, existing.answered_at = actor, timezone.now()
    existing.save()
    return existing


def missing(response: Response) -> dict[str, str]:
    """What stops the response from being submitted: {statement key: why}."""
    statements = list(response.round.template_version.statements.order_by("position"))
    answers = {answer.statement_id: answer for answer in response.answers.all()}
    problems = {}
    for statement in statements:
        answer = answers.get(statement.pk)
        label = f"{statement.position}. {statement.text}"
        if (
            answer is None
            or (statement.scale == Scale.COUNT and answer.observed is None)
            or (statement.scale != Scale.COUNT and not answer.value)
        ):
            problems[statement.key] = gettext("Not answered: %(statement)s") % {"statement": label}
        elif statement.scale == Scale.COUNT and answer.compliant is None:
            problems[statement.key] = gettext("Write how many were compliant: %(statement)s") % {"statement": label}
        elif answer.value in NEGATIVE and not answer.comment.strip():
            problems[statement.key] = gettext("A negative answer needs a comment: %(statement)s") % {"statement": label}
    return problems


# --- Transitions --------------------------------------------------------------------------


@transaction.atomic
def submit(*, response: Response, actor, version: int | None = None) -> Response:
    """The manager submits the unit's answers: every statement answered, every negative one
    with a comment. The threshold rule then adds its required actions, and an observation's
    counts go to the indicators they feed."""
    response = KIT.lock(response)
    require(permissions.can_submit(actor, response))
    KIT.check_version(response, version)
    target = KIT.check_transition(response, "submit")
    problems = missing(response)
    if problems:
        raise ValidationError({"answers": list(problems.values())})
    response.status = target
    response.submitted_by, response.submitted_at = actor, timezone.now()
    bump(response, "status", "submitted_by", "submitted_at")
    record(response, actor=actor, kind=TimelineEntry.Kind.SUBMITTED)
    _apply_thresholds(response, actor)
    from audits.feeds import feed_response

    feed_response(response)
    return response


@transaction.atomic
def approve(*, response: Response, actor, version: int | None = None) -> Response:
    response = KIT.lock(response)
    require(permissions.can_approve(actor, response))
    KIT.check_version(response, version)
    response.status = KIT.check_transition(response, "approve")
    response.approved_by, response.approved_at = actor, timezone.now()
    bump(response, "status", "approved_by", "approved_at")
    record(response, actor=actor, kind=TimelineEntry.Kind.APPROVED)
    return response


@transaction.atomic
def return_for_changes(*, response: Response, actor, reason: str, version: int | None = None) -> Response:
    """The manager sends the response back: it can be answered again (overdue past its date)."""
    response = KIT.lock(response)
    require(permissions.can_approve(actor, response))
    KIT.check_version(response, version)
    errors: dict = {}
    reason = clean_text(reason, "reason", errors, required=_("Say what should be changed."))
    raise_errors(errors)
    KIT.check_transition(response, "return")
    overdue = response.round.due_on < timezone.localdate()
    response.status = Status.OVERDUE if overdue else Status.OPEN
    response.submitted_by, response.submitted_at = None, None
    bump(response, "status", "submitted_by", "submitted_at")
    record(response, actor=actor, kind=TimelineEntry.Kind.RETURNED, message=reason)
    return response


@transaction.atomic
def mark_overdue(*, response: Response) -> Response:
    response = KIT.lock(response)
    if response.status != Status.OPEN:
        return response
    response.status = KIT.check_transition(response, "overdue")
    bump(response, "status")
    record(response, actor=None, kind=TimelineEntry.Kind.OVERDUE)
    return response


# --- Actions ------------------------------------------------------------------------------


@transaction.atomic
def action_add(*, response: Response, actor, fields: dict, statement: Statement | None = None):
    """An action for what the response found (into the action register), named by the staff
    while answering, or by the manager."""
    from actions.services import action_create

    response = KIT.lock(response)
    require(permissions.can_add_action(actor, response))
    if statement is not None and statement.version_id != response.round.template_version_id:
        raise ValidationError({"statement": _("The statement is not part of this round's template.")})
    action = action_create(source=response, actor=actor, fields=fields)
    bump(response, "status")
    record(
        response,
        actor=actor,
        kind=TimelineEntry.Kind.ACTION_ADDED,
        message=statement.text[:200] if statement is not None else "",
        action=action.pk,
    )
    return action


def _apply_thresholds(response: Response, actor) -> None:
    """The threshold rule: a statement whose result for this unit is under its threshold
    requires an action — exactly one per unit, round and statement, however often the
    response is returned and submitted again."""
    from actions.services import action_create

    statements = [s for s in response.round.template_version.statements.all() if s.threshold is not None]
    if not statements:
        return
    answers = {a.statement_id: a for a in response.answers.select_related("statement")}
    done = set(RequiredAction.objects.filter(response=response).values_list("statement_id", flat=True))
    responsible = actor
    for statement in statements:
        answer = answers.get(statement.pk)
        share = answer.share if answer is not None else None
        if share is None or share >= statement.threshold or statement.pk in done:
            continue
        result = f"{share:.1f}".replace(".", ",")
        limit = f"{statement.threshold:.0f}"
        description = gettext(
            "%(statement)s: the result %(result)s %% is under %(limit)s %%. Decide what the unit does."
        ) % {"statement": statement.text, "result": result, "limit": limit}
        action = action_create(
            source=response,
            actor=actor,
            fields={
                "description": description,
                "responsible": responsible,
                "due_date": timezone.localdate() + dt.timedelta(days=REQUIRED_ACTION_DAYS),
            },
        )
        RequiredAction.objects.create(response=response, statement=statement, action=action)
        record(
            response,
            actor=actor,
            kind=TimelineEntry.Kind.ACTION_REQUIRED,
            message=statement.text[:200],
            action=action.pk,
        )
