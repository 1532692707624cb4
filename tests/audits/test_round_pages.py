"""The egenkontroll rounds, results and templates pages: who sees which rounds, sending a round
(and every refusal changing nothing), the results with "not answered" counted, the drill-down
through the tree, the export, closing, the templates, and a round page costing the same
queries for 3 units as for 30."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actions.models import Action
from audits import services
from audits.models import Response, Round, RoundStatus, Status, Template
from tests.audits.conftest import MEDICATION, answer_all, send, version_of
from tests.factories import make_unit

pytestmark = pytest.mark.django_db

ROUNDS = reverse("audits:rounds")
NEW = reverse("audits:round_new")
TODAY = timezone.localdate()


def page(round_, **query) -> str:
    url = reverse("audits:round", kwargs={"pk": round_.pk})
    return f"{url}?{'&'.join(f'{k}={v}' for k, v in query.items())}" if query else url


def submitted(round_, unit, nurse, manager, value="in_place", comment=""):
    response = Response.objects.get(round=round_, unit=unit)
    answer_all(response, nurse, value, comment=comment)
    return services.submit(response=response, actor=manager, version=response.version)


@pytest.fixture
def sent(cast, tree, acast):
    """The safety officer's round to the two wards; Avdelning 5 has submitted, all in place."""
    round_ = send(cast.safety_officer, [tree.medicin_ward, tree.orto_ward])
    submitted(round_, tree.medicin_ward, acast.nurse, acast.ward_manager)
    return round_


def form_data(version, *units, **overrides) -> dict:
    data = {
        "template_version": version.pk,
        "title": "Läkemedel hösten",
        "units": [unit.pk for unit in units],
        "period_start": TODAY.replace(month=1, day=1).isoformat(),
        "period_end": TODAY.replace(month=12, day=31).isoformat(),
        "opens_on": TODAY.isoformat(),
        "due_on": (TODAY + dt.timedelta(days=30)).isoformat(),
        "recurrence": "",
    }
    data.update(overrides)
    return data


def observe(response, acast, *, compliant: int):
    """Every count statement: 10 observed, `compliant` of them compliant; the rest in place."""
    for statement in response.round.template_version.statements.all():
        fields = {"observed": 10, "compliant": compliant} if statement.scale == "count" else {"value": "in_place"}
        services.answer_save(response=response, actor=acast.nurse, statement=statement, fields=fields)
    services.submit(response=response, actor=acast.ward_manager, version=response.version)


# --- The list ----------------------------------------------------------------------------------


def test_it_lists_the_rounds_newest_first_with_their_response_rate(as_user, cast, tree, sent):
    later = send(cast.safety_officer, [tree.orto_ward], title="Läkemedel senare", opens_in_days=3)

    response = as_user(cast.safety_officer).get(ROUNDS)

    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row["round"].pk for row in rows] == [later.pk, sent.pk]
    assert (rows[1]["round"].units, rows[1]["round"].answered, rows[1]["rate"]) == (2, 1, 50)
    assert "50.0 %" in response.content.decode()
    assert 'href="/egenkontroll/omgangar/ny/"' in response.content.decode()


def test_the_rate_counts_only_the_units_a_reader_may_read(as_user, cast, sent):
    rows = as_user(cast.manager_orto).get(ROUNDS).context["rows"]

    assert [(row["round"].units, row["round"].answered) for row in rows] == [(1, 0)]
    assert as_user(cast.manager_orto).get(ROUNDS).context["may_run"] is False


def test_a_reader_sees_no_round_of_another_care_provider(as_user, cast, sent):
    assert as_user(cast.mas).get(ROUNDS).context["rows"] == []


@pytest.mark.parametrize("who", ["reporter", "handler", "admin", "municipal_handler", "outsider"])
def test_it_refuses_the_list_to_those_who_neither_read_nor_run(as_user, cast, sent, who):
    response = as_user(getattr(cast, who)).get(ROUNDS)

    assert response.status_code == 403
    assert "You cannot read self-audit results." in response.content.decode()


