"""The content of the report to IVO: every part the form asks for, the patient only as age
and sex, never the personnummer (in any format) or a name."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from accounts.personnummer import luhn_check_digit
from incidents import services as incident_services
from incidents.models import CauseArea
from investigations import services as investigation_services
from investigations.models import CareInjury, Method
from lexmaria import ivo, services
from tests.lexmaria.conftest import add_action, opened, serious_incident

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")
EVENT = dt.datetime(2026, 3, 27, 14, 5, tzinfo=STOCKHOLM)
FORMS_OF_THE_NUMBER = ("19121212-1212", "191212121212", "121212-1212", "1212121212", "121212+1212")


def personnummer(yymmdd: str, serial: str, century: str = "19") -> str:
    return f"{century}{yymmdd}{serial}{luhn_check_digit(yymmdd + serial)}"


@pytest.fixture
def full_case(cast, tree):
    """A case with everything: the reporter typed the personnummer into the description."""
    incident = serious_incident(
        cast,
        tree.medicin_ward,
        occurred_at=EVENT,
        description="Pat 19121212-1212 (121212-1212) fick dubbel dos Waran och blödde.",
    )
    incident_services.patient_information_record(
        incident=incident,
        actor=cast.handler,
        informed=True,
        informed_on=dt.date(2026, 3, 28),
        informed_by="Avdelningsläkare",
        told_event=True,
        told_measures=True,
        told_complaint_provider=True,
        told_patient_board=True,
        told_complaint_ivo=True,
        told_compensation=True,
        record_note_made=True,
    )
    investigation = investigation_services.investigation_open(
        incidents=[incident], actor=cast.manager, method=Method.EVENT_ANALYSIS, reason="Allvarlig.", leader=cast.manager
    )
    investigation_services.cause_add(
        investigation=investigation,
        actor=cast.manager,
        area=CauseArea.objects.get_or_create(code="kommunikation", defaults={"name": "Kommunikation och information"})[
            0
        ],
        detail="Muntlig ordination utan återläsning",
    )
    investigation_services.patient_participation_record(
        investigation=investigation,
        actor=cast.manager,
        invited=True,
        invited_on=timezone.localdate(),
        account="Jag sa att jag redan fått min tablett, men ingen lyssnade. Mitt nummer är 191212121212.",
    )
    investigation_services.conclusions_record(
        investigation=investigation,
        actor=cast.manager,
        care_injury=CareInjury.YES,
        avoidable=True,
        serious_increased_care=True,
        conclusions="Dubbelkontroll saknades.",
    )
    add_action(cast, incident, description="Inför elektronisk dubbelkontroll", effect_class="very_effective")
    case = opened(cast, incident)
    services.investigation_link(case=case, actor=cast.safety_officer, investigation=investigation)
    services.case_decide(case=case, actor=cast.chief_physician, decision="report", motivation="Allvarlig vårdskada.")
    return case


def test_the_report_has_every_part_ivo_asks_for(cast, tree, full_case):
    with translation.override("en"):
        report = ivo.ivo_report(full_case)

    assert (report.care_provider, report.unit) == ("Region Västmanland", "Avdelning 5, medicin")
    assert report.reported_by == cast.chief_physician.get_full_name()
    [event] = report.events
    assert event.occurred_at == EVENT and "dubbel dos Waran" in event.description
    [patient] = report.consequences.patients
    assert (patient.age, patient.sex) == (113, "man")
    assert report.consequences.care_injury == "Yes, a care injury"
    assert report.consequences.serious_criteria == ["substantially increased need of care"]
    assert report.investigation.method == "Event analysis (händelseanalys)"
    assert report.investigation.conclusions == "Dubbelkontroll saknades."
    area = CauseArea.objects.get(code="kommunikation")
    assert report.causes == [f"{area.name}: Muntlig ordination utan återläsning"]
    [action] = report.actions
    assert (action.description, action.responsible, action.effect) == (
        "Inför elektronisk dubbelkontroll",
        cast.manager.get_full_name(),
        "Very effective",
    )
    [information] = report.patient_information
    assert information.informed and information.informed_on == dt.date(2026, 3, 28)
    assert len(information.told) == 6 and information.not_told == []
    assert report.patient_invited is True and "ingen lyssnade" in report.patient_account
    assert report.missing == []


def test_the_text_has_the_headings_and_never_the_personnummer_or_a_name(cast, full_case):
    with translation.override("en"):
        text = ivo.ivo_report_text(ivo.ivo_report(full_case))

    for heading in (
        "1. Care provider",
        "2. Unit",
        "3. What happened and when",
        "4. The patient and the consequences",
        "5. The investigation",
        "6. Causes",
        "7. Actions",
        "8. Information to the patient (PSL 3 kap. 8 §)",
        "9. The patient's own account",
    ):
        assert heading in text
    assert "Age at the event: 113 years. Sex: man." in text
    assert "2026-03-27 14:05" in text
    assert f"Responsible: {cast.manager.get_full_name()}. Due:" in text
    assert "[identity number removed]" in text
    for form in FORMS_OF_THE_NUMBER:
        assert form not in text, form
    # Nobody but the people who answer for the case is named: not the reporter, not the handler.
    for person in (cast.reporter, cast.handler):
        assert person.get_full_name() not in text and person.username not in text


def test_the_text_in_the_default_language_has_no_personnummer_either(full_case):
    text = ivo.ivo_report_text(ivo.ivo_report(full_case))
    assert text.startswith("Lex Maria")
    assert "19121212" not in text


@pytest.mark.parametrize(
    ("born", "serial", "event", "age", "sex"),
    [
        ("500328", "124", dt.datetime(2026, 3, 27, 10, tzinfo=STOCKHOLM), 75, "woman"),  # the day before the birthday
        ("500327", "124", dt.datetime(2026, 3, 27, 10, tzinfo=STOCKHOLM), 76, "woman"),  # on the birthday
        ("500387", "133", dt.datetime(2026, 3, 27, 10, tzinfo=STOCKHOLM), 76, "man"),  # samordningsnummer (day + 60)
        # just after midnight Swedish time is still the 27th in UTC's 26th: the local date counts
        ("500327", "124", dt.datetime(2026, 3, 27, 0, 30, tzinfo=STOCKHOLM), 76, "woman"),
    ],
)
def test_age_at_the_event_and_sex_come_from_the_personnummer(cast, tree, born, serial, event, age, sex):
    incident = serious_incident(
        cast, tree.medicin_ward, occurred_at=event, patient_identifier=personnummer(born, serial)
    )
    with translation.override("en"):
        patient = ivo.patient_of(incident)
    assert (patient.age, patient.sex) == (age, sex)


def test_what_is_missing_is_listed(cast, tree):
    incident = serious_incident(cast, tree.medicin_ward, patient_identifier="")
    incident.patient_involved = True
    incident.save(update_fields=["patient_involved"])
    case = opened(cast, incident)

    with translation.override("en"):
        report = ivo.ivo_report(case)
        text = ivo.ivo_report_text(report)

    assert report.missing == [
        "The patient's personal identity number is not recorded: age and sex cannot be given.",
        "No investigation is linked: the report will say that it follows later.",
        "There are no actions: the report to IVO must say what will be done, by whom and when.",
        f"{incident.reference}: record whether and how the patient was informed (PSL 3 kap. 8 §).",
    ]
    assert "The investigation follows later." in text
    assert "No actions have been decided." in text


def test_without_an_investigation_the_incidents_causes_are_given(cast, tree, incident):
    area = CauseArea.objects.get_or_create(code="procedurer", defaults={"name": "Procedurer"})[0]
    incident_services.cause_add(incident=incident, actor=cast.handler, area=area, detail="Ingen rutin")
    case = opened(cast, incident)
    assert ivo.ivo_report(case).causes == [f"{area.name}: Ingen rutin"]


def test_redaction_keeps_dates_and_phone_numbers():
    with translation.override("en"):
        redacted = ivo.redact("Den 2026-03-27 ring 021-17 30 00, inte 19121212-1212.")
    assert redacted == "Den 2026-03-27 ring 021-17 30 00, inte [identity number removed]."
