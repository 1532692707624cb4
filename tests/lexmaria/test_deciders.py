"""Who decides on Lex Maria (issue 16, item 5): the care provider's designated decider, her
deputy and a time-limited delegation; the decision records in what capacity it was made; the
page where the decider or the administrator adds and ends deputies and delegations."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from accounts.roles import Role
from lexmaria import deciders, services
from lexmaria.models import Capacity, Decider, Decision, LexMariaCase, TimelineEntry
from lexmaria.permissions import can_decide
from tests.factories import MembershipFactory, UserFactory
from tests.lexmaria.conftest import fresh, opened, serious_incident

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    """The timeline's words are written in the language of the moment, the pages in the reader's."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


DAY = dt.timedelta(days=1)


def today() -> dt.date:
    return timezone.localdate()


def given_row(cast, tree, user, capacity, *, start=0, end: int | None = 30, provider=None, title="") -> Decider:
    """A row written directly (the service refuses a period that started in the past)."""
    return Decider.objects.create(
        care_provider=provider or tree.region,
        user=user,
        capacity=capacity,
        title=title,
        valid_from=today() + start * DAY,
        valid_to=None if end is None else today() + end * DAY,
        created_by=cast.admin,
    )


def decide(case, actor, decision=Decision.REPORT) -> LexMariaCase:
    return services.case_decide(case=case, actor=actor, decision=decision, motivation="Allvarlig vårdskada.")


def last_decided(case) -> TimelineEntry:
    return case.timeline.filter(kind=TimelineEntry.Kind.DECIDED).latest("at", "id")


# --- The rule ------------------------------------------------------------------------------


def test_it_keeps_the_chief_physician_by_role_where_nobody_is_designated(cast, case):
    # when
    case = decide(case, cast.chief_physician)

    # then
    assert (case.decided_by, case.decided_as) == (cast.chief_physician, Capacity.ROLE)
    assert "as chief physician" in last_decided(case).message
    assert last_decided(case).data["decided_as"] == "role"


def test_a_designation_takes_the_decision_from_the_role(cast, tree, case):
    # given: the region designates its patient-safety officer as chefläkare
    given_row(cast, tree, cast.safety_officer, Capacity.DESIGNATED, end=None, title="Chefläkare")

    # then: the chief physician by role no longer decides, with a reason
    decision = can_decide(cast.chief_physician, case)
    assert not decision
    assert "designated" in str(decision.reason)
    with pytest.raises(PermissionDenied):
        decide(case, cast.chief_physician)

    # when
    case = decide(fresh(case), cast.safety_officer)

    # then
    assert (case.decided_by, case.decided_as) == (cast.safety_officer, Capacity.DESIGNATED)
    assert "as Chefläkare, designated by the care provider" in last_decided(case).message


def test_the_other_care_provider_is_unchanged(cast, tree):
    # given: the region designates someone; the municipality does not
    given_row(cast, tree, cast.safety_officer, Capacity.DESIGNATED, end=None)
    municipal = opened(cast, serious_incident(cast, tree.hemsjukvard, handler=cast.municipal_handler), actor=cast.mas)

    # when
    municipal = decide(municipal, cast.mas)

    # then
    assert municipal.decided_as == Capacity.ROLE


@pytest.mark.parametrize(
    ("start", "end", "decides"),
    [(-5, 5, True), (0, 0, True), (1, 10, False), (-10, -1, False)],
    ids=["within", "its-only-day", "before", "after"],
)
def test_a_deputy_decides_only_within_her_period(cast, tree, case, start, end, decides):
    # given: a designated chefläkare and the manager of Medicinkliniken as her deputy
    given_row(cast, tree, cast.chief_physician, Capacity.DESIGNATED, start=-100, end=None, title="Chefläkare")
    given_row(cast, tree, cast.manager, Capacity.DEPUTY, start=start, end=end)

    # then
    assert bool(can_decide(cast.manager, case)) is decides
    if decides:
        case = decide(case, cast.manager)
        assert case.decided_as == Capacity.DEPUTY
        assert "as deputy for Chefläkare" in last_decided(case).message


def test_a_delegation_through_the_service_lets_the_delegate_decide_and_see_the_case(cast, tree, case):
    # given: the chefläkare is designated; the manager of Ortopedkliniken sees no medicine case
    given_row(cast, tree, cast.chief_physician, Capacity.DESIGNATED, start=-100, end=None, title="Chefläkare")
    assert not LexMariaCase.objects.visible_to(cast.manager_orto).filter(pk=case.pk).exists()

    # when: the chefläkare delegates to her during the holiday (which starts today)
    row = deciders.decider_create(
        actor=cast.chief_physician,
        care_provider=tree.region,
        user=cast.manager_orto,
        capacity=Capacity.DELEGATE,
        valid_from=today(),
        valid_to=today() + 30 * DAY,
        note="Under min semester.",
    )

    # then
    assert LexMariaCase.objects.visible_to(cast.manager_orto).filter(pk=case.pk).exists()
    case = decide(case, cast.manager_orto, Decision.NO_REPORT)
    assert case.decided_as == Capacity.DELEGATE
    assert "by delegation from" in last_decided(case).message
    assert last_decided(case).data["decider_row"] == row.pk


