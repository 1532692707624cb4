"""Taxonomies are seeded from DOMAIN.md and editable by the administrator."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from incidents.models import Category, CauseArea, ProviderSettings

pytestmark = pytest.mark.django_db


def test_the_default_taxonomies_are_seeded():
    assert CauseArea.objects.count() == 7
    assert Category.objects.filter(code="lakemedel-administrering", parent__code="behandling").exists()
    assert Category.objects.filter(case_type="work_environment").count() >= 4
    default = ProviderSettings.objects.get(care_provider__isnull=True)
    assert default.late_report_hours == 72
    assert [default.risk_level(score) for score in (1, 3, 4, 6, 8, 9, 12, 16)] == [
        "Låg",
        "Låg",
        "Måttlig",
        "Måttlig",
        "Hög",
        "Hög",
        "Mycket hög",
        "Mycket hög",
    ]


def test_a_care_provider_can_have_its_own_settings(tree):
    own = ProviderSettings.objects.create(care_provider=tree.municipality, late_report_hours=24)
    assert ProviderSettings.for_unit(tree.hemsjukvard) == own
    assert ProviderSettings.for_unit(tree.medicin_ward).care_provider is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("probability_labels", ["a", "b", "c"]),
        ("consequence_labels", ["a", "b", "c", ""]),
        ("risk_levels", [[4, "Måttlig"], [1, "Låg"]]),
        ("risk_levels", []),
    ],
)
def test_a_malformed_risk_matrix_is_refused(tree, field, value):
    settings = ProviderSettings(care_provider=tree.municipality, **{field: value})
    with pytest.raises(ValidationError) as excinfo:
        settings.full_clean()
    assert field in excinfo.value.message_dict


def test_the_admin_edits_taxonomies_but_never_deletes_them(cast, login):
    client = login(cast.admin)
    category = Category.objects.get(code="fall")
    response = client.post(
        f"/admin/incidents/category/{category.pk}/change/",
        {
            "name": category.name,
            "code": category.code,
            "case_type": category.case_type,
            "parent": category.parent_id,
            "sort": 5,
            "is_active": "",
        },
    )
    assert response.status_code == 302
    category.refresh_from_db()
    assert not category.is_active
    assert client.get(f"/admin/incidents/category/{category.pk}/delete/").status_code == 403
