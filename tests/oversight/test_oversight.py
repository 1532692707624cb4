"""Oversight agreements (issue 16, item 6): a purchaser's named users read a care provider's
incidents, Lex Maria cases and reports to IVO during the agreement's period — read only,
without the patient's identity unless the agreement says so, every read in the AccessLog,
and shown to the provider on "Who oversees us"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLog
from accounts.roles import Role
from incidents import permissions
from incidents.models import Incident
from lexmaria import permissions as lexmaria_permissions
from lexmaria.models import LexMariaCase
from oversight.models import Agreement, AgreementUser
from tests.factories import MembershipFactory, UserFactory
from tests.incidents.conftest import report
from tests.lexmaria.conftest import opened, serious_incident

pytestmark = pytest.mark.django_db

PERSONNUMMER = "191212121212"
IDENTITY = (PERSONNUMMER, "19121212-1212", "121212-1212")


@pytest.fixture
def overseer(tree):
    """A user of the region's vårdval unit (a viewer there: no incident of her own to see)."""
    user = UserFactory(username="vardval", first_name="Ingrid", last_name="Berg")
    MembershipFactory(user=user, unit=tree.region, role=Role.VIEWER)
    return user


def agree(tree, overseer, *, days=(-30, 30), **fields) -> Agreement:
    today = timezone.localdate()
    agreement = Agreement.objects.create(
        purchaser=tree.region,
        provider=tree.municipality,
        valid_from=today + dt.timedelta(days=days[0]),
        valid_to=today + dt.timedelta(days=days[1]),
        **fields,
    )
    AgreementUser.objects.create(agreement=agreement, user=overseer)
    return agreement


@pytest.fixture
def municipal(cast, tree) -> Incident:
    """Reported in Hemsjukvården (Västerås stad), with an identified patient."""
    return report(cast.municipal_handler, tree.hemsjukvard, patient_involved=True, patient_identifier=PERSONNUMMER)


@pytest.fixture
def regional(cast, tree) -> Incident:
    return report(cast.reporter, tree.medicin_ward, patient_involved=True, patient_identifier=PERSONNUMMER)