def test_a_delegation_ended_early_no_longer_counts(cast, tree, case):
    # given
    given_row(cast, tree, cast.chief_physician, Capacity.DESIGNATED, start=-100, end=None)
    row = given_row(cast, tree, cast.manager, Capacity.DELEGATE, start=-2, end=10)
    assert can_decide(cast.manager, case)

    # when
    deciders.decider_end(actor=cast.chief_physician, row=row)

    # then: the row stays, and no longer counts
    row.refresh_from_db()
    assert (row.ended_by, row.ended_at is not None) == (cast.chief_physician, True)
    assert not can_decide(cast.manager, case)


def test_a_delegate_without_the_role_any_more_does_not_decide(cast, tree, case):
    # given: a delegation to the manager, whose membership then ends
    given_row(cast, tree, cast.manager, Capacity.DELEGATE, start=-1, end=10)
    from accounts.models import Membership

    Membership.objects.filter(user=cast.manager).update(valid_from=today() - 10 * DAY, valid_to=today() - DAY)
    manager = type(cast.manager).objects.get(pk=cast.manager.pk)

    # then
    assert not can_decide(manager, case)
    assert not LexMariaCase.objects.visible_to(manager).filter(pk=case.pk).exists()


# --- Adding and ending: who, and bad input -------------------------------------------------


def _create(cast, tree, actor=None, **overrides):
    fields = {
        "actor": actor or cast.chief_physician,
        "care_provider": tree.region,
        "user": cast.manager,
        "capacity": Capacity.DELEGATE,
        "valid_from": today() + DAY,
        "valid_to": today() + 20 * DAY,
    }
    fields.update(overrides)
    return deciders.decider_create(**fields)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"valid_to": None}, "valid_to", "Give the last day"),
        ({"valid_to": "before"}, "valid_to", "The last day cannot be before the first day."),
        ({"valid_from": "yesterday"}, "valid_from", "The period cannot start in the past"),
        ({"user": "reporter"}, "user", "cannot decide on Lex Maria for Region Västmanland"),
        ({"user": "mas"}, "user", "cannot decide on Lex Maria for Region Västmanland"),
        ({"user": "chief_physician"}, "user", "Choose someone other than yourself"),
        ({"capacity": "nonsense"}, "capacity", "Choose a deputy or a delegation."),
    ],
    ids=["no-end", "end-before-start", "in-the-past", "reporter", "another-provider", "herself", "capacity"],
)
def test_bad_input_is_refused_field_by_field_and_changes_nothing(cast, tree, overrides, field, message):
    resolved = dict(overrides)
    if resolved.get("valid_to") == "before":
        resolved["valid_to"] = today()
    if resolved.get("valid_from") == "yesterday":
        resolved["valid_from"] = today() - DAY
    if isinstance(resolved.get("user"), str):
        resolved["user"] = getattr(cast, resolved["user"])

    # when
    with pytest.raises(ValidationError) as refused:
        _create(cast, tree, **resolved)

    # then
    assert message in " ".join(refused.value.message_dict[field])
    assert not Decider.objects.exists()


def test_an_overlapping_period_for_the_same_person_is_refused(cast, tree):
    _create(cast, tree)
    with pytest.raises(ValidationError) as refused:
        _create(cast, tree, valid_from=today() + 10 * DAY, valid_to=today() + 40 * DAY)
    assert "already decides in that period" in refused.value.message_dict["user"][0]
    assert Decider.objects.count() == 1
    # A period after it is fine.
    _create(cast, tree, valid_from=today() + 21 * DAY, valid_to=today() + 40 * DAY)


def test_only_the_administrator_designates(cast, tree):
    with pytest.raises(PermissionDenied):
        _create(cast, tree, capacity=Capacity.DESIGNATED, valid_to=None)
    row = _create(cast, tree, actor=cast.admin, capacity=Capacity.DESIGNATED, valid_to=None, title="Chefläkare")
    assert (row.capacity, row.created_by) == (Capacity.DESIGNATED, cast.admin)


def test_who_manages_the_deciders(cast, tree):
    # Nobody designated: the chief physician of the whole care provider and the administrator.
    assert [p.name for p in deciders.managed_providers(cast.chief_physician)] == ["Region Västmanland"]
    assert [p.name for p in deciders.managed_providers(cast.admin)] == ["Region Västmanland"]
    assert [p.name for p in deciders.managed_providers(cast.mas)] == ["Västerås stad"]
    for name in ("manager", "safety_officer", "reporter", "outsider"):
        assert deciders.managed_providers(getattr(cast, name)) == []
    # Once someone else is designated, she manages instead of the chief physician; her deputy does not.
    given_row(cast, tree, cast.safety_officer, Capacity.DESIGNATED, end=None)
    given_row(cast, tree, cast.manager, Capacity.DEPUTY, end=5)
    assert deciders.managed_providers(cast.chief_physician) == []
    assert deciders.managed_providers(cast.manager) == []
    assert [p.name for p in deciders.managed_providers(cast.safety_officer)] == ["Region Västmanland"]
    with pytest.raises(PermissionDenied):
        _create(cast, tree, actor=cast.manager, user=cast.manager_orto)


