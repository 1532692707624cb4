"""How the OpenAPI schema names and describes operations (docs/api.md, "Generated clients").

A generated client turns each `operationId` into a function and each description into its
docstring, so both must say what the operation does:

- A transition (`POST /incidents/{id}/take/`) is named by what it does, `incidents_take`, not
  drf-spectacular's `incidents_take_create` (`transition_names`). Adding to a sub-collection
  (`/incidents/{id}/comments/`, `/investigations/{id}/causes/` beside `…/causes/{cause_pk}/`)
  keeps its `…_create`.
- An operation without a description of its own gets its summary, never a docstring inherited
  from a mixin of the viewset (which described the error handling, not the operation).
- A path id matched by `[0-9]+` is an integer, not a string with a pattern.

Kept apart from psweb.api because DRF reads DEFAULT_SCHEMA_CLASS while psweb.api is imported.
"""

from __future__ import annotations

import inspect

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema


class AutoSchema(SpectacularAutoSchema):
    def get_description(self):
        action = getattr(self.view, "action", None) or self.method.lower()
        handler = getattr(self.view, action, None)
        own = [inspect.getdoc(handler)] if handler is not None and handler.__doc__ else []
        if type(self.view).__doc__:
            own.append(inspect.cleandoc(type(self.view).__doc__))
        return own[0] if own else (self.get_summary() or "")


def integer_ids(result, generator, request, public):
    """drf-spectacular postprocessing hook: path ids matched by `[0-9]+` are integers."""
    for item in result.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter.get("in") == "path" and schema.get("pattern") == "^[0-9]+$":
                    parameter["schema"] = {"type": "integer"}
    return result


def transition_names(result, generator, request, public):
    """drf-spectacular postprocessing hook: `POST …/{id}/<verb>/` is `<resource>_<verb>`.

    A POST is a transition when its path is below a resource and is no collection: nothing is
    read from it (no GET) and nothing lives under it."""
    paths = result.get("paths", {})
    for path, item in paths.items():
        operation = item.get("post")
        if not operation or not operation.get("operationId", "").endswith("_create"):
            continue
        if len(path.removeprefix("/api/v1/").strip("/").split("/")) < 2 or "get" in item:
            continue
        if any(other != path and other.startswith(path) for other in paths):
            continue
        operation["operationId"] = operation["operationId"].removesuffix("_create")
    return result