def as_user(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def detail(incident) -> str:
    return reverse("incidents:detail", kwargs={"pk": incident.pk})


def api_detail(incident) -> str:
    return reverse("api:incident-detail", kwargs={"pk": incident.pk})


# --- what she sees -------------------------------------------------------------------------------


def test_the_named_user_sees_the_providers_incidents_and_nothing_else(tree, overseer, municipal, regional):
    agree(tree, overseer)
    assert list(Incident.objects.visible_to(overseer)) == [municipal]


@pytest.mark.parametrize("days", [(-60, -1), (1, 60)], ids=["after", "before"])
def test_outside_the_period_she_sees_nothing(client, api_client, tree, overseer, municipal, days):
    agree(tree, overseer, days=days)
    assert not Incident.objects.visible_to(overseer).exists()
    assert as_user(client, overseer).get(detail(municipal)).status_code == 404
    api_client.force_login(overseer)
    assert api_client.get(api_detail(municipal)).status_code == 404


def test_an_agreement_without_incidents_shows_none(tree, overseer, municipal):
    agree(tree, overseer, incidents=False)
    assert not Incident.objects.visible_to(overseer).exists()


def test_a_user_the_agreement_does_not_name_sees_nothing(tree, overseer, municipal):
    agree(tree, overseer)
    colleague = UserFactory(username="kollega")
    MembershipFactory(user=colleague, unit=tree.region, role=Role.VIEWER)
    assert not Incident.objects.visible_to(colleague).exists()


def test_the_case_page_reads_without_the_patients_identity_and_is_logged(client, tree, overseer, municipal):
    agreement = agree(tree, overseer)
    page = as_user(client, overseer).get(detail(municipal))

    assert page.status_code == 200
    text = page.content.decode()
    assert municipal.reference in text
    assert not any(identity in text for identity in IDENTITY)
    assert "Show personal identity number" not in text
    assert client.post(reverse("incidents:case-patient", kwargs={"pk": municipal.pk})).status_code == 403
    row = AccessLog.objects.get(user=overseer)
    assert (row.action, row.object_id, row.unit) == (
        AccessLog.Action.VIEW,
        str(municipal.pk),
        municipal.responsible_unit,
    )
    assert "oversight agreement" in row.object_label and agreement.purchaser.name in row.object_label
    assert row.patient_identifier == ""

    client.get(detail(municipal))
    assert AccessLog.objects.filter(user=overseer, action=AccessLog.Action.VIEW).count() == 2


def test_the_api_reads_without_the_patients_identity_and_is_logged(api_client, tree, overseer, municipal):
    agree(tree, overseer)
    api_client.force_login(overseer)

    listed = api_client.get(reverse("api:incident-list"))
    assert [row["id"] for row in listed.json()["results"]] == [municipal.pk]
    response = api_client.get(api_detail(municipal))

    assert response.status_code == 200
    assert response.json()["reference"] == municipal.reference
    assert not response.json().get("patient_identifier")
    assert not any(identity in response.content.decode() for identity in IDENTITY)
    # one row for the list's page, one for the detail
    assert (
        AccessLog.objects.filter(user=overseer, action=AccessLog.Action.VIEW, object_id=str(municipal.pk)).count() == 2
    )
    assert not AccessLog.objects.filter(action=AccessLog.Action.VIEW_PATIENT).exists()


def _logged(overseer, incident, action=AccessLog.Action.VIEW) -> list[str]:
    return list(
        AccessLog.objects.filter(user=overseer, action=action, object_id=str(incident.pk)).values_list(
            "object_label", flat=True
        )
    )


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/incidents/",
        "/api/v1/incidents/?updated_since=2000-01-01T00:00:00Z",
        "/fhir/AdverseEvent",
        "FHIR-READ",
    ],
    ids=["api-list", "api-sync", "fhir-search", "fhir-read"],
)
def test_every_list_and_search_logs_each_incident_she_reads(api_client, tree, overseer, municipal, regional, url):
    agree(tree, overseer)
    api_client.force_login(overseer)
    if url == "FHIR-READ":
        url = f"/fhir/AdverseEvent/{municipal.pk}"

    response = api_client.get(url)

    assert response.status_code == 200
    assert municipal.reference in response.content.decode()
    labels = _logged(overseer, municipal)
    assert len(labels) == 1 and labels[0].startswith(municipal.reference) and tree.region.name in labels[0]
    assert not AccessLog.objects.filter(object_id=str(regional.pk)).exists()


def test_the_export_logs_each_incident_she_exports(api_client, tree, overseer, municipal):
    agree(tree, overseer)
    api_client.force_login(overseer)

    response = api_client.get(reverse("api:incident-export"))
    b"".join(response.streaming_content)

    assert len(_logged(overseer, municipal, AccessLog.Action.EXPORT)) == 1


def test_the_lex_maria_list_logs_each_case_read_under_the_agreement(client, cast, tree, municipal_case):
    # the region's chief physician, named in the agreement, lists Lex Maria cases
    agree(tree, cast.chief_physician)

    page = as_user(client, cast.chief_physician).get(reverse("lexmaria:list"))

    assert municipal_case.reference in page.content.decode()
    rows = AccessLog.objects.filter(user=cast.chief_physician, object_id=str(municipal_case.pk))
    assert rows.count() == 1 and tree.region.name in rows.get().object_label


def test_the_oversight_page_logs_each_case_it_lists(client, tree, overseer, municipal):
    agree(tree, overseer)

    page = as_user(client, overseer).get(reverse("oversight:list"))

    assert page.status_code == 200 and municipal.reference in page.content.decode()
    assert len(_logged(overseer, municipal)) == 1


def test_a_handler_reading_her_own_queue_writes_no_grant_rows(api_client, cast, regional):
    api_client.force_login(cast.handler)

    assert api_client.get("/api/v1/incidents/").status_code == 200
    assert not AccessLog.objects.filter(user=cast.handler).exists()


def test_the_export_holds_her_incidents_and_no_identity(api_client, tree, overseer, municipal, regional):
    agree(tree, overseer)
    api_client.force_login(overseer)

    response = api_client.get(reverse("api:incident-export"))

    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert municipal.reference in text and regional.reference not in text
    assert not any(identity in text for identity in IDENTITY)


