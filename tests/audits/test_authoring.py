"""Authoring egenkontroll templates: a new version of a care provider's own template and a new
template (empty or copied), written in the text format of `audits.forms_authoring`; every bad
line named with its number and nothing saved; a round keeps the version it was sent with; the
shipped templates are never changed in place; only the care provider's safety team authors."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.roles import Role
from audits import services
from audits.examples import HYGIENE, MEDICATION, PVK_KAD, RADIATION
from audits.models import Round, Statement, Template
from tests.audits.conftest import send
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

NEW = reverse("audits:template-new")

V1_TEXT = """# Riskbedömning
riskbedomning | status | Fallrisk bedöms vid inskrivning
  rutin: Rutin för fallprevention
"""

V2_TEXT = """# Riskbedömning
riskbedomning | status | Fallrisk bedöms inom ett dygn från inskrivning
  hjälp: Använd Downton index.
  rutin: Rutin för fallprevention

# Åtgärder
larm | yes_no | Patienten når larmknappen
handdesinfektion | count | Handdesinfektion före patientkontakt | 85,5 | bhk-2
"""


@pytest.fixture
def own(cast, tree) -> Template:
    """Region Västmanland's own template, version 1."""
    template = Template.objects.create(code="FALL", title="Fallprevention", care_provider=tree.region)
    services.version_publish(
        template=template,
        actor=cast.safety_officer,
        areas=[
            (
                "Riskbedömning",
                [
                    {
                        "key": "riskbedomning",
                        "text": "Fallrisk bedöms vid inskrivning",
                        "scale": "status",
                        "routine": "Rutin för fallprevention",
                    }
                ],
            )
        ],
    )
    return template


def version_url(template) -> str:
    return reverse("audits:template-version", kwargs={"pk": template.pk})


def statements_of(version) -> list[tuple]:
    return [
        (s.area.title, s.key, s.text, s.scale, s.help_text, s.routine, s.threshold, s.indicator_code)
        for s in Statement.objects.filter(version=version).select_related("area").order_by("position")
    ]


def new_data(tree, **overrides) -> dict:
    data = {
        "code": "fall-obs",
        "title": "Fallprevention, observation",
        "kind": "checklist",
        "description": "Egenkontroll av fallprevention.",
        "care_provider": tree.region.pk,
        "statements": V1_TEXT,
        "note": "",
    }
    data.update(overrides)
    return data


# --- A new version ---------------------------------------------------------------------------------


def test_the_version_page_starts_from_the_current_version(as_user, cast, own):
    response = as_user(cast.safety_officer).get(version_url(own))

    assert response.status_code == 200
    text = response.context["form"]["statements"].value()
    assert text == V1_TEXT
    assert "riskbedomning | status | Fallrisk bedöms vid inskrivning" in response.content.decode()


def test_a_new_version_is_published_from_the_text(as_user, cast, own):
    client = as_user(cast.safety_officer)

    response = client.post(
        version_url(own), {"based_on": 1, "statements": V2_TEXT, "note": "Nytt område: åtgärder"}, follow=True
    )

    assert response.redirect_chain == [(reverse("audits:template", kwargs={"pk": own.pk}), 302)]
    assert "Version 2 of Fallprevention is published" in response.content.decode()
    version = own.current_version()
    assert (version.number, version.note, version.created_by) == (2, "Nytt område: åtgärder", cast.safety_officer)
    assert statements_of(version) == [
        (
            "Riskbedömning",
            "riskbedomning",
            "Fallrisk bedöms inom ett dygn från inskrivning",
            "status",
            "Använd Downton index.",
            "Rutin för fallprevention",
            None,
            "",
        ),
        ("Åtgärder", "larm", "Patienten når larmknappen", "yes_no", "", "", None, ""),
        (
            "Åtgärder",
            "handdesinfektion",
            "Handdesinfektion före patientkontakt",
            "count",
            "",
            "",
            Decimal("85.5"),
            "BHK-2",
        ),
    ]
    assert statements_of(own.versions.get(number=1))[0][2] == "Fallrisk bedöms vid inskrivning"