def test_the_decider_does_not_end_a_designation(cast, tree):
    designation = given_row(cast, tree, cast.safety_officer, Capacity.DESIGNATED, end=None)
    with pytest.raises(PermissionDenied):
        deciders.decider_end(actor=cast.safety_officer, row=designation)
    deciders.decider_end(actor=cast.admin, row=designation)
    assert can_decide(cast.chief_physician, opened(cast, serious_incident(cast, tree.medicin_ward)))


# --- The page ----------------------------------------------------------------------------------


def test_the_page_lists_and_adds_a_delegation(client, cast, tree):
    # given
    client.force_login(cast.chief_physician)
    url = reverse("lexmaria:deciders")

    # when
    response = client.post(
        url,
        {
            "care_provider": tree.region.pk,
            "user": cast.manager.username,
            "capacity": Capacity.DELEGATE,
            "valid_from": (today() + DAY).isoformat(),
            "valid_to": (today() + 14 * DAY).isoformat(),
            "note": "Under min semester.",
        },
    )

    # then
    assert response.status_code == 302
    row = Decider.objects.get()
    assert (row.user, row.capacity, row.created_by) == (cast.manager, Capacity.DELEGATE, cast.chief_physician)
    page = client.get(url)
    assert page.status_code == 200
    assert f'data-decider="{row.pk}"' in page.content.decode()
    assert "Under min semester." in page.content.decode()


def test_the_page_shows_errors_tied_to_the_fields(client, cast, tree):
    client.force_login(cast.chief_physician)
    response = client.post(
        reverse("lexmaria:deciders"),
        {
            "care_provider": tree.region.pk,
            "user": cast.manager.username,
            "capacity": Capacity.DELEGATE,
            "valid_from": (today() + 5 * DAY).isoformat(),
            "valid_to": (today() + DAY).isoformat(),
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'href="#id_decider_valid_to"' in html  # the error summary links to the field
    assert "The last day cannot be before the first day." in html
    assert not Decider.objects.exists()


def test_a_person_who_is_not_eligible_is_not_offered(client, cast, tree):
    client.force_login(cast.chief_physician)
    outsider_with_role = UserFactory(username="municipal_nurse")
    MembershipFactory(user=outsider_with_role, unit=tree.hemsjukvard, role=Role.MANAGER)
    html = client.get(reverse("lexmaria:deciders")).content.decode()
    assert 'value="manager"' in html
    assert 'value="municipal_nurse"' not in html
    assert 'value="reporter"' not in html


def test_the_page_ends_a_delegation(client, cast, tree):
    row = given_row(cast, tree, cast.manager, Capacity.DELEGATE, start=0, end=10)
    client.force_login(cast.chief_physician)
    response = client.post(reverse("lexmaria:decider-end", kwargs={"pk": row.pk}))
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.ended_at is not None
    # Ended rows are no longer listed.
    assert f'data-decider="{row.pk}"' not in client.get(reverse("lexmaria:deciders")).content.decode()


def test_the_case_page_and_the_api_say_in_what_capacity(client, api, cast, tree, case):
    given_row(cast, tree, cast.chief_physician, Capacity.DESIGNATED, start=-100, end=None, title="Chefläkare")
    given_row(cast, tree, cast.manager, Capacity.DEPUTY, start=-1, end=10)
    case = decide(case, cast.manager)

    client.force_login(cast.manager)
    html = client.get(reverse("lexmaria:detail", kwargs={"pk": case.pk})).content.decode()
    assert "decided as deputy (ställföreträdare)" in html

    body = api(cast.manager).get(f"/api/v1/lexmaria/{case.pk}/").json()
    assert body["decided_as"] == "deputy"
    # and the report to IVO says it too
    from django.utils import translation

    from lexmaria.ivo import ivo_report

    with translation.override("en"):
        assert ivo_report(case).reported_by == f"{cast.manager.get_full_name()} (deputy (ställföreträdare))"


def test_the_administrator_designates_in_the_django_admin(client, cast, tree):
    client.force_login(cast.admin)
    url = reverse("admin:lexmaria_decider_add")
    fields = {
        "care_provider": tree.region.pk,
        "user": cast.chief_physician.pk,
        "capacity": Capacity.DESIGNATED,
        "title": "Chefläkare",
        "valid_from": today().isoformat(),
        "valid_to": "",
        "note": "",
    }
    # A person who does not work with Lex Maria in the care provider is refused, nothing saved.
    refused = client.post(url, {**fields, "user": cast.mas.pk})
    assert refused.status_code == 200
    assert "cannot decide on Lex Maria for Region Västmanland" in refused.content.decode()
    assert not Decider.objects.exists()

    assert client.post(url, fields).status_code == 302
    row = Decider.objects.get()
    assert (row.user, row.capacity, row.created_by) == (cast.chief_physician, Capacity.DESIGNATED, cast.admin)