def test_with_identity_when_the_agreement_says_so(client, api_client, tree, overseer, municipal):
    agree(tree, overseer, with_patient_identity=True)
    assert permissions.can_view_patient(overseer, municipal)

    shown = as_user(client, overseer).post(reverse("incidents:case-patient", kwargs={"pk": municipal.pk}))
    assert shown.status_code == 200 and "19121212-1212" in shown.content.decode()
    api_client.force_login(overseer)
    assert api_client.get(api_detail(municipal)).json()["patient_identifier"]
    assert AccessLog.objects.filter(user=overseer, action=AccessLog.Action.VIEW_PATIENT).count() == 2


def test_she_never_handles(client, tree, overseer, municipal):
    agree(tree, overseer, with_patient_identity=True)
    for decide in (
        permissions.can_handle,
        permissions.can_take,
        permissions.can_comment,
        permissions.can_close,
        permissions.can_forward,
        permissions.can_see_reporter,
    ):
        assert not decide(overseer, municipal), decide.__name__
    response = as_user(client, overseer).post(
        reverse("incidents:case-take", kwargs={"pk": municipal.pk}), {"version": municipal.version}
    )
    assert response.status_code == 403
    assert Incident.objects.get(pk=municipal.pk).handler_id is None


# --- Lex Maria ---------------------------------------------------------------------------------------


@pytest.fixture
def municipal_case(cast, tree) -> LexMariaCase:
    incident = serious_incident(cast, tree.hemsjukvard, handler=cast.municipal_handler)
    return opened(cast, incident, actor=cast.mas)


def test_she_reads_the_providers_lex_maria_case_and_its_report_to_ivo(client, cast, tree, overseer, municipal_case):
    agree(tree, overseer)
    regional_case = opened(cast, serious_incident(cast, tree.medicin_ward))
    assert list(LexMariaCase.objects.visible_to(overseer)) == [municipal_case]
    assert not lexmaria_permissions.can_prepare(overseer, municipal_case)

    as_user(client, overseer)
    assert client.get(reverse("lexmaria:detail", kwargs={"pk": municipal_case.pk})).status_code == 200
    assert client.get(reverse("lexmaria:ivo", kwargs={"pk": municipal_case.pk})).status_code == 200
    assert client.get(reverse("lexmaria:detail", kwargs={"pk": regional_case.pk})).status_code == 404
    rows = AccessLog.objects.filter(user=overseer, object_id=str(municipal_case.pk))
    assert rows.count() == 2 and all("oversight agreement" in row.object_label for row in rows)


def test_the_lex_maria_api_reads_are_logged(api_client, tree, overseer, municipal_case):
    agree(tree, overseer)
    api_client.force_login(overseer)

    assert api_client.get(reverse("api:lexmaria-detail", kwargs={"pk": municipal_case.pk})).status_code == 200
    assert api_client.get(reverse("api:lexmaria-ivo-report", kwargs={"pk": municipal_case.pk})).status_code == 200
    refused = api_client.post(reverse("api:lexmaria-decide", kwargs={"pk": municipal_case.pk}), {}, format="json")
    assert refused.status_code == 403
    assert AccessLog.objects.filter(user=overseer, object_id=str(municipal_case.pk)).count() == 2
    listed = api_client.get(reverse("api:lexmaria-list"))
    assert [row["id"] for row in listed.json()["results"]] == [municipal_case.pk]
    assert AccessLog.objects.filter(user=overseer, object_id=str(municipal_case.pk)).count() == 3


def test_lex_maria_only_when_the_agreement_covers_it(tree, overseer, municipal_case):
    agree(tree, overseer, lexmaria=False)
    assert not LexMariaCase.objects.visible_to(overseer).exists()


# --- the page -------------------------------------------------------------------------------------------


def test_the_provider_sees_who_oversees_it(client, cast, tree, overseer):
    agree(tree, overseer)
    page = as_user(client, cast.mas).get(reverse("oversight:list"))

    assert page.status_code == 200
    text = page.content.decode()
    assert "Who oversees us" in text and tree.region.name in text and "Ingrid Berg" in text
    assert "Our oversight agreements" not in text