def test_the_list_costs_the_same_queries_for_one_round_as_for_five(as_user, cast, tree, sent):
    client = as_user(cast.safety_officer)
    client.get(ROUNDS)  # warm the per-process caches
    with CaptureQueriesContext(connection) as few:
        client.get(ROUNDS)
    for n in range(4):
        send(cast.safety_officer, [tree.medicin_ward, tree.orto_ward], title=f"Omgång {n}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(ROUNDS)

    assert len(response.context["rows"]) == 5
    assert len(many) == len(few)


# --- Sending a round ----------------------------------------------------------------------------


def test_the_safety_officer_sends_a_round_to_chosen_units(as_user, cast, tree):
    version = version_of(MEDICATION)

    response = as_user(cast.safety_officer).post(NEW, form_data(version, tree.medicin_ward, tree.orto_ward))

    round_ = Round.objects.get(title="Läkemedel hösten")
    assert response.status_code == 302 and response["Location"] == page(round_)
    assert round_.template_version == version and round_.created_by == cast.safety_officer
    assert set(round_.responses.values_list("unit", flat=True)) == {tree.medicin_ward.pk, tree.orto_ward.pk}
    assert round_.status == RoundStatus.OPEN
    followed = as_user(cast.safety_officer).get(response["Location"])
    assert f"The round {round_.reference} has been sent to 2 units." in followed.content.decode()


def test_a_subtree_sends_the_round_to_the_wards_below_it(as_user, cast, tree):
    data = form_data(version_of(MEDICATION), subtree=tree.akut.pk)
    data.pop("units")

    as_user(cast.safety_officer).post(NEW, data)

    round_ = Round.objects.get(title="Läkemedel hösten")
    assert set(round_.responses.values_list("unit", flat=True)) == {tree.medicin_ward.pk, tree.orto_ward.pk}


def test_a_subtree_without_wards_below_sends_to_the_unit_itself(as_user, cast, tree):
    data = form_data(version_of(MEDICATION), subtree=tree.medicin_ward.pk)
    data.pop("units")

    as_user(cast.safety_officer).post(NEW, data)

    assert list(Round.objects.get().responses.values_list("unit", flat=True)) == [tree.medicin_ward.pk]


def test_the_form_offers_the_current_version_of_each_template_and_the_units_in_scope(as_user, cast, tree):
    form = as_user(cast.indicator_editor).get(NEW).context["form"]

    versions = list(form.fields["template_version"].queryset)
    assert {v.template.code for v in versions} == set(Template.objects.values_list("code", flat=True))
    assert all(v == v.template.current_version() for v in versions)
    assert set(form.fields["units"].queryset) == {tree.medicin, tree.medicin_ward}


def test_another_providers_own_template_is_neither_offered_nor_sent(as_user, cast, tree):
    own = Template.objects.create(code="VSTAD-1", title="Västerås stads egen", care_provider=tree.municipality)
    areas = [("Allmänt", [{"text": "Rutinen följs", "scale": "yes_no"}])]
    services.version_publish(template=own, actor=None, areas=areas)
    client = as_user(cast.safety_officer)

    offered = client.get(NEW).context["form"].fields["template_version"].queryset
    response = client.post(NEW, form_data(own.current_version(), tree.medicin_ward))

    assert own.pk not in {version.template_id for version in offered}
    assert response.status_code == 400
    assert not Round.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"period_end": TODAY.replace(month=1, day=1) - dt.timedelta(days=1)}, "The period ends before it starts."),
        ({"units": []}, "Choose the units that should answer."),
        ({"due_on": TODAY - dt.timedelta(days=1)}, "The due date comes before the round opens."),
        ({"title": ""}, "This field is required."),
    ],
    ids=["period end before start", "no units", "due before opening", "no title"],
)
def test_bad_input_is_shown_on_the_form_and_sends_nothing(as_user, cast, tree, change, message):
    data = form_data(version_of(MEDICATION), tree.medicin_ward)
    data.update({k: v.isoformat() if isinstance(v, dt.date) else v for k, v in change.items()})

    response = as_user(cast.safety_officer).post(NEW, data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Round.objects.exists()


def test_a_unit_outside_the_scope_is_refused_and_nothing_is_sent(as_user, cast, tree):
    # The measurement owner of Medicinkliniken runs rounds there only.
    data = form_data(version_of(MEDICATION), tree.medicin_ward, tree.orto_ward)

    response = as_user(cast.indicator_editor).post(NEW, data)

    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert not Round.objects.exists()


def test_a_version_that_is_not_offered_is_refused(as_user, cast, tree):
    data = form_data(version_of(MEDICATION), tree.medicin_ward, template_version="999999")

    response = as_user(cast.safety_officer).post(NEW, data)

    assert response.status_code == 400
    assert not Round.objects.exists()


@pytest.mark.parametrize("who", ["manager", "chief_physician", "viewer", "reporter"])
def test_only_those_who_run_rounds_may_send_one(as_user, cast, tree, who):
    client = as_user(getattr(cast, who))

    assert client.get(NEW).status_code == 403
    assert client.post(NEW, form_data(version_of(MEDICATION), tree.medicin_ward)).status_code == 403
    assert not Round.objects.exists()


# --- The results --------------------------------------------------------------------------------


def test_the_results_count_not_answered_units_and_the_response_rate(as_user, cast, sent):
    response = as_user(cast.safety_officer).get(page(sent))

    assert response.status_code == 200
    results = response.context["results"]
    assert (results.responses, results.answered, results.not_answered) == (2, 1, 1)
    first = response.context["areas"][0]["statements"][0]
    counts = {row["value"]: row["count"] for row in first["values"]}
    assert counts == {"in_place": 1, "introducing": 0, "planned": 0, "missing": 0, "not_answered": 1}
    body = response.content.decode()
    assert "50.0 %" in body and "Not answered" in body
    assert body.count('data-value="not_answered"') == len(results.statements)


def test_a_statement_under_its_threshold_is_marked_and_compared_with_the_previous_round(as_user, cast, tree, acast):
    from audits.examples import PVK_KAD

    first = send(cast.safety_officer, [tree.medicin_ward], code=PVK_KAD, title="PVK vår")
    observe(Response.objects.get(round=first), acast, compliant=9)
    second = send(cast.safety_officer, [tree.medicin_ward], code=PVK_KAD, title="PVK höst")
    Round.objects.filter(pk=second.pk).update(previous=first)
    observe(Response.objects.get(round=second), acast, compliant=5)

    page_response = as_user(cast.safety_officer).get(page(second))

    row = page_response.context["areas"][0]["statements"][0]
    assert (row["result"].observed, row["result"].compliant, row["share"], row["previous_share"]) == (10, 5, 50, 90)
    assert row["below_threshold"] is True
    body = page_response.content.decode()
    assert "data-below-threshold" in body and "previous round: 90.0 %" in body
    # The threshold rule's required actions are counted by state, linked to the register.
    planned = next(a for a in page_response.context["actions"] if a["label"] == Action.State.PLANNED.label)
    assert planned["count"] >= 1
    assert planned["url"] == "/atgarder/?source_type=audit_response&state=planned"


def test_the_drill_down_narrows_to_a_subtree_with_a_way_back_up(as_user, cast, tree, sent):
    client = as_user(cast.safety_officer)

    top = client.get(page(sent)).context
    assert [child.unit for child in top["results"].children] == [tree.forvaltning]
    response = client.get(page(sent, enhet=tree.orto.pk))

    assert response.status_code == 200
    results = response.context["results"]
    assert (results.unit, results.responses, results.answered) == (tree.orto, 1, 0)
    assert [child.unit for child in results.children] == [tree.orto_ward]
    assert response.context["trail"] == [tree.region, tree.forvaltning, tree.akut]
    assert [r.unit for r in response.context["responses"]] == [tree.orto_ward]
    body = response.content.decode()
    assert f'href="{page(sent)}?enhet={tree.akut.pk}"' in body
    assert f'href="{page(sent)}?enhet={tree.orto_ward.pk}"' in body


@pytest.mark.parametrize(
    "bad", ["abc", "999999999", "-1", "99999999999", "1" * 40], ids=["text", "missing", "negative", "big", "huge"]
)
def test_a_bad_drill_down_shows_the_whole_round_with_a_message(as_user, cast, sent, bad):
    response = as_user(cast.safety_officer).get(page(sent, enhet=bad))

    assert response.status_code == 400
    assert response.context["results"].unit is None
    assert "There is no such unit in this round" in response.content.decode()


def test_a_unit_of_another_care_provider_is_not_a_drill_down(as_user, cast, tree, sent):
    response = as_user(cast.safety_officer).get(page(sent, enhet=tree.hemsjukvard.pk))

    assert response.status_code == 400
    assert response.context["results"].responses == 2


def test_a_reader_sees_only_the_results_of_her_units(as_user, cast, tree, sent):
    response = as_user(cast.manager_orto).get(page(sent))

    results = response.context["results"]
    assert (results.responses, results.answered) == (1, 0)
    assert [r.unit for r in response.context["responses"]] == [tree.orto_ward]
    assert response.context["can_close"] is False


def test_a_nurse_sees_the_round_and_her_own_units_response_but_no_results(as_user, cast, tree, acast, sent):
    response = as_user(acast.nurse).get(page(sent))

    assert response.status_code == 200
    assert "results" not in response.context
    own = Response.objects.get(round=sent, unit=tree.medicin_ward)
    assert [r.pk for r in response.context["responses"]] == [own.pk]
    assert reverse("audits:response", kwargs={"pk": own.pk}) in response.content.decode()
    assert "Response rate" not in response.content.decode()


def test_a_round_is_not_found_outside_the_users_units(as_user, cast, sent):
    assert as_user(cast.municipal_handler).get(page(sent)).status_code == 404
    assert as_user(cast.mas).get(page(sent)).status_code == 404


def test_the_round_page_costs_the_same_queries_for_3_units_as_for_30(as_user, cast, tree, acast):
    wards = [make_unit(f"Avdelning {n}", tree.medicin, "enhet") for n in range(30)]
    few = send(cast.safety_officer, wards[:3], title="Få")
    many = send(cast.safety_officer, wards, title="Många")
    for round_ in (few, many):
        submitted(round_, wards[0], cast.manager, cast.manager)
    client = as_user(cast.safety_officer)
    client.get(page(few))  # warm the per-process caches

    with CaptureQueriesContext(connection) as small:
        assert client.get(page(few)).status_code == 200
    with CaptureQueriesContext(connection) as large:
        response = client.get(page(many))

    assert response.context["results"].responses == 30
    assert len(large) == len(small)


# --- The export ---------------------------------------------------------------------------------


def test_the_export_has_one_row_per_statement_with_not_answered(as_user, cast, sent):
    response = as_user(cast.safety_officer).get(
        reverse("audits:round-export", kwargs={"pk": sent.pk}), {"format": "csv"}
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    assert header[:2] == ["Area", "Statement"] and "Not answered" in header
    assert len(rows) - 1 == sent.template_version.statements.count()
    first = dict(zip(header, rows[1], strict=True))
    assert (first["In place"], first["Missing"], first["Not answered"], first["Share (%)"]) == ("1", "0", "1", "100")
    assert first["Yes"] == "" and first["Observed"] == ""


def test_the_export_in_xlsx_and_narrowed_to_a_subtree(as_user, cast, tree, sent):
    from openpyxl import load_workbook

    url = reverse("audits:round-export", kwargs={"pk": sent.pk})
    response = as_user(cast.safety_officer).get(url, {"format": "xlsx", "enhet": tree.orto.pk})

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    first = dict(zip(header, [cell.value for cell in sheet[2]], strict=True))
    assert (first["In place"], first["Not answered"]) == (0, 1)


def test_the_export_without_a_format_goes_back_to_the_round(as_user, cast, sent):
    response = as_user(cast.safety_officer).get(reverse("audits:round-export", kwargs={"pk": sent.pk}))

    assert response.status_code == 302 and response["Location"] == page(sent)


def test_the_export_is_refused_to_a_nurse_and_hidden_from_others(as_user, cast, acast, sent):
    url = reverse("audits:round-export", kwargs={"pk": sent.pk})

    assert as_user(acast.nurse).get(url, {"format": "csv"}).status_code == 403
    assert as_user(cast.mas).get(url, {"format": "csv"}).status_code == 404


# --- Closing ------------------------------------------------------------------------------------


def test_the_sender_closes_the_round(as_user, cast, sent):
    url = reverse("audits:round-close", kwargs={"pk": sent.pk})

    response = as_user(cast.safety_officer).post(url)

    assert response.status_code == 302 and response["Location"] == page(sent)
    sent.refresh_from_db()
    assert sent.status == RoundStatus.CLOSED
    body = as_user(cast.safety_officer).get(page(sent)).content.decode()
    assert f"The round {sent.reference} is closed." in body
    assert "Close the round" not in body
    # Closing leaves the unanswered unit unanswered.
    assert Response.objects.get(round=sent, unit__name__startswith="Avdelning 12").status == Status.OPEN


def test_only_the_sender_or_the_providers_safety_team_may_close(as_user, cast, sent):
    url = reverse("audits:round-close", kwargs={"pk": sent.pk})

    for user in (cast.indicator_editor, cast.manager, cast.viewer):
        response = as_user(user).post(url)
        assert response.status_code == 403
        assert "Only the one who sent the round" in response.content.decode()
    assert as_user(cast.safety_officer).get(page(sent)).context["can_close"] is True
    sent.refresh_from_db()
    assert sent.status != RoundStatus.CLOSED


# --- The templates ------------------------------------------------------------------------------


def test_the_templates_list_the_shipped_ones_with_their_current_version(as_user, cast):
    response = as_user(cast.viewer).get(reverse("audits:templates"))

    assert response.status_code == 200
    codes = {row["template"].code for row in response.context["rows"]}
    assert {"LAKEMEDEL", "BHK-OBS", "PVK-KAD", "STRALSKYDD"} <= codes
    assert "Shipped with psweb" in response.content.decode()


def test_another_providers_own_template_is_not_listed(as_user, cast, tree):
    Template.objects.create(code="VSTAD-1", title="Västerås stads egen", care_provider=tree.municipality)

    codes = {row["template"].code for row in as_user(cast.viewer).get(reverse("audits:templates")).context["rows"]}
    own = {row["template"].code for row in as_user(cast.mas).get(reverse("audits:templates")).context["rows"]}

    assert "VSTAD-1" not in codes and "VSTAD-1" in own
    template = Template.objects.get(code="VSTAD-1")
    assert as_user(cast.viewer).get(reverse("audits:template", kwargs={"pk": template.pk})).status_code == 404


def test_a_template_shows_its_statements_with_scale_threshold_and_indicator(as_user, cast):
    from audits.examples import HYGIENE, PVK_KAD

    pvk = Template.objects.get(code=PVK_KAD)
    body = as_user(cast.safety_officer).get(reverse("audits:template", kwargs={"pk": pvk.pk})).content.decode()
    assert "85 %" in body
    hygiene = Template.objects.get(code=HYGIENE)
    response = as_user(cast.safety_officer).get(reverse("audits:template", kwargs={"pk": hygiene.pk}))
    statements = [s for area in response.context["areas"] for s in area.statements.all()]
    assert statements and all(s.indicator_code for s in statements)
    assert statements[0].indicator_code in response.content.decode()


def test_a_version_that_does_not_exist_shows_the_current_one(as_user, cast):
    template = Template.objects.get(code=MEDICATION)

    response = as_user(cast.safety_officer).get(
        reverse("audits:template", kwargs={"pk": template.pk}), {"version": "x"}
    )

    assert response.status_code == 400
    assert response.context["version"] == template.current_version()


@pytest.mark.parametrize("who", ["reporter", "handler", "admin", "outsider"])
def test_the_templates_are_refused_to_those_who_neither_read_nor_run(as_user, cast, who):
    template = Template.objects.get(code=MEDICATION)
    client = as_user(getattr(cast, who))

    assert client.get(reverse("audits:templates")).status_code == 403
    assert client.get(reverse("audits:template", kwargs={"pk": template.pk})).status_code == 403