def test_a_round_keeps_the_version_it_was_sent_with(as_user, cast, tree, own):
    round_ = send(cast.safety_officer, [tree.medicin_ward], code="FALL")
    before = statements_of(round_.template_version)

    response = as_user(cast.safety_officer).post(
        version_url(own), {"based_on": 1, "statements": V2_TEXT, "note": "Omformulerat"}
    )

    assert response.status_code == 302
    round_ = Round.objects.get(pk=round_.pk)
    assert round_.template_version.number == 1
    assert statements_of(round_.template_version) == before
    assert own.current_version().number == 2


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("# Område\nett | often | Ett påstående\n", 2, "unknown answer scale “often”"),
        ("# Område\nett | count | Ett påstående | 150\n", 2, "the threshold “150” is not a share between 0 and 100 %"),
        ("# Område\nett | status | Ett\n\n# Annat\nett | yes_no | Två\n", 5, "the key “ett” is already used on line 2"),
        ("# Område\nett | status |   \n", 2, "write the statement."),
        ("# Område\n", 1, "the area “Område” has no statements."),
        ("ett | status | Utan område\n", 1, "start with an area line"),
        ("# Område\nett | status | Ett | | BHK-1\n", 2, "only a count statement can feed an indicator"),
        ("# Område\nett | count | Ett | | NOPE-9\n", 2, "there is no indicator with the code “NOPE-9”"),
        ("# Område\nhjälp: för tidigt\n", 2, "a “hjälp:” line belongs under a statement"),
        ("# Område\nen nyckel | status | Ett\n", 2, "the key “en nyckel” may hold only"),
    ],
)
def test_a_bad_line_is_named_and_nothing_is_published(as_user, cast, own, text, line, problem):
    response = as_user(cast.safety_officer).post(version_url(own), {"based_on": 1, "statements": text, "note": "x"})

    assert response.status_code == 400
    errors = response.context["form"].errors["statements"]
    assert any(error.startswith(f"Line {line}: ") and problem in error for error in errors), errors
    assert response.context["form"]["statements"].value() == text  # what she wrote is kept
    assert own.versions.count() == 1


def test_every_bad_line_is_reported_at_once(as_user, cast, own):
    text = "# Område\nett | often | Ett\ntva | status | Två | 101\n"

    response = as_user(cast.safety_officer).post(version_url(own), {"based_on": 1, "statements": text, "note": "x"})

    errors = response.context["form"].errors["statements"]
    assert [error.split(":")[0] for error in errors] == ["Line 2", "Line 3"]


def test_an_empty_text_or_note_publishes_nothing(as_user, cast, own):
    response = as_user(cast.safety_officer).post(version_url(own), {"based_on": 1, "statements": "  \n", "note": ""})

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"statements", "note"}
    assert own.versions.count() == 1


def test_a_version_published_meanwhile_is_not_overwritten_unless_sent_again(as_user, cast, own):
    client = as_user(cast.safety_officer)
    client.post(version_url(own), {"based_on": 1, "statements": V2_TEXT, "note": "Först"})

    stale = client.post(version_url(own), {"based_on": 1, "statements": V1_TEXT, "note": "Sedan"})

    assert stale.status_code == 409
    assert "Someone published version 2" in stale.content.decode()
    assert own.versions.count() == 2
    form = stale.context["form"]
    assert (form["based_on"].value(), form["statements"].value()) == ("2", V1_TEXT)

    again = client.post(
        version_url(own), {"based_on": form["based_on"].value(), "statements": V1_TEXT, "note": "Sedan"}
    )

    assert again.status_code == 302
    assert own.current_version().number == 3


def test_a_shipped_template_gets_no_version_through_the_page(as_user, cast):
    shipped = Template.objects.get(code=MEDICATION)
    client = as_user(cast.safety_officer)

    assert client.get(version_url(shipped)).status_code == 403
    response = client.post(version_url(shipped), {"based_on": 1, "statements": V1_TEXT, "note": "x"})

    assert response.status_code == 403
    assert "cannot be changed" in response.content.decode()
    assert shipped.versions.count() == 1