def test_the_purchaser_sees_its_agreements_and_what_she_reads(client, cast, tree, overseer, municipal, regional):
    agree(tree, overseer)
    page = as_user(client, overseer).get(reverse("oversight:list"))

    assert page.status_code == 200
    text = page.content.decode()
    assert "Our oversight agreements" in text and tree.municipality.name in text
    assert municipal.reference in text and regional.reference not in text
    assert not any(identity in text for identity in IDENTITY)
    assert as_user(client, cast.chief_physician).get(reverse("oversight:list")).status_code == 200


def test_the_page_is_refused_to_others(client, cast, tree, overseer):
    agree(tree, overseer)
    assert as_user(client, cast.handler).get(reverse("oversight:list")).status_code == 403
    assert as_user(client, cast.municipal_handler).get(reverse("oversight:list")).status_code == 403


# --- validation -----------------------------------------------------------------------------------------


def test_the_agreement_is_validated(tree):
    today = timezone.localdate()
    bad = Agreement(
        purchaser=tree.hemsjukvard, provider=tree.municipality, valid_from=today, valid_to=today - dt.timedelta(days=1)
    )
    with pytest.raises(ValidationError) as raised:
        bad.full_clean()
    assert set(raised.value.message_dict) == {"purchaser", "valid_to"}

    not_a_provider = Agreement(purchaser=tree.region, provider=tree.hemsjukvard, valid_from=today, valid_to=today)
    with pytest.raises(ValidationError) as raised:
        not_a_provider.full_clean()
    assert set(raised.value.message_dict) == {"provider"}


def test_without_patient_identity_is_the_default():
    assert Agreement._meta.get_field("with_patient_identity").default is False


def test_the_menu_entry_follows_the_agreements(client, cast, tree, overseer):
    def labels(user) -> list[str]:
        response = as_user(client, user).get(reverse("home"))
        return [str(item.label) for item in response.context["nav"]["items"]]

    assert "Oversight" not in labels(overseer)
    agreement = agree(tree, overseer)
    assert "Oversight" in labels(overseer) and "Oversight" in labels(cast.mas)
    assert "Oversight" not in labels(cast.municipal_handler) and "Oversight" not in labels(cast.handler)
    agreement.delete()
    assert "Oversight" not in labels(cast.mas)


def test_the_administrator_adds_an_agreement_and_who_named_each_user_is_kept(client, cast, tree, overseer):
    today = timezone.localdate()
    response = as_user(client, cast.admin).post(
        reverse("admin:oversight_agreement_add"),
        {
            "purchaser": tree.region.pk,
            "provider": tree.municipality.pk,
            "valid_from": today.isoformat(),
            "valid_to": (today + dt.timedelta(days=365)).isoformat(),
            "incidents": "on",
            "lexmaria": "on",
            "named-TOTAL_FORMS": "1",
            "named-INITIAL_FORMS": "0",
            "named-MIN_NUM_FORMS": "0",
            "named-MAX_NUM_FORMS": "1000",
            "named-0-user": overseer.pk,
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    agreement = Agreement.objects.get()
    assert agreement.with_patient_identity is False
    assert list(agreement.named.values_list("user", "added_by")) == [(overseer.pk, cast.admin.pk)]


def test_the_admin_refuses_a_unit_that_is_not_a_care_provider(client, cast, tree):
    today = timezone.localdate()
    response = as_user(client, cast.admin).post(
        reverse("admin:oversight_agreement_add"),
        {
            "purchaser": tree.region.pk,
            "provider": tree.hemsjukvard.pk,
            "valid_from": today.isoformat(),
            "valid_to": today.isoformat(),
            "named-TOTAL_FORMS": "0",
            "named-INITIAL_FORMS": "0",
            "named-MIN_NUM_FORMS": "0",
            "named-MAX_NUM_FORMS": "1000",
        },
    )

    assert response.status_code == 200
    assert "Choose a care provider" in response.content.decode()
    assert not Agreement.objects.exists()
