"""The case page's steps: each handling form is built only when its step is opened, fetched by
htmx from /avvikelser/<pk>/steg/<step>/ or, without JavaScript, on the page with ?steg=<step>.
The forward form's list of units is built once per state of the org tree.

Requests go through the real views, forms and services; the language is English so that the
assertions read the source strings.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.services import orgunit_create, orgunit_update
from actions.services import action_update
from incidents import services
from incidents.forms.case import ForwardForm
from incidents.models import CauseArea, Incident
from tests.incidents.conftest import report

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user(client):
    def _as(user):
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return _as


@pytest.fixture
def incident(cast, tree):
    return report(cast.reporter, tree.medicin_ward)


def page_url(incident) -> str:
    return reverse("incidents:detail", kwargs={"pk": incident.pk})


def step_url(incident, step: str) -> str:
    return reverse("incidents:step", kwargs={"pk": incident.pk, "step": step})


def toggle(page: str, step: str) -> str:
    """The link of a step on the page."""
    match = re.search(rf'<a href="[^"]*"[^>]*data-step-url="[^"]*/steg/{step}/"[^>]*>', page)
    assert match, f"no link for the step {step}"
    return match.group(0)


def unit_options(html: str) -> dict[str, str]:
    """The forward form's units: value → label."""
    select = re.search(r'<select name="to_unit".*?</select>', html, re.S).group(0)
    return dict(re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', select))


# --- the page: links, not forms --------------------------------------------------------------


def test_the_page_offers_each_step_as_a_link_without_its_form(as_user, cast, incident):
    page = as_user(cast.handler).get(page_url(incident)).content.decode()

    link = toggle(page, "klassificera")
    assert f'href="{page_url(incident)}?steg=klassificera#step-klassificera"' in link
    assert 'aria-expanded="false"' in link and 'aria-controls="step-klassificera-form"' in link
    for step in ("vidarebefordra", "risk", "orsak", "atgard", "aterkoppling", "tilldela", "aterkalla"):
        assert toggle(page, step)
    # no handling form is built: not the categories, not the units, not the risk labels
    for name in ('name="category"', 'name="to_unit"', 'name="probability"', 'name="area"', 'name="responsible"'):
        assert name not in page, name
    # the buttons and the comment box are there as before
    assert 'action="' + reverse("incidents:case-take", kwargs={"pk": incident.pk}) in page
    assert 'name="text"' in page


def test_without_javascript_the_link_opens_the_page_with_that_form(as_user, cast, incident):
    response = as_user(cast.handler).get(page_url(incident), {"steg": "klassificera"})

    page = response.content.decode()
    assert response.status_code == 200
    link = toggle(page, "klassificera")
    assert 'aria-expanded="true"' in link
    assert f'href="{page_url(incident)}#step-klassificera"' in link  # the same link closes it
    assert 'name="category"' in page and 'name="event_class"' in page
    assert 'name="to_unit"' not in page  # only that step is open
    assert 'aria-expanded="false"' in toggle(page, "vidarebefordra")


def test_an_action_is_changed_in_its_own_step(as_user, cast, incident):
    action = services.action_add(
        incident=incident,
        actor=cast.handler,
        description="Dubbelkontroll",
        responsible=cast.handler,
        due_date=timezone.localdate(),
    )
    client = as_user(cast.handler)

    closed = client.get(page_url(incident)).content.decode()
    opened = client.get(page_url(incident), {"steg": f"atgard-{action.pk}"}).content.decode()
    fragment = client.get(step_url(incident, f"atgard-{action.pk}")).content.decode()

    url = reverse("incidents:case-action-update", kwargs={"pk": incident.pk, "action_pk": action.pk})
    assert f'action="{url}"' not in closed
    assert f'action="{url}"' in opened and f'action="{url}"' in fragment
    assert "Dubbelkontroll</textarea>" in fragment


def test_a_step_the_user_may_not_take_does_not_open_and_says_why(as_user, cast, incident):
    # the patient-safety officer reads the case but does not handle it
    page = as_user(cast.safety_officer).get(page_url(incident), {"steg": "klassificera"}).content.decode()

    assert "data-step-toggle" not in page
    assert 'name="category"' not in page
    assert 'id="why-classify">Only handlers of the responsible unit can do this.' in page


# --- the step's form alone, for htmx ---------------------------------------------------------


def test_the_step_answers_its_form_alone(as_user, cast, incident):
    response = as_user(cast.handler).get(step_url(incident, "vidarebefordra"), headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith("<form")
    assert "<html" not in html and "<main" not in html
    assert 'action="' + reverse("incidents:case-forward", kwargs={"pk": incident.pk}) in html
    assert f'name="version" value="{incident.version}"' in html
    assert "csrfmiddlewaretoken" in html


@pytest.mark.parametrize("step", ["klassificera", "risk", "atgard", "vidarebefordra", "aterkoppling", "tilldela"])
def test_the_reporter_never_gets_a_handlers_form(as_user, cast, incident, step):
    client = as_user(cast.reporter)

    response = client.get(step_url(incident, step))
    page = client.get(page_url(incident), {"steg": step}).content.decode()

    assert response.status_code == 403
    assert "Only handlers of the responsible unit can do this." in response.content.decode()
    assert 'name="version"' not in response.content.decode()  # no form of the case
    assert "data-step-toggle" not in page


def test_a_step_is_refused_with_the_reason_of_the_state(as_user, cast, incident):
    # given the incident is submitted, not closed
    response = as_user(cast.handler).get(step_url(incident, "ateroppna"))

    assert response.status_code == 403
    assert "Only a closed incident can be reopened." in response.content.decode()


def test_a_case_the_user_may_not_see_answers_404(as_user, cast, incident):
    for actor in (cast.handler_orto, cast.outsider):
        assert as_user(actor).get(step_url(incident, "klassificera")).status_code == 404


def test_an_unknown_step_and_another_incidents_action_answer_404(as_user, cast, tree, incident):
    other = report(cast.reporter, tree.medicin_ward)
    action = services.action_add(
        incident=other,
        actor=cast.handler,
        description="Annan",
        responsible=cast.handler,
        due_date=timezone.localdate(),
    )
    client = as_user(cast.handler)

    assert client.get(step_url(incident, "radera")).status_code == 404
    assert client.get(step_url(incident, f"atgard-{action.pk}")).status_code == 404
    assert client.get(step_url(other, f"atgard-{action.pk}")).status_code == 200


# --- a refused operation opens its step with what was typed -----------------------------------


def test_a_form_with_errors_comes_back_open_with_what_was_typed(as_user, cast, incident):
    # when the handler adds a cause without choosing its area
    response = as_user(cast.handler).post(
        reverse("incidents:case-cause-add", kwargs={"pk": incident.pk}),
        {"version": incident.version, "detail": "Stress på kvällen"},
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert 'aria-expanded="true"' in toggle(page, "orsak")
    assert "Stress på kvällen</textarea>" in page
    assert "data-error-summary" in page
    assert 'name="category"' not in page  # the other steps stay closed


def test_a_refused_forward_comes_back_open_with_the_unit_chosen(as_user, cast, tree, incident):
    # when the handler asks another unit without a date for the answer
    response = as_user(cast.handler).post(
        reverse("incidents:case-forward", kwargs={"pk": incident.pk}),
        {
            "version": incident.version,
            "kind": "ask",
            "to_unit": tree.orto_ward.pk,
            "message": "Fråga",
            "answer_due": "",
        },
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert 'aria-expanded="true"' in toggle(page, "vidarebefordra")
    assert "Give the date an answer is due." in page
    assert f'<option value="{tree.orto_ward.pk}" selected>' in page
    assert "Fråga</textarea>" in page


def test_a_stale_change_of_an_action_comes_back_open_in_its_step(as_user, cast, incident):
    action = services.action_add(
        incident=incident,
        actor=cast.handler,
        description="Dubbelkontroll",
        responsible=cast.handler,
        due_date=timezone.localdate(),
    )
    seen = action.version
    # the manager changes the action after the handler opened the page
    action_update(action=action, actor=cast.manager, state="in_progress")

    response = as_user(cast.handler).post(
        reverse("incidents:case-action-update", kwargs={"pk": incident.pk, "action_pk": action.pk}),
        {
            "version": seen,
            "description": "Dubbelkontroll av insulin",
            "responsible": cast.handler.username,
            "due_date": "2099-01-01",
            "state": "planned",
        },
    )

    page = response.content.decode()
    assert response.status_code == 409
    assert 'aria-expanded="true"' in toggle(page, f"atgard-{action.pk}")
    assert "Dubbelkontroll av insulin</textarea>" in page


# --- the units to forward to, built once per state of the org tree ----------------------------


def test_the_cached_units_are_those_the_form_offers(as_user, cast, tree, incident):
    # the form as Django would render it, without the cache
    plain = str(ForwardForm(incident=Incident.objects.get(pk=incident.pk))["to_unit"])

    first = as_user(cast.handler).get(step_url(incident, "vidarebefordra")).content.decode()
    again = as_user(cast.handler).get(step_url(incident, "vidarebefordra")).content.decode()

    assert unit_options(first) == unit_options(plain)
    assert list(unit_options(first)) == list(unit_options(plain))  # in the same order
    assert str(incident.responsible_unit_id) not in unit_options(first)
    assert unit_options(again) == unit_options(first)


def test_another_case_leaves_out_its_own_unit_from_the_same_list(as_user, cast, tree, incident):
    orto = report(cast.reporter, tree.orto_ward)

    medicin = unit_options(as_user(cast.chief_physician).get(step_url(incident, "vidarebefordra")).content.decode())
    ortho = unit_options(as_user(cast.chief_physician).get(step_url(orto, "vidarebefordra")).content.decode())

    assert str(tree.medicin_ward.pk) not in medicin and str(tree.orto_ward.pk) in medicin
    assert str(tree.orto_ward.pk) not in ortho and str(tree.medicin_ward.pk) in ortho


def test_the_units_change_when_a_unit_is_renamed_added_or_deactivated(as_user, cast, tree, incident):
    client = as_user(cast.handler)

    def offered() -> dict[str, str]:
        return unit_options(client.get(step_url(incident, "vidarebefordra")).content.decode())

    before = offered()
    orto = tree.orto_ward

    # renamed
    orgunit_update(
        unit=orto, name="Ortopedavdelning 7", kind=orto.kind, parent=orto.parent, hsa_id=orto.hsa_id, is_active=True
    )
    renamed = offered()
    assert renamed[str(orto.pk)].startswith("Ortopedavdelning 7")
    assert before[str(orto.pk)] != renamed[str(orto.pk)]

    # added
    new = orgunit_create(name="Avdelning 12", kind=orto.kind, parent=orto.parent)
    assert offered()[str(new.pk)].startswith("Avdelning 12")

    # deactivated
    orgunit_update(unit=new, name=new.name, kind=new.kind, parent=new.parent, hsa_id="", is_active=False)
    assert str(new.pk) not in offered()

    # a care provider renamed: every one of its units reads its new name
    provider = orto.care_provider
    orgunit_update(
        unit=provider, name="Region Nord", kind=provider.kind, parent=None, hsa_id=provider.hsa_id, is_active=True
    )
    assert offered()[str(orto.pk)] == "Ortopedavdelning 7 (Region Nord)"


def test_a_unit_changed_behind_the_services_back_is_seen_too(as_user, cast, tree, incident):
    client = as_user(cast.handler)
    client.get(step_url(incident, "vidarebefordra"))  # the list is cached

    # an UPDATE that no signal sees (a bulk change, another process, SQL)
    type(tree.orto_ward).objects.filter(pk=tree.orto_ward.pk).update(name="Ortopeden, ny")

    offered = unit_options(client.get(step_url(incident, "vidarebefordra")).content.decode())
    assert offered[str(tree.orto_ward.pk)].startswith("Ortopeden, ny")


def test_opening_the_forward_step_again_does_not_load_the_units_again(as_user, cast, incident):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = as_user(cast.handler)
    client.get(step_url(incident, "vidarebefordra"))

    with CaptureQueriesContext(connection) as queries:
        assert client.get(step_url(incident, "vidarebefordra")).status_code == 200

    # the version of the org tree (OrgUnit.objects.tree_version), and no query of the units themselves
    version = [q["sql"] for q in queries if "accounts_orgunitevent" in q["sql"]]
    unit_queries = [q["sql"] for q in queries if 'FROM "accounts_orgunit"' in q["sql"] and q["sql"] not in version]
    assert unit_queries == []
    assert len(version) == 1


def test_the_page_costs_no_query_for_closed_steps(as_user, cast, incident):
    """A handler's page without an open step loads no categories, cause areas or staff."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.cause_add(incident=incident, actor=cast.handler, area=CauseArea.objects.first())
    client = as_user(cast.handler)
    client.get(page_url(incident))

    with CaptureQueriesContext(connection) as queries:
        client.get(page_url(incident))

    sql = " ".join(q["sql"] for q in queries)
    assert 'FROM "incidents_category"' not in sql  # the classification's choices
    assert 'FROM "incidents_causearea" WHERE' not in sql  # the cause areas to add
    assert 'FROM "accounts_orgunit" u' not in sql  # not even the units' digest