@pytest.mark.parametrize("who", ["reporter", "indicator_editor", "mas"])
def test_only_the_care_providers_safety_team_authors(as_user, cast, tree, own, who):
    client = as_user(getattr(cast, who))

    assert client.get(version_url(own)).status_code == 403
    assert client.post(version_url(own), {"based_on": 1, "statements": V2_TEXT, "note": "x"}).status_code == 403
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, new_data(tree)).status_code == 403
    assert own.versions.count() == 1
    assert not Template.objects.filter(code="FALL-OBS").exists()


def test_an_unknown_template_is_not_found(as_user, cast):
    assert (
        as_user(cast.safety_officer).get(reverse("audits:template-version", kwargs={"pk": 999_999})).status_code == 404
    )


# --- A new template --------------------------------------------------------------------------------


def test_a_new_template_is_created_with_its_first_version(as_user, cast, tree):
    response = as_user(cast.safety_officer).post(NEW, new_data(tree, note="Egen mall"), follow=True)

    template = Template.objects.get(code="FALL-OBS")
    assert response.redirect_chain == [(reverse("audits:template", kwargs={"pk": template.pk}), 302)]
    assert (template.title, template.kind, template.care_provider) == (
        "Fallprevention, observation",
        "checklist",
        tree.region,
    )
    version = template.current_version()
    assert (version.number, version.note) == (1, "Egen mall")
    assert statements_of(version) == [
        (
            "Riskbedömning",
            "riskbedomning",
            "Fallrisk bedöms vid inskrivning",
            "status",
            "",
            "Rutin för fallprevention",
            None,
            "",
        )
    ]


def test_a_code_already_used_is_refused(as_user, cast, tree):
    response = as_user(cast.safety_officer).post(NEW, new_data(tree, code="lakemedel"))

    assert response.status_code == 400
    assert response.context["form"].errors["code"] == [
        "The code LAKEMEDEL is already used by another template: choose another."
    ]
    assert Template.objects.filter(code__iexact="lakemedel").count() == 1


def test_a_bad_line_creates_no_template(as_user, cast, tree):
    response = as_user(cast.safety_officer).post(NEW, new_data(tree, statements="# Område\nett | often | Ett\n"))

    assert response.status_code == 400
    assert response.context["form"].errors["statements"][0].startswith("Line 2: unknown answer scale")
    assert not Template.objects.filter(code="FALL-OBS").exists()


def test_a_care_provider_outside_her_scope_is_refused(as_user, cast, tree):
    response = as_user(cast.safety_officer).post(NEW, new_data(tree, care_provider=tree.municipality.pk))

    assert response.status_code == 400
    assert "care_provider" in response.context["form"].errors
    assert not Template.objects.filter(code="FALL-OBS").exists()


def test_with_several_care_providers_she_chooses_one(as_user, cast, tree):
    MembershipFactory(user=cast.safety_officer, unit=tree.municipality, role=Role.SAFETY_OFFICER)
    client = as_user(cast.safety_officer)

    choices = list(client.get(NEW).context["form"].fields["care_provider"].queryset)
    response = client.post(NEW, new_data(tree, care_provider=tree.municipality.pk))

    assert set(choices) == {tree.region, tree.municipality}
    assert response.status_code == 302
    assert Template.objects.get(code="FALL-OBS").care_provider == tree.municipality


@pytest.mark.parametrize("code", [MEDICATION, HYGIENE, PVK_KAD, RADIATION])
def test_a_copy_has_the_same_statements_as_its_source(as_user, cast, tree, code):
    source = Template.objects.get(code=code)
    client = as_user(cast.safety_officer)

    page = client.get(NEW, {"copy_from": source.pk})
    initial = page.context["form"].initial
    response = client.post(
        NEW, new_data(tree, kind=initial["kind"], statements=initial["statements"], note=initial["note"])
    )

    assert page.status_code == 200
    assert response.status_code == 302, response.context["form"].errors
    copy = Template.objects.get(code="FALL-OBS").current_version()
    assert statements_of(copy) == statements_of(source.current_version())
    assert copy.template.kind == source.kind
    assert copy.note == f"Copied from {source.title} ({source.code})."


def test_copying_an_unknown_template_says_so(as_user, cast):
    response = as_user(cast.safety_officer).get(NEW, {"copy_from": 999_999})

    assert response.status_code == 400
    assert response.context["copy_form"].errors["copy_from"]
    assert response.context["form"]["statements"].value() in ("", None)