# One realistic request per create and transition, in Swedish as a Swedish care provider's
# integration would send it. Ids are those of a small demo organisation; `version` is the one
# the client last read. Applied to the schema by `request_examples`.
_V = {"version": 4}
_REASON = "Händelsen behöver utredas vidare av verksamheten."
REQUEST_EXAMPLES: dict[str, tuple[str, object]] = {
    "incidents_create": (
        "En avvikelse från en vårdavdelning",
        {
            "unit": 12,
            "occurred_at": "2026-03-14T21:40:00+01:00",
            "description": "Patienten fick sin kvällsdos Waran två gånger; upptäcktes vid överrapporteringen.",
            "immediate_actions": "Jourläkare kontaktad, INR kontrolleras i morgon bitti.",
            "suggested_improvement": "Signera direkt i läkemedelslistan vid utdelning.",
            "case_type": "care",
            "reported_kind": "happened",
            "patient_involved": True,
            "patient_identifier": "191212121212",
        },
    ),
    "incidents_partial_update": ("Komplettera ett utkast", {**_V, "description": "Patienten föll vid sängkanten."}),
    "incidents_submit": ("Skicka utkastet", _V),
    "incidents_withdraw": ("Återkalla", {**_V, "reason": "Rapporterad två gånger; se AV-2026-000187."}),
    "incidents_take": ("Ta ärendet", _V),
    "incidents_assign": ("Tilldela en handläggare", {**_V, "handler": 31}),
    "incidents_classify": (
        "Klassificera",
        {**_V, "category": 7, "event_class": "harm", "case_type": "care"},
    ),
    "incidents_title": ("Kort rubrik", {**_V, "title": "Dubbel dos Waran på kvällen"}),
    "incidents_assess_risk": ("Riskbedömning", {**_V, "probability": 2, "consequence": 3}),
    "incidents_forward": (
        "Fråga en annan enhet",
        {
            **_V,
            "kind": "ask",
            "to_unit": 18,
            "message": "Apoteket: kan ni se om dosrullen från i tisdags var rätt packad?",
            "answer_due": "2026-03-28",
        },
    ),
    "incidents_request_investigation": ("Begär utredning", {**_V, "reason": _REASON}),
    "incidents_request_lex_maria": (
        "Begär Lex Maria-bedömning",
        {**_V, "reason": "Patienten fick en allvarlig blödning; risk för allvarlig vårdskada."},
    ),
    "incidents_patient_information": (
        "Patienten är informerad",
        {
            "informed": True,
            "informed_on": "2026-03-15",
            "informed_by": "Avdelningsläkare Sara Ek",
            "told_event": True,
            "told_measures": True,
            "told_complaint_provider": True,
            "told_patient_board": True,
            "told_complaint_ivo": True,
            "told_compensation": True,
            "record_note_made": True,
        },
    ),
    "incidents_feedback": (
        "Återkoppling till rapportören",
        {**_V, "text": "Tack för din rapport. Vi inför dubbelkontroll av antikoagulantia vid kvällsutdelningen."},
    ),
    "incidents_close": ("Avsluta", _V),
    "incidents_reopen": ("Öppna igen", {**_V, "reason": "Nya uppgifter från patientnämnden."}),
    "incidents_comments_create": ("Kommentar", {"text": "Har pratat med nattpersonalen.", "to_reporter": False}),
    "incidents_causes_create": ("Orsak", {"area": 3, "detail": "Läkemedelslistan signerades inte vid utdelningen."}),
    "incidents_actions_create": (
        "Åtgärd",
        {
            "description": "Inför dubbelkontroll av antikoagulantia vid kvällens läkemedelsutdelning.",
            "responsible": 31,
            "due_date": "2026-04-30",
            "effect_class": "effective",
            "causes": [55],
            "shown_to_reporter": True,
        },
    ),
    "incidents_actions_partial_update": (
        "Åtgärden är genomförd",
        {"version": 2, "state": "done", "progress_note": "Rutinen gäller från 1 april."},
    ),
    "audit_responses_answers_update": (
        "Svara på ett påstående",
        {"value": "missing", "comment": "Rutinen är inte fastställd."},
    ),
    "audit_responses_submit": ("Skicka in", _V),
    "audit_responses_approve": ("Godkänn", _V),
    "audit_responses_return": ("Returnera", {**_V, "reason": "Kommentera svaret om svinn."}),
    "audit_responses_actions": (
        "Åtgärd",
        {
            "description": "Inför en rutin för svinnrapportering.",
            "responsible": 31,
            "due_date": "2026-04-30",
            "statement": "svinn",
        },
    ),
    "actions_partial_update": (
        "Åtgärden har påbörjats",
        {"version": 2, "state": "in_progress", "progress_note": "Utbildning planerad vecka 15."},
    ),
    "incidents_forwards_answer": ("Svar", {"answer": "Dosrullen var rätt packad; felet uppstod på avdelningen."}),
    "investigations_create": (
        "Starta en händelseanalys",
        {"incidents": [187], "method": "event_analysis", "reason": _REASON, "title": "Dubbel dos Waran", "leader": 44},
    ),
    "investigations_actions_create": (
        "Åtgärd",
        {"description": "Revidera rutinen för läkemedelsutdelning.", "responsible": 31, "due_date": "2026-06-30"},
    ),
    "investigations_actions_evaluate": (
        "Uppföljning",
        {"carried_out": True, "outcome": "worked", "evidence": "Inga nya avvikelser på tre månader."},
    ),
    "investigations_causes_create": (
        "Orsak",
        {"area": 3, "detail": "Stress vid kvällsutdelningen; två sjukskrivna.", "contributing": True},
    ),
    "investigations_close": ("Avsluta", _V),
    "investigations_conclusions": (
        "Slutsatser",
        {
            **_V,
            "care_injury": "yes",
            "avoidable": True,
            "serious_permanent": False,
            "serious_increased_care": True,
            "serious_death": False,
            "conclusions": "Vårdskadan hade kunnat undvikas med dubbelkontroll.",
        },
    ),
    "investigations_costs": ("Kostnader", {**_V, "extra_care_days": "2.0", "cost_per_care_day": 9500}),
    "investigations_course_create": (
        "Händelseförlopp",
        {"at": "2026-03-14T21:40:00+01:00", "description": "Kvällsdosen delades ut av två olika sjuksköterskor."},
    ),
    "investigations_follow_up": ("Följ upp", _V),
    "investigations_leader": ("Utse analysledare", {**_V, "leader": 44}),
    "investigations_link_incident": ("Koppla en avvikelse", {**_V, "incident": 190}),
    "investigations_method": (
        "Byt metod",
        {**_V, "method": "event_analysis", "reason": "Allvarligare än först bedömt."},
    ),
    "investigations_patient_participation": (
        "Patientens medverkan",
        {**_V, "invited": True, "invited_on": "2026-03-20", "account": "Patienten beskrev förloppet per telefon."},
    ),
    "investigations_report_ready": ("Rapporten är klar", _V),
    "investigations_resume": ("Återuppta", {**_V, "reason": "Nya uppgifter om förloppet."}),
    "investigations_start": ("Starta", _V),
    "investigations_team_create": ("Lägg till i teamet", {**_V, "user": 52, "role": "Sjuksköterska, avdelning 5"}),
    "investigations_requests_decline": ("Avböj", {**_V, "reason": "Utreds redan i VU-2026-000012."}),
    "lexmaria_create": ("Öppna ett Lex Maria-ärende", {"incidents": [187], "reason": "Allvarlig blödning."}),
    "lexmaria_actions": (
        "Åtgärd",
        {
            "description": "Dubbelkontroll av antikoagulantia i hela regionen.",
            "responsible": 31,
            "due_date": "2026-09-30",
        },
    ),
    "lexmaria_close": ("Avsluta", _V),
    "lexmaria_decide": (
        "Beslut: anmäl",
        {**_V, "decision": "report", "motivation": "Händelsen medförde en allvarlig vårdskada (PSL 3 kap. 5 §)."},
    ),
    "lexmaria_ivo_decision": (
        "IVO:s beslut",
        {**_V, "kind": "closed_without_criticism", "decided_on": "2026-10-02", "text": "IVO avslutar ärendet."},
    ),
    "lexmaria_link_incident": ("Koppla en avvikelse", {**_V, "incident": 190}),
    "lexmaria_link_investigation": ("Koppla en utredning", {**_V, "investigation": 12}),
    "lexmaria_mark_reported": ("Anmäld till IVO", {**_V, "ivo_reference": "3.7.1-12345/2026", "sent_on": "2026-05-02"}),
    "lexmaria_owner": ("Ny ansvarig", {**_V, "owner": 61}),
    "lexmaria_promised_actions_follow_up": (
        "Uppföljning av utlovade åtgärder",
        {**_V, "carried_out": True, "effect_class": "effective", "evidence": "Rutinen är införd på alla avdelningar."},
    ),
    "lexmaria_reopen": ("Öppna igen", {**_V, "reason": "IVO begär komplettering."}),
    "lexmaria_supplement_request": (
        "IVO begär komplettering",
        {**_V, "what": "Tidsplan för åtgärderna.", "requested_on": "2026-06-01", "due_on": "2026-06-22"},
    ),
    "lexmaria_supplement_send": (
        "Kompletteringen skickad",
        {**_V, "answer": "Åtgärderna genomförs senast 30 september.", "sent_on": "2026-06-15"},
    ),
    "measurements_create": (
        "Punktprevalensmätning av basala hygienrutiner",
        [
            {
                "indicator": "BHK",
                "unit": "SE2321000032-1003",
                "period_start": "2026-03-01",
                "period_end": "2026-03-31",
                "numerator": "17",
                "denominator": "20",
                "comment": "Mätt vecka 11.",
            }
        ],
    ),
    "measurements_invalidate": ("Ogiltig mätning", {"reason": "Fel enhet angiven vid inmatningen."}),
}


def request_examples(result, generator, request, public):
    """drf-spectacular postprocessing hook: each create and transition shows a Swedish example."""
    for item in result.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict) or operation.get("operationId") not in REQUEST_EXAMPLES:
                continue
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if content is not None:
                summary, value = REQUEST_EXAMPLES[operation["operationId"]]
                content["examples"] = {"exempel": {"summary": summary, "value": value}}
    return result


class RefuseUnknownFieldsExtension(OpenApiSerializerExtension):
    """A request serializer that refuses unknown fields (`psweb.api.RefuseUnknownFields`) says
    so in the schema (`additionalProperties: false`), so that a client or a fuzzer knows."""

    target_class = "psweb.api.RefuseUnknownFields"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        if direction == "request":
            schema["additionalProperties"] = False
        return schema
