"""/api/v1/incidents/: scoped lists, idempotent create, drafts, patient identity with an access
log, stale versions, transitions through the services, sub-resources and readable errors."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AccessLog
from incidents import services
from incidents.models import Attachment, CaseType, Category, CauseArea, EventClass, Incident, ReportedKind, Status
from tests.incidents.conftest import report

pytestmark = pytest.mark.django_db

LIST = "/api/v1/incidents/"
PERSONNUMMER = "191212121212"


def url(incident, tail=""):
    return f"{LIST}{incident.pk}/{tail}"


def listed(client, query="") -> set[int]:
    found, next_url = set(), f"{LIST}?page_size=2{query}"
    while next_url:
        response = client.get(next_url)
        assert response.status_code == 200, response.json()
        body = response.json()
        found |= {item["id"] for item in body["results"]}
        next_url = body["next"]
    return found


def report_fields(tree, **extra):
    return {
        "unit": tree.medicin_ward.pk,
        "occurred_at": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
        "description": "Patienten fick fel dos.",
        "case_type": CaseType.CARE,
        "reported_kind": ReportedKind.HAPPENED,
        **extra,
    }


# --- the list: exactly what each actor may see -----------------------------------------------


def test_the_list_holds_exactly_the_incidents_each_actor_may_see(api, cast, tree):
    own = report(cast.reporter, tree.medicin_ward)
    colleagues = report(cast.handler, tree.medicin_ward)
    in_orto = report(cast.handler_orto, tree.orto_ward)
    municipal = report(cast.municipal_handler, tree.hemsjukvard)
    draft = services.draft_start(actor=cast.reporter)
    medicin = {own.pk, colleagues.pk}

    expected = {
        "reporter": {own.pk, draft.pk},
        "handler": medicin,
        "manager": medicin,
        "handler_orto": {in_orto.pk},
        "manager_orto": {in_orto.pk},
        "chief_physician": medicin | {in_orto.pk},
        "safety_officer": medicin | {in_orto.pk},
        "indicator_editor": set(),
        "viewer": set(),
        "admin": set(),
        "mas": {municipal.pk},
        "municipal_handler": {municipal.pk},
        "outsider": set(),
    }
    for name, incidents in expected.items():
        assert listed(api(getattr(cast, name))) == incidents, name


def test_anonymous_callers_get_401(api_client):
    assert api_client.get(LIST).status_code == 401


def test_a_forwarded_incident_is_listed_on_both_sides(api, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)
    services.incident_forward(
        incident=incident,
        actor=cast.handler,
        to_unit=tree.hemsjukvard,
        message="Hemsjukvården gav dosen",
        answer_due=timezone.localdate() + dt.timedelta(days=14),
    )

    assert incident.pk in listed(api(cast.municipal_handler))
    assert incident.pk in listed(api(cast.handler))
    assert incident.pk not in listed(api(cast.handler_orto))


def test_the_list_never_carries_the_personnummer_and_hides_the_reporter_from_others(api, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward, patient_identifier=PERSONNUMMER)
    services.incident_take(incident=incident, actor=cast.handler)
    services.incident_feedback(incident=incident, actor=cast.handler, text="Tack, vi har infört dubbelkontroll.")

    as_handler = api(cast.handler).get(LIST).json()["results"][0]
    as_safety_officer = api(cast.safety_officer).get(LIST).json()["results"][0]

    assert "patient_identifier" not in as_handler
    assert as_handler["patient_involved"] is True
    assert (as_handler["reporter"], as_handler["feedback"]) == (cast.reporter.pk, "Tack, vi har infört dubbelkontroll.")
    assert (as_safety_officer["reporter"], as_safety_officer["reporter_name"]) == (None, None)
    assert as_safety_officer["feedback"] is None
    assert AccessLog.objects.count() == 0


def test_the_list_is_filtered_and_paged_with_a_cursor(api, cast, tree):
    incidents = [report(cast.reporter, tree.medicin_ward) for _ in range(3)]
    services.incident_take(incident=incidents[0], actor=cast.handler)
    client = api(cast.handler)

    first = client.get(LIST, {"page_size": 2}).json()

    assert [i["id"] for i in first["results"]] == [incidents[2].pk, incidents[1].pk]
    assert "cursor=" in first["next"]
    assert [i["id"] for i in client.get(first["next"]).json()["results"]] == [incidents[0].pk]
    assert listed(client, "&status=in_progress") == {incidents[0].pk}
    assert listed(client, "&handler=me") == {incidents[0].pk}
    assert listed(client, "&ordering=reported_at") == {i.pk for i in incidents}


def test_cursor_paging_in_a_coarse_order_visits_every_incident_once(api, cast, tree):
    incidents = [report(cast.reporter, tree.medicin_ward) for _ in range(5)]
    for incident in incidents[:3]:
        Incident.objects.filter(pk=incident.pk).update(risk_probability=2, risk_consequence=2)
    client = api(cast.handler)

    seen, next_url = [], f"{LIST}?page_size=2&ordering=-risk_score"
    while next_url:
        body = client.get(next_url).json()
        seen += [i["id"] for i in body["results"]]
        next_url = body["next"]

    assert seen == [i.pk for i in reversed(incidents[:3])] + [i.pk for i in reversed(incidents[3:])]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=open", "status"),
        ("unit=medicin", "unit"),
        ("occurred_from=2026-02-30", "occurred_from"),
        ("risk_level=extreme", "risk_level"),
        ("overdue=kanske", "overdue"),
        ("handler=you", "handler"),
        ("ordering=description", "ordering"),
        ("page_size=x&late=maybe", "late"),
    ],
)
def test_bad_filter_values_give_400_field_by_field(api, cast, query, field):
    response = api(cast.handler).get(f"{LIST}?{query}")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["errors"]) == [field]
    assert body["errors"][field][0]


def test_bad_filter_values_are_answered_in_swedish_by_default(api_client, cast):
    api_client.force_login(cast.handler)

    response = api_client.get(f"{LIST}?overdue=kanske")

    assert response.status_code == 400
    assert response.json()["detail"] != "The request contains errors. See the message for each field."


def test_the_number_of_queries_does_not_grow_with_the_page_size(api, cast, tree, django_assert_max_num_queries):
    for index in range(50):
        incident = report(cast.reporter, tree.medicin_ward)
        if index % 2:
            services.incident_take(incident=incident, actor=cast.handler)
    client = api(cast.handler)

    with CaptureQueriesContext(connection) as one:
        assert len(client.get(LIST, {"page_size": 1}).json()["results"]) == 1
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(client.get(LIST, {"page_size": 50}).json()["results"]) == 50


# --- create: idempotent, or a draft -----------------------------------------------------------


def test_create_reports_and_the_same_idempotency_key_returns_the_same_incident(api, cast, tree):
    client = api(cast.reporter)
    key = str(uuid.uuid4())

    first = client.post(LIST, report_fields(tree), format="json", HTTP_IDEMPOTENCY_KEY=key)
    again = client.post(LIST, report_fields(tree), format="json", HTTP_IDEMPOTENCY_KEY=key)

    assert first.status_code == 201, first.json()
    assert again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["status"] == Status.SUBMITTED
    assert first.json()["reference"].startswith("AV-")
    assert Incident.objects.filter(reporter=cast.reporter).count() == 1


def test_without_a_key_each_post_is_a_new_report(api, cast, tree):
    client = api(cast.reporter)

    client.post(LIST, report_fields(tree), format="json")
    client.post(LIST, report_fields(tree), format="json")

    assert Incident.objects.filter(reporter=cast.reporter).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_posts_with_one_key_make_one_incident(cast, tree):
    key = str(uuid.uuid4())
    statuses, errors = [], []
    barrier = threading.Barrier(2)

    def post():
        try:
            client = APIClient()
            client.force_login(cast.reporter)
            barrier.wait()
            response = client.post(LIST, report_fields(tree), format="json", HTTP_IDEMPOTENCY_KEY=key)
            statuses.append(response.status_code)
        except Exception as exc:  # noqa: BLE001 - the test reports any failure
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(statuses) == [200, 201]
    assert Incident.objects.filter(client_key=key).count() == 1


def test_a_bad_idempotency_key_or_missing_fields_give_400(api, cast, tree):
    client = api(cast.reporter)

    bad_key = client.post(LIST, report_fields(tree), format="json", HTTP_IDEMPOTENCY_KEY="not-a-uuid")
    missing = client.post(LIST, {"unit": tree.medicin_ward.pk}, format="json")
    bad_pnr = client.post(LIST, report_fields(tree, patient_identifier="191212121213"), format="json")

    assert bad_key.status_code == 400
    assert list(bad_key.json()["errors"]) == ["Idempotency-Key"]
    assert missing.status_code == 400
    assert {"description", "case_type", "reported_kind"} <= set(missing.json()["errors"])
    assert bad_pnr.status_code == 400
    assert list(bad_pnr.json()["errors"]) == ["patient_identifier"]
    assert not Incident.objects.exclude(status=Status.DRAFT).exists()


def test_someone_without_a_role_cannot_report(api, cast, tree):
    response = api(cast.outsider).post(LIST, report_fields(tree), format="json")

    assert response.status_code == 403
    assert "role" in response.json()["detail"]


def test_a_draft_is_saved_edited_with_its_version_and_sent(api, cast, tree):
    client = api(cast.reporter)

    created = client.post(LIST, {"draft": True, "description": "Påbörjad"}, format="json")
    assert created.status_code == 201
    draft = created.json()
    assert (draft["status"], draft["reference"], draft["unit"]) == ("draft", None, tree.medicin_ward.pk)

    edited = client.patch(url(Incident(pk=draft["id"])), {"version": draft["version"], **report_fields(tree)})
    assert edited.status_code == 200, edited.json()
    assert edited.json()["description"] == "Patienten fick fel dos."

    sent = client.post(url(Incident(pk=draft["id"]), "submit/"), {"version": edited.json()["version"]})
    assert sent.status_code == 200, sent.json()
    assert sent.json()["status"] == "submitted"


def test_a_stale_draft_edit_gives_409(api, cast, tree):
    client = api(cast.reporter)
    draft = client.post(LIST, {"draft": True}, format="json").json()
    client.patch(url(Incident(pk=draft["id"])), {"version": draft["version"], "description": "Första"})

    stale = client.patch(url(Incident(pk=draft["id"])), {"version": draft["version"], "description": "Andra"})

    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version"
    assert "changes" in stale.json()
    assert Incident.objects.get(pk=draft["id"]).description == "Första"


def test_a_sent_report_cannot_be_patched(api, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)

    response = api(cast.reporter).patch(url(incident), {"version": incident.version, "description": "Ändrad"})

    assert response.status_code == 403
    assert response.json()["detail"] == "The report has been sent; add a comment instead."


def test_the_version_is_required_for_a_draft_edit(api, cast):
    client = api(cast.reporter)
    draft = client.post(LIST, {"draft": True}, format="json").json()

    response = client.patch(url(Incident(pk=draft["id"])), {"description": "Utan version"})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["version"]


# --- patient identity -----------------------------------------------------------------------


def test_patient_identity_only_with_view_patient_and_each_display_is_logged(api, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward, patient_identifier=PERSONNUMMER)

    for _ in range(2):
        shown = api(cast.handler).get(url(incident))
        assert shown.json()["patient_identifier"] == PERSONNUMMER
    hidden_from_reporter = api(cast.reporter).get(url(incident)).json()

    logs = AccessLog.objects.filter(user=cast.handler)
    assert logs.count() == 2
    log = logs.first()
    assert (log.action, log.object_id, log.patient_identifier) == ("view_patient", str(incident.pk), PERSONNUMMER)
    assert log.unit == tree.medicin_ward
    assert hidden_from_reporter["patient_identifier"] is None
    assert not AccessLog.objects.filter(user=cast.reporter).exists()


def test_no_access_log_when_no_patient_is_named(api, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)

    assert api(cast.handler).get(url(incident)).json()["patient_identifier"] is None
    assert AccessLog.objects.count() == 0


def test_others_see_neither_the_incident_nor_its_patient(api, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward, patient_identifier=PERSONNUMMER)

    for user in (cast.viewer, cast.handler_orto, cast.municipal_handler, cast.admin):
        assert api(user).get(url(incident)).status_code == 404
    assert AccessLog.objects.count() == 0


# --- transitions and sub-resources ----------------------------------------------------------


def test_a_case_handled_end_to_end_through_the_api(api, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)
    client = api(cast.handler)
    version = incident.version

    def post(tail, data, expect=200):
        nonlocal version
        response = client.post(url(incident, tail), data, format="json")
        assert response.status_code == expect, response.json()
        version = Incident.objects.get(pk=incident.pk).version
        return response.json()

    assert post("take/", {"version": version})["handler"] == cast.handler.pk
    category = Category.objects.filter(case_type=CaseType.CARE, is_active=True, parent__isnull=False).first()
    classified = post(
        "classify/",
        {"version": version, "category": category.pk, "event_class": EventClass.HARM, "case_type": CaseType.CARE},
    )
    assert classified["category"] == category.pk
    assert post("assess-risk/", {"version": version, "probability": 2, "consequence": 3})["risk_score"] == 6
    cause = post("causes/", {"area": CauseArea.objects.filter(is_active=True).first().pk, "detail": "Stress"}, 201)
    action = post(
        "actions/",
        {
            "description": "Dubbelkontroll av Waran",
            "responsible": cast.manager.pk,
            "due_date": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
            "causes": [cause["id"]],
        },
        201,
    )
    assert action["causes"] == [cause["id"]]
    post("feedback/", {"version": version, "text": "Tack! Vi inför dubbelkontroll."})
    closed = post("close/", {"version": version})

    assert closed["status"] == "closed"
    kinds = [e["kind"] for e in client.get(url(incident, "timeline/")).json()]
    assert kinds[-7:] == ["taken", "classified", "risk_assessed", "cause_added", "action_added", "feedback", "closed"]
    assert api(cast.reporter).get(url(incident)).json()["feedback"] == "Tack! Vi inför dubbelkontroll."


def test_close_with_something_missing_gives_409_with_the_blockers(api, cast, tree):
    incident = services.incident_take(incident=report(cast.reporter, tree.medicin_ward), actor=cast.handler)

    response = api(cast.handler).post(url(incident, "close/"), {"version": incident.version})

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert {"code": "feedback_missing", "message": "Write the feedback to the reporter."} in response.json()["blockers"]


def test_a_stale_transition_gives_409_with_who_changed_what(api, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)
    old_version = incident.version
    services.incident_take(incident=incident, actor=cast.manager, version=old_version)

    response = api(cast.handler).post(url(incident, "take/"), {"version": old_version})

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "stale_version"
    assert [(c["who"], c["kind"]) for c in body["changes"]] == [(cast.manager.get_full_name(), "taken")]


def test_a_transition_the_state_forbids_gives_409(api, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)

    response = api(cast.handler).post(url(incident, "reopen/"), {"version": incident.version, "reason": "Fel"})

    assert response.status_code == 409
    assert response.json()["detail"] == "This cannot be done while the incident is submitted."


def test_permission_and_scope_errors(api, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)

    by_reporter = api(cast.reporter).post(url(incident, "take/"), {"version": incident.version})
    by_safety_officer = api(cast.safety_officer).post(url(incident, "take/"), {"version": incident.version})
    by_other_clinic = api(cast.handler_orto).post(url(incident, "take/"), {"version": incident.version})

    assert by_reporter.status_code == 403
    assert by_reporter.json()["detail"] == "Only handlers of the responsible unit can do this."
    assert by_safety_officer.status_code == 403
    assert by_other_clinic.status_code == 404


def test_bad_transition_input_gives_400_field_by_field(api, cast, tree):
    incident = services.incident_take(incident=report(cast.reporter, tree.medicin_ward), actor=cast.handler)
    client = api(cast.handler)

    no_version = client.post(url(incident, "take/"), {})
    bad_risk = client.post(url(incident, "assess-risk/"), {"version": incident.version, "probability": 5})
    bad_handler = client.post(url(incident, "assign/"), {"version": incident.version, "handler": cast.reporter.pk})

    assert list(no_version.json()["errors"]) == ["version"]
    assert set(bad_risk.json()["errors"]) == {"probability", "consequence"}
    assert bad_handler.status_code == 400
    assert list(bad_handler.json()["errors"]) == ["handler"]


def test_assign_withdraw_reopen_and_requests(api, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)
    client = api(cast.manager)

    assigned = client.post(url(incident, "assign/"), {"version": incident.version, "handler": cast.handler.pk})
    assert (assigned.status_code, assigned.json()["handler"]) == (200, cast.handler.pk)
    version = assigned.json()["version"]
    investigation = client.post(url(incident, "request-investigation/"), {"version": version, "reason": "Allvarligt"})
    assert investigation.json()["investigation_requested_at"]
    lex_maria = client.post(url(incident, "request-lex-maria/"), {"version": investigation.json()["version"]})
    assert lex_maria.json()["lex_maria_requested_at"]
    withdrawn = client.post(url(incident, "withdraw/"), {"version": lex_maria.json()["version"], "reason": "Dubblett"})
    assert withdrawn.json()["status"] == "withdrawn"


def test_the_author_discards_a_draft(api, cast):
    client = api(cast.reporter)
    draft = client.post(LIST, {"draft": True}, format="json").json()

    response = client.post(url(Incident(pk=draft["id"]), "withdraw/"), {"version": draft["version"]})

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "withdrawn"


def test_comments_hide_the_reporter_from_those_who_may_not_know(api, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)
    posted = api(cast.reporter).post(url(incident, "comments/"), {"text": "Det var nattskiftet."})
    assert posted.status_code == 201

    as_handler = api(cast.handler).get(url(incident, "comments/")).json()
    as_safety_officer = api(cast.safety_officer).get(url(incident, "comments/")).json()
    timeline = api(cast.safety_officer).get(url(incident, "timeline/")).json()

    assert as_handler[0]["author"] == cast.reporter.pk
    assert (as_safety_officer[0]["author"], as_safety_officer[0]["author_name"]) == (None, "the reporter")
    assert as_safety_officer[0]["text"] == "Det var nattskiftet."
    assert all(entry["actor"] != cast.reporter.pk for entry in timeline)
    assert api(cast.safety_officer).post(url(incident, "comments/"), {"text": "Hej"}).status_code == 403


def test_a_handler_addresses_a_comment_to_the_reporter_who_reads_only_that_one(api, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)
    handler = api(cast.handler)
    internal = handler.post(url(incident, "comments/"), {"text": "Intern notering"}, format="json")
    question = handler.post(url(incident, "comments/"), {"text": "Vilken tid?", "to_reporter": True}, format="json")
    refused = api(cast.reporter).post(url(incident, "comments/"), {"text": "Hej", "to_reporter": True}, format="json")

    assert (internal.json()["to_reporter"], question.json()["to_reporter"]) == (False, True)
    assert refused.status_code == 403
    as_reporter = api(cast.reporter).get(url(incident, "comments/")).json()
    assert [c["text"] for c in as_reporter] == ["Vilken tid?"]
    assert len(api(cast.handler).get(url(incident, "comments/")).json()) == 2


def test_the_reporter_reads_the_feedback_once_the_incident_is_closed(api, cast, tree):
    incident = services.incident_take(incident=report(cast.reporter, tree.medicin_ward), actor=cast.handler)
    services.incident_feedback(incident=incident, actor=cast.handler, text="Tack för rapporten.")

    assert api(cast.reporter).get(url(incident)).json()["feedback"] is None
    assert api(cast.handler).get(url(incident)).json()["feedback"] == "Tack för rapporten."


def test_causes_are_removed_and_actions_patched_with_their_version(api, cast, tree):
    incident = services.incident_take(incident=report(cast.reporter, tree.medicin_ward), actor=cast.handler)
    client = api(cast.handler)
    cause = client.post(url(incident, "causes/"), {"area": CauseArea.objects.first().pk}).json()
    action = client.post(
        url(incident, "actions/"),
        {"description": "Utbildning", "responsible": cast.handler.pk, "due_date": "2099-01-01"},
        format="json",
    ).json()

    removed = client.delete(url(incident, f"causes/{cause['id']}/"))
    again = client.delete(url(incident, f"causes/{cause['id']}/"))
    patched = client.patch(url(incident, f"actions/{action['id']}/"), {"version": action["version"], "state": "done"})
    stale = client.patch(url(incident, f"actions/{action['id']}/"), {"version": action["version"], "state": "planned"})

    assert removed.status_code == 204
    assert again.status_code == 404
    assert client.get(url(incident, "causes/")).json() == []
    assert patched.status_code == 200, patched.json()
    assert patched.json()["state"] == "done"
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version"
    assert client.get(url(incident, "actions/")).json()[0]["state"] == "done"


def test_a_forward_is_answered_by_the_receiving_unit(api, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)
    forwarded = api(cast.handler).post(
        url(incident, "forward/"),
        {
            "version": incident.version,
            "to_unit": tree.hemsjukvard.pk,
            "message": "Dosen gavs i hemmet",
            "answer_due": (timezone.localdate() + dt.timedelta(days=14)).isoformat(),
        },
    )
    assert forwarded.status_code == 200, forwarded.json()
    assert forwarded.json()["responsible_unit"] == tree.hemsjukvard.pk
    forward = api(cast.handler).get(url(incident, "forwards/")).json()[0]

    by_sender = api(cast.handler).post(url(incident, f"forwards/{forward['id']}/answer/"), {"answer": "Nej"})
    answered = api(cast.municipal_handler).post(
        url(incident, f"forwards/{forward['id']}/answer/"), {"answer": "Vi har gått igenom rutinen."}
    )

    assert by_sender.status_code == 403
    assert answered.status_code == 200, answered.json()
    assert answered.json()["answer"] == "Vi har gått igenom rutinen."
    assert api(cast.handler).get(url(incident, "forwards/")).json()[0]["answered_by"] == cast.municipal_handler.pk


def test_patient_information_is_recorded(api, cast, tree):
    incident = services.incident_take(incident=report(cast.reporter, tree.medicin_ward), actor=cast.handler)

    response = api(cast.handler).post(
        url(incident, "patient-information/"),
        {"informed": True, "informed_on": timezone.localdate().isoformat(), "told_event": True},
    )
    missing_reason = api(cast.handler).post(url(incident, "patient-information/"), {"informed": False})

    assert response.status_code == 200, response.json()
    assert response.json()["told_event"] is True
    assert missing_reason.status_code == 400
    assert "not_informed_reason" in missing_reason.json()["errors"]


def test_attachments_are_listed_with_download_links(api, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)
    attachment = Attachment.objects.create(
        incident=incident,
        file="incidents/2026/01/abc",
        original_name="foto.jpg",
        content_type="image/jpeg",
        size=1234,
        uploaded_by=cast.reporter,
    )

    as_handler = api(cast.handler).get(url(incident, "attachments/")).json()
    as_safety_officer = api(cast.safety_officer).get(url(incident, "attachments/")).json()

    assert [(a["id"], a["original_name"], a["uploaded_by"]) for a in as_handler] == [
        (attachment.pk, "foto.jpg", cast.reporter.pk)
    ]
    assert as_handler[0]["download_url"].endswith(f"/avvikelser/{incident.pk}/bilagor/{attachment.pk}/")
    assert as_safety_officer[0]["uploaded_by"] is None
    assert api(cast.handler_orto).get(url(incident, "attachments/")).status_code == 404
