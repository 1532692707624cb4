"""Authorization-matrix rows: the complaint pages (issue 17).

Each row's `kwargs` runs once per actor, on a fresh complaint the region's patientnämnd sent
about Avdelning 5 (Medicinkliniken), registered by its officer and brought to the state the
operation needs by the complaint handler of Medicinkliniken, its version set to 1.

Besides the named cast, every row is sent by the complaint cast (`World.ccast`, the `extra`
columns): the complaint handler of Medicinkliniken (handles it), of Ortopedkliniken (another
unit) and of Hemsjukvården (another care provider), the officer of the nämnd that sent it and
of another region's nämnd.

Who sees it (else 404): the complaint handler of Medicinkliniken, the manager of
Medicinkliniken, the region's chief physician and patient-safety officer (their units'
complaints), and the officer of the nämnd that sent it (her view). Who handles it (else 403):
the complaint handler alone. The complainant's contact details: the handler alone. The
reporter role, the incident handlers, the statistics-only viewer and the administrator see
nothing of it.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from complaints import services
from complaints.models import Complaint, ComplaintIncident
from tests.authorization.matrix import LOGIN, Row, World, signed_in
from tests.complaints.conftest import from_board

TODAY = timezone.localdate().isoformat()

# fmt: off
# Columns:  anon   rep  hnd  mgr  hndO mgrO chf  so   ind  view adm  mas  munH out
SEE =      (LOGIN, 404, 404, 200, 404, 404, 200, 200, 404, 404, 404, 404, 404, 404)
HANDLE =   (LOGIN, 404, 404, 403, 404, 404, 403, 403, 404, 404, 404, 404, 404, 404)
# The complaint cast: handler, handler of another unit, of another provider, the nämnd that
# sent it, another nämnd.
SEE_X = {"complaint_handler": 200, "complaint_handler_orto": 404, "complaint_handler_muni": 404,
         "board_officer": 200, "other_board_officer": 404}
HANDLE_X = {**SEE_X, "complaint_handler": 302, "board_officer": 403}
STAFF_ONLY_X = {**SEE_X, "board_officer": 403}
HANDLER_ONLY_X = {**SEE_X, "board_officer": 403}
# Lists for holders of complaint.view (managers, chief physicians, the safety team, the MAS),
# complaint handlers and nämnd officers.
LISTS = signed_in(403, anonymous=LOGIN, manager=200, manager_orto=200, chief_physician=200, safety_officer=200,
                  mas=200)
ALL_X = dict.fromkeys(SEE_X, 200)
HANDLERS_X = {**dict.fromkeys(SEE_X, 200), "board_officer": 403, "other_board_officer": 403}
# Registering: complaint handlers and nämnd officers get the form (an empty POST: 400).
REGISTER = signed_in(403, anonymous=LOGIN)
# Statistics: complaint.stats (the viewer too), never the reporter, incident handlers or nämnder.
STATS = signed_in(403, anonymous=LOGIN, manager=200, manager_orto=200, chief_physician=200, safety_officer=200,
                  viewer=200, mas=200)
STATS_X = {**dict.fromkeys(SEE_X, 200), "board_officer": 403, "other_board_officer": 403}
# fmt: on


def _at_version_1(complaint: Complaint, **extra) -> dict:
    Complaint.objects.filter(pk=complaint.pk).update(version=1)
    return {"pk": complaint.pk, **extra}


def _received(w: World) -> Complaint:
    return from_board(w.ccast, w.tree.medicin_ward)


def received(w: World) -> dict:
    return _at_version_1(_received(w))


def taken(w: World) -> dict:
    complaint = services.complaint_investigate(complaint=_received(w), actor=w.ccast.handler)
    return _at_version_1(complaint)


def paused(w: World) -> dict:
    complaint = services.complaint_pause(complaint=_received(w), actor=w.ccast.handler, reason="Väntar på journal.")
    return _at_version_1(complaint)


def answered(w: World) -> dict:
    complaint = services.complaint_answer(
        complaint=_received(w),
        actor=w.ccast.handler,
        answered_on=timezone.localdate(),
        way="letter",
        letter={"answer_what_happened": "Operationen ställdes in på grund av ett akut fall."},
    )
    return _at_version_1(complaint)


def closed(w: World) -> dict:
    complaint = Complaint.objects.get(pk=answered(w)["pk"])
    return _at_version_1(services.complaint_close(complaint=complaint, actor=w.ccast.handler))


def _page(name: str) -> str:
    return f"complaints:{name}"


def _post(name: str, kwargs, data: dict, **extra) -> Row:
    return Row(_page(name), "POST", HANDLE, kwargs=kwargs, data={"version": 1, **data}, extra=HANDLE_X, **extra)


def assign_data(w: World) -> dict:
    return {**received(w), "_data": {"version": 1, "handler": w.ccast.handler.username}}


def action_data(w: World) -> dict:
    due = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    data = {
        "version": 1,
        "description": "Informera om förseningar i väntrummet.",
        "responsible": w.cast.manager.username,
        "due_date": due,
        "effect_class": "limited",
    }
    return {**taken(w), "_data": data}


def edit_data(w: World) -> dict:
    data = {
        "version": 1,
        "channel": "patient_board",
        "complainant_type": "patient",
        "received_on": (timezone.localdate() - dt.timedelta(days=2)).isoformat(),
        "unit": w.tree.medicin_ward.pk,
        "area": "care",
        "subarea": "treatment",
        "summary": "Missnöjd med behandlingen",
        "description": "Jag väntade i fyra timmar och ingen sa något.",
        "board_reference": "PN-2026-0042",
    }
    return {**taken(w), "_data": data}


def _with_incident(w: World) -> tuple[Complaint, ComplaintIncident]:
    complaint = Complaint.objects.get(pk=taken(w)["pk"])
    services.incident_create(
        complaint=complaint,
        actor=w.ccast.handler,
        fields={"description": "Operationen ställdes in utan besked.", "occurred_at": timezone.now()},
    )
    return complaint, ComplaintIncident.objects.get(complaint=complaint)


def with_incident(w: World) -> dict:
    complaint, link = _with_incident(w)
    return _at_version_1(complaint, item=link.pk)


def with_external(w: World) -> dict:
    complaint = Complaint.objects.get(pk=taken(w)["pk"])
    case = services.external_add(
        complaint=complaint,
        actor=w.ccast.handler,
        kind="lof",
        external_reference="LÖF 2026/1234",
        received_on=timezone.localdate(),
        question="Ersättning för förlängd sjukskrivning.",
        due_on=timezone.localdate() + dt.timedelta(days=21),
    )
    return _at_version_1(complaint, item=case.pk)


def link_data(w: World) -> dict:
    from tests.incidents.conftest import report

    incident = report(w.cast.reporter, w.tree.medicin_ward)
    return {**taken(w), "_data": {"version": 1, "reference": incident.reference}}


NOW = timezone.localtime().replace(microsecond=0) - dt.timedelta(hours=3)

# fmt: off
ROWS: list[Row] = [
    Row(_page("list"), "GET", LISTS, extra=ALL_X),
    Row(_page("mine"), "GET", signed_in(403, anonymous=LOGIN), extra=HANDLERS_X),
    Row(_page("export"), "GET", LISTS, query="format=csv", extra=ALL_X),
    Row(_page("new"), "GET", REGISTER, extra=ALL_X),
    Row(_page("new"), "POST", REGISTER, extra=dict.fromkeys(SEE_X, 400), label="an empty form"),
    Row(_page("statistics"), "GET", STATS, extra=STATS_X),
    Row(_page("detail"), "GET", SEE, kwargs=received, extra=SEE_X),
    Row(_page("letter-pdf"), "GET", SEE, kwargs=answered, extra=SEE_X, label="answered: the nämnd reads the answer"),
    Row(_page("letter-pdf"), "GET", SEE, kwargs=received, extra=STAFF_ONLY_X, label="a draft: staff only"),
    Row(_page("show-patient"), "POST", (LOGIN, 404, 404, 200, 404, 404, 200, 200, 404, 404, 404, 404, 404, 404),
        kwargs=received, extra=STAFF_ONLY_X),
    Row(_page("show-contact"), "POST", HANDLE, kwargs=received, extra={**HANDLER_ONLY_X, "complaint_handler": 200}),
    _post("take", received, {}),
    Row(_page("assign"), "POST", HANDLE, kwargs=assign_data, extra=HANDLE_X),
    _post("acknowledge", received, {"acknowledged_on": TODAY}),
    _post("investigate", received, {}),
    _post("pause", received, {"reason": "Väntar på journal från kommunen."}),
    _post("resume", paused, {}),
    _post("letter", taken, {"answer_what_happened": "Operationen ställdes in."}),
    _post("answer", taken, {"answered_on": TODAY, "answer_way": "letter", "answer_what_happened": "Ett akut fall."}),
    _post("close", answered, {}),
    _post("reopen", closed, {"reason": "Hon skrev igen."}),
    _post("forward", taken, {"to": "Västerås stad"}),
    _post("withdraw", taken, {"reason": "Dubblett."}),
    Row(_page("edit"), "POST", HANDLE, kwargs=edit_data, extra=HANDLE_X),
    _post("contact", taken, {"name": "Karin Klagande", "phone": "070-1234567"}),
    Row(_page("action-add"), "POST", HANDLE, kwargs=action_data, extra=HANDLE_X),
    _post("incident-create", taken, {"description": "Operationen ställdes in utan besked.",
                                     "occurred_at": NOW.strftime("%Y-%m-%dT%H:%M"), "reported_kind": "happened"}),
    # The complaint handler sees the incident the nurse reported only through the complaint,
    # which it is not linked to yet: "no incident you may see" (400).
    Row(_page("incident-link"), "POST", HANDLE, kwargs=link_data, label="an incident the handler may not see",
        extra={**HANDLE_X, "complaint_handler": 400}),
    _post("incident-lex-maria", with_incident, {"reason": "Patienten fick en allvarlig skada."}),
    _post("incident-investigation", with_incident, {"reason": "Behöver utredas."}),
    _post("external-add", taken, {"kind": "ivo", "external_reference": "3.5.1-12345/2026", "received_on": TODAY}),
    _post("external-update", with_external, {"statement": "Vårdgivarens yttrande.", "statement_sent_on": TODAY}),
]
# fmt: on


# --- The API ------------------------------------------------------------------------------------

# fmt: off
# Columns:  anon rep  hnd  mgr  hndO mgrO chf  so   ind  view adm  mas  munH out
API_SEE =  (401, 404, 404, 200, 404, 404, 200, 200, 404, 404, 404, 404, 404, 404)
API_HANDLE = (401, 404, 404, 403, 404, 404, 403, 403, 404, 404, 404, 404, 404, 404)
API_HANDLE_X = {**SEE_X, "complaint_handler": 200, "board_officer": 403}
API_CREATED_X = {**API_HANDLE_X, "complaint_handler": 201}
# fmt: on


def _api(name: str) -> str:
    return f"api:complaint-{name}"


def _api_post(name: str, kwargs, data: dict, *, created: bool = False, **extra) -> Row:
    return Row(
        _api(name),
        "POST",
        API_HANDLE,
        kwargs=kwargs,
        data={"version": 1, **data},
        extra=API_CREATED_X if created else API_HANDLE_X,
        **extra,
    )


def api_with_incident(w: World) -> dict:
    complaint, link = _with_incident(w)
    return _at_version_1(complaint, incident_pk=link.incident_id)


def api_with_external(w: World) -> dict:
    kwargs = with_external(w)
    return {"pk": kwargs["pk"], "external_pk": kwargs["item"]}


def api_register(w: World) -> dict:
    data = {
        "channel": "letter",
        "complainant_type": "patient",
        "received_on": TODAY,
        "unit": w.tree.medicin_ward.pk,
        "area": "communication",
        "summary": "Fick ingen information",
        "description": "Ingen berättade något.",
    }
    return {"_data": data}


def api_assign(w: World) -> dict:
    return {**received(w), "_data": {"version": 1, "handler": w.ccast.handler.pk}}


def api_action(w: World) -> dict:
    kwargs = action_data(w)
    data = {**kwargs["_data"], "responsible": w.cast.manager.pk}
    return {**kwargs, "_data": data}


LIST_X = dict.fromkeys(SEE_X, 200)

# fmt: off
ROWS += [
    Row(_api("list"), "GET", signed_in(200, anonymous=401), extra=LIST_X, label="narrowed to what each may see"),
    # Registering in Avdelning 5: its complaint handler (201); everyone else may not there (403);
    # a nämnd's officer registers only with her nämnd's number and date (400 naming them).
    Row(_api("list"), "POST", signed_in(403, anonymous=401), kwargs=api_register,
        extra={**dict.fromkeys(SEE_X, 403), "complaint_handler": 201, "board_officer": 400,
               "other_board_officer": 400}),
    Row(_api("detail"), "GET", API_SEE, kwargs=received, extra=SEE_X),
    Row(_api("detail"), "PATCH", API_HANDLE, kwargs=taken, data={"version": 1, "summary": "Ny rubrik"},
        extra=API_HANDLE_X),
    _api_post("acknowledge", received, {}),
    _api_post("investigate", received, {}),
    _api_post("pause", received, {"reason": "Väntar på journal."}),
    _api_post("resume", paused, {}),
    _api_post("letter", taken, {"answer_what_happened": "Operationen ställdes in."}),
    _api_post("answer", taken, {"answered_on": TODAY, "answer_way": "letter",
                                "answer_what_happened": "Ett akut fall."}),
    _api_post("close", answered, {}),
    _api_post("reopen", closed, {"reason": "Hon skrev igen."}),
    _api_post("forward", taken, {"to": "Västerås stad"}),
    _api_post("withdraw", taken, {"reason": "Dubblett."}),
    Row(_api("assign"), "POST", API_HANDLE, kwargs=api_assign, extra=API_HANDLE_X),
    Row(_api("patient"), "GET", API_SEE, kwargs=received, extra={**SEE_X, "board_officer": 403}),
    Row(_api("contact"), "GET", API_HANDLE, kwargs=received, extra=API_HANDLE_X),
    Row(_api("contact"), "PUT", API_HANDLE, kwargs=received, data={"version": 1, "phone": "070-1234567"},
        extra=API_HANDLE_X),
    Row(_api("timeline"), "GET", API_SEE, kwargs=received, extra={**SEE_X, "board_officer": 403}),
    Row(_api("incidents"), "GET", API_SEE, kwargs=lambda w: {"pk": with_incident(w)["pk"]}, extra=STAFF_ONLY_X),
    _api_post("incidents", taken, {"description": "Operationen ställdes in utan besked.",
                                   "occurred_at": NOW.isoformat()}, created=True),
    _api_post("incident-request-lex-maria", api_with_incident, {"reason": "Allvarlig skada."}),
    _api_post("incident-request-investigation", api_with_incident, {"reason": "Behöver utredas."}),
    Row(_api("external-cases"), "GET", API_SEE, kwargs=lambda w: {"pk": with_external(w)["pk"]},
        extra=STAFF_ONLY_X),
    _api_post("external-cases", taken, {"kind": "ivo", "external_reference": "3.5.1-12345/2026",
                                        "received_on": TODAY}, created=True),
    Row(_api("external-case-detail"), "PATCH", API_HANDLE, kwargs=api_with_external,
        data={"version": 1, "statement": "Vårdgivarens yttrande."}, extra=API_HANDLE_X),
    Row(_api("actions"), "GET", API_SEE, kwargs=action_data, extra={**SEE_X, "board_officer": 403}),
    Row(_api("actions"), "POST", API_HANDLE, kwargs=api_action, extra=API_CREATED_X),
]
# fmt: on
