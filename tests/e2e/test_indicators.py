"""Indicators and statistics in the browser: a measurement owner imports a file and finds it
on the dashboard; a manager of the region drills from the region to a clinic, in the
indicators and in the incident statistics; the charts draw under the Content Security
Policy; axe finds no serious problem on these pages, on a desk and on a phone."""

from __future__ import annotations

import pytest

from accounts.roles import Role
from indicators.models import Measurement
from tests.e2e.helpers import picture, serious_violations
from tests.factories import MembershipFactory, UserFactory
from tests.incidents.conftest import report
from tests.indicators.conftest import measure, month

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _console_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return errors


def test_a_measurement_owner_imports_a_file_and_sees_it_on_the_dashboard(
    page, live_server, cast, tree, sign_in, tmp_path
):
    content = (
        "indikator;enhet;period_fran;period_till;taljare;namnare\r\n"
        f"BHK;{tree.medicin_ward.pk};2025-03-01;2025-03-31;74;100\r\n"
        f"BHK;{tree.medicin_ward.pk};2025-09-01;2025-09-30;86;100\r\n"
        f"VRI;{tree.medicin_ward.pk};2025-05-15;;2;40\r\n"
    )
    path = tmp_path / "matningar.csv"
    path.write_bytes(content.encode("utf-8-sig"))
    sign_in(page, cast.indicator_editor)

    # Indicators are in the menu's follow-up group: open it, then the entry.
    page.locator(".site-nav summary", has_text="Uppföljning").click()
    page.get_by_role("link", name="Indikatorer").first.click()
    page.get_by_role("link", name="Importera mätningar").click()
    assert not serious_violations(page)
    page.set_input_files("#id_file", str(path))
    page.get_by_role("button", name="Visa förhandsgranskningen").click()
    assert "Importen lägger till 3 nya mätningar" in page.locator("main").inner_text()
    assert not serious_violations(page)
    page.get_by_role("button", name="Importera").click()
    assert "Importerat: 3 nya, 0 rättade, 0 oförändrade." in page.locator("main").inner_text()
    assert Measurement.objects.count() == 3

    page.goto(f"{live_server.url}/indikatorer/?enhet={tree.medicin.pk}&period=half_year&datum=2025-07-01")
    row = page.locator("#indicators tr", has_text="basala hygienrutiner")
    assert "86,0" in row.inner_text()
    assert "Målet uppfyllt" not in row.inner_text()  # 86 % is below the 90 % target
    assert "Målet ej uppfyllt" in row.inner_text()
    assert "bättre" in row.inner_text()  # from 74 % in the spring
    assert not serious_violations(page)


def test_a_manager_drills_from_the_region_to_a_clinic(page, phone_page, live_server, cast, tree, sign_in):
    chief = UserFactory(username="omradeschef", first_name="Områdes", last_name="Chef")
    MembershipFactory(user=chief, unit=tree.region, role=Role.MANAGER)
    so = cast.safety_officer
    for number, (num, den) in enumerate([(70, 100), (75, 100), (80, 100)], start=1):
        measure(so, "BHK", tree.medicin_ward, *month(2025, number * 3), num, den)
        measure(so, "BHK", tree.orto_ward, *month(2025, number * 3), num + 10, den)
    for _ in range(3):
        report(cast.reporter, tree.medicin_ward)
    report(cast.reporter, tree.orto_ward)
    errors = _console_errors(page)
    sign_in(page, chief)

    # The indicators: from the region down to Medicinkliniken, for one indicator.
    page.goto(
        f"{live_server.url}/indikatorer/BHK/?enhet={tree.region.pk}&period=quarter&fran=2025-01-01&till=2025-12-31"
    )
    page.wait_for_selector(".chart svg")
    assert not serious_violations(page)
    page.locator("#drill").get_by_role("link", name=tree.forvaltning.name).click()
    page.locator("#drill").get_by_role("link", name=tree.akut.name).click()
    page.locator("#drill").get_by_role("link", name=tree.medicin.name).click()
    assert tree.medicin.name in page.locator("h1 + .breadcrumb, .breadcrumb").last.inner_text()
    series = page.locator("#series").inner_text()
    assert "2025 K1" in series and "70,0" in series
    picture(page, "indicator-medicine")

    # The incident statistics: the same way down, with the clinic's own counts.
    page.goto(f"{live_server.url}/statistik/?enhet={tree.region.pk}")
    page.wait_for_selector(".chart svg")
    assert not serious_violations(page)
    page.locator("#units").get_by_role("link", name=tree.forvaltning.name, exact=True).click()
    page.locator("#units").get_by_role("link", name=tree.akut.name, exact=True).click()
    units = page.locator("#units").inner_text()
    assert "Medicinkliniken" in units and "3" in units
    picture(page, "stats-area")
    assert not [e for e in errors if "Content Security Policy" in e]

    # On a phone the dashboards have no serious problem either.
    sign_in(phone_page, chief)
    for url in (
        f"/indikatorer/?enhet={tree.region.pk}",
        f"/statistik/?enhet={tree.region.pk}",
        f"/indikatorer/styrelsetabell/?enhet={tree.region.pk}",
    ):
        phone_page.goto(f"{live_server.url}{url}")
        assert not serious_violations(phone_page), url


def test_the_run_chart_draws_its_points_median_and_signals(page, live_server, cast, tree, sign_in):
    so = cast.safety_officer
    for number, observed in enumerate([70, 71, 69, 72, 70, 71, 88, 90, 89, 91, 90, 92], start=1):
        measure(so, "BHK", tree.medicin_ward, *month(2025, number), observed, 100)
    errors = _console_errors(page)
    sign_in(page, cast.manager)

    page.goto(
        f"{live_server.url}/indikatorer/BHK/?enhet={tree.medicin.pk}&period=month&fran=2025-01-01&till=2025-12-31"
    )
    page.wait_for_selector(".chart svg")

    chart = page.locator(".chart[data-chart='run-chart']")
    assert chart.get_attribute("role") == "img"
    described_by = chart.get_attribute("aria-describedby")
    description = page.locator(f"#{described_by}").inner_text()
    assert description.startswith("Seriediagram:") and "Median 80." in description and "NaN" not in description
    svg = chart.locator("svg")
    texts = svg.locator("text").all_text_contents()
    assert "median" in texts  # the median line's label
    assert svg.locator("path").count() > 12  # the line, its points and the marked signals
    assert not svg.get_attribute("aria-label")  # ECharts' own (English) description is off
    signals = page.locator("#signals").inner_text()
    assert "Skift" in signals and "2025-07–2025-12" in signals
    assert not serious_violations(page)
    assert not [e for e in errors if "Content Security Policy" in e or "NaN" in e]
    picture(page, "run-chart")
