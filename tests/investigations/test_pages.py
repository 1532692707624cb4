"""The investigation pages: opening one from an incident, the working space driven through
its forms, refusals that keep what was typed, and the final report as a page and a PDF."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from incidents.models import CauseArea
from investigations import services
from investigations.models import Investigation, InvestigationAction, Status, TeamMember
from tests.investigations.conftest import opened, worked_through

pytestmark = pytest.mark.django_db


def detail(inv) -> str:
    return reverse("investigations:detail", kwargs={"pk": inv.pk})


def op(name: str, inv, **kwargs) -> str:
    return reverse(f"investigations:{name}", kwargs={"pk": inv.pk, **kwargs})


def fresh(inv) -> Investigation:
    return Investigation.objects.get(pk=inv.pk)


def test_a_manager_opens_an_investigation_from_the_incident_page(client, login, cast, incident, analyst):
    login(cast.manager)
    page = client.get(reverse("incidents:detail", kwargs={"pk": incident.pk}))
    open_url = f"{reverse('investigations:new')}?avvikelse={incident.pk}"
    assert open_url.replace("&", "&amp;") in page.content.decode()

    form = client.get(open_url)
    assert form.status_code == 200
    response = client.post(
        open_url, {"method": "event_analysis", "reason": "Allvarlig vårdskada.", "leader": analyst.username}
    )

    inv = Investigation.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(inv)
    assert (inv.leader, inv.method, list(inv.incidents.all())) == (analyst, "event_analysis", [incident])
    # The incident page now names its investigation.
    assert inv.reference in client.get(reverse("incidents:detail", kwargs={"pk": incident.pk})).content.decode()


def test_opening_without_a_reason_keeps_what_was_typed(client, login, cast, incident):
    login(cast.manager)
    url = f"{reverse('investigations:new')}?avvikelse={incident.pk}"
    with_language = client.post(url, {"method": "simple", "reason": "", "title": "Min titel"})

    assert with_language.status_code == 400
    assert "Min titel" in with_language.content.decode()
    assert not Investigation.objects.exists()


def test_a_handler_may_not_open_one_and_an_unknown_incident_is_404(client, login, cast, incident):
    login(cast.handler)
    assert client.get(f"{reverse('investigations:new')}?avvikelse={incident.pk}").status_code == 403
    login(cast.manager)
    assert client.get(f"{reverse('investigations:new')}?avvikelse=999999").status_code == 404
    assert client.get(reverse("investigations:new")).status_code == 404


def test_the_leader_works_through_the_investigation_on_its_page(client, login, cast, incident, analyst):
    inv = opened(cast, incident, analyst)
    login(analyst)
    assert client.get(detail(inv)).status_code == 200

    def post(name, data, **kwargs):
        response = client.post(op(name, inv, **kwargs), data)
        assert response.status_code == 302, response.content.decode()[:2000]
        return fresh(inv)

    inv = post("start", {"version": fresh(inv).version})
    assert inv.status == Status.IN_PROGRESS
    post(
        "member-add",
        {
            "version": fresh(inv).version,
            "username": cast.municipal_handler.username,
            "role": "Sjuksköterska, hemsjukvården",
        },
    )
    when = (timezone.localtime() - dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    post("course-add", {"at": when, "description": "Patienten fick dubbel dos."})
    area = CauseArea.objects.filter(is_active=True).first()
    post("cause-add", {"area": area.code, "detail": "Ingen dubbelkontroll", "contributing": ""})
    cause = inv.causes.get()
    post(
        "patient",
        {
            "version": fresh(inv).version,
            "invited": "yes",
            "invited_on": timezone.localdate().isoformat(),
            "account": "Jag sa till sköterskan att jag redan fått mina tabletter.",
        },
    )
    post(
        "conclusions",
        {
            "version": fresh(inv).version,
            "care_injury": "yes",
            "avoidable": "yes",
            "serious_increased_care": "on",
            "conclusions": "Rutinen för dubbelkontroll följdes inte.",
        },
    )
    post(
        "action-add",
        {
            "description": "Inför dubbelkontroll.",
            "responsible": cast.manager.username,
            "due_date": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
            "effect_class": "effective",
            "causes": [cause.pk],
            "incident": incident.reference,
        },
    )
    link = InvestigationAction.objects.get(investigation=inv)
    assert list(link.causes.all()) == [cause]
    post(
        "costs",
        {"version": fresh(inv).version, "extra_care_days": "3,5", "cost_per_care_day": "9000", "other_costs": "1200"},
    )
    assert fresh(inv).quality_cost == 32700
    inv = post("report-ready", {"version": fresh(inv).version})
    assert inv.status == Status.REPORT_READY and inv.follow_up_on is not None
    inv = post("follow-up", {"version": inv.version})
    post(
        "evaluate", {"carried_out": "yes", "outcome": "worked", "evidence": "Granskning av 20 journaler."}, item=link.pk
    )
    inv = post("close", {"version": fresh(inv).version})
    assert inv.status == Status.CLOSED
    # The team member from the municipality sees it; the timeline tells the story.
    assert TeamMember.objects.filter(investigation=inv, user=cast.municipal_handler).exists()
    kinds = list(inv.timeline.values_list("kind", flat=True))
    assert kinds[-3:] == ["follow_up", "action_evaluated", "closed"]


def test_marking_the_report_ready_too_early_says_what_is_missing(client, login, cast, incident, analyst):
    inv = opened(cast, incident, analyst)
    services.investigation_start(investigation=inv, actor=analyst)
    login(analyst)

    response = client.post(op("report-ready", inv), {"version": fresh(inv).version}, HTTP_ACCEPT_LANGUAGE="sv")

    assert response.status_code == 409
    assert "Beskriv händelseförloppet" in response.content.decode()
    assert fresh(inv).status == Status.IN_PROGRESS


def test_a_stale_form_is_refused_and_keeps_the_text(client, login, cast, incident, analyst):
    inv = opened(cast, incident, analyst)
    services.investigation_start(investigation=inv, actor=analyst)
    old = fresh(inv).version
    services.member_add(investigation=inv, actor=cast.manager, user=cast.handler)
    login(analyst)

    response = client.post(
        op("conclusions", inv),
        {"version": old, "care_injury": "no", "avoidable": "", "conclusions": "Ingen vårdskada förelåg."},
    )

    assert response.status_code == 409
    page = response.content.decode()
    assert "Ingen vårdskada förelåg." in page and 'id="stale"' in page
    assert fresh(inv).care_injury == ""


def test_a_team_member_adds_to_the_course_but_may_not_conclude(client, login, cast, incident, analyst):
    inv = opened(cast, incident, analyst)
    services.investigation_start(investigation=inv, actor=analyst)
    services.member_add(investigation=inv, actor=analyst, user=cast.municipal_handler)
    login(cast.municipal_handler)

    when = (timezone.localtime() - dt.timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M")
    assert client.post(op("course-add", inv), {"at": when, "description": "Larmet gick."}).status_code == 302
    refused = client.post(
        op("conclusions", inv), {"version": fresh(inv).version, "care_injury": "no", "conclusions": "x"}
    )
    assert refused.status_code == 403
    # They see the linked incident, not the region's other incidents.
    assert client.get(reverse("incidents:detail", kwargs={"pk": incident.pk})).status_code == 200


def test_the_list_shows_only_what_the_user_may_see(client, login, cast, incident, analyst):
    inv = opened(cast, incident, analyst)
    login(cast.manager_orto)
    assert inv.reference not in client.get(reverse("investigations:list")).content.decode()
    login(analyst)
    page = client.get(reverse("investigations:list")).content.decode()
    assert inv.reference in page
    assert reverse("investigations:list") in page  # in the menu of an analysis leader


def test_the_report_page_and_pdf_hold_everything_and_no_patient_identity(client, login, cast, incident, analyst):
    inv = worked_through(cast, incident, analyst)
    login(cast.chief_physician)

    page = client.get(reverse("investigations:report", kwargs={"pk": inv.pk}), HTTP_ACCEPT_LANGUAGE="sv")
    html = page.content.decode()
    for expected in (
        inv.reference,
        "Dosen gavs två gånger.",
        "Ingen kontroll",
        "Jag fick två tabletter och sa det till personalen.",
        "Bristande dubbelkontroll.",
        "Inför dubbelkontroll vid insulin.",
        "Region Västmanland",
    ):
        assert expected in html
    assert "19121212" not in html and "121212-1212" not in html

    pdf = client.get(reverse("investigations:report-pdf", kwargs={"pk": inv.pk}))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert f'filename="{inv.reference}.pdf"' in pdf["Content-Disposition"]
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert inv.reference in text
    assert "Utredningsrapport" in text and "Orsaker" in text
    # Narrow table columns hyphenate ("in‐ sulin"): read the words whole.
    assert "dubbelkontroll vid insulin" in re.sub(r"[\u00ad\u2010\u2011-] ", "", text)
    assert "19121212" not in text and "1212-1212" not in text


def test_the_report_is_404_outside_scope(client, login, cast, incident, analyst):
    inv = opened(cast, incident, analyst)
    login(cast.manager_orto)
    assert client.get(reverse("investigations:report-pdf", kwargs={"pk": inv.pk})).status_code == 404
