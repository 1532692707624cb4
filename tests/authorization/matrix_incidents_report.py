"""Authorization-matrix rows: incidents, reporting pages (the report form, drafts, autosave,
the confirmation, "Mina avvikelser", attachments).

The reporter's own pages answer 404 to everyone else, handlers of the unit included: they
see the case on the case page, not on the reporter's. Only the attachment download follows
the incident's visibility (reporter, handlers and managers in scope, the whole-provider
roles). The cast's outsider has no role anywhere and may not report (403) — unless she is
staff the identity provider signed in (an HSA-id): then she reports from her first day.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.authorization.matrix import LOGIN, Row, World, signed_in

# Uploads made by the rows land here, not in the development media folder.
MEDIA = {"MEDIA_ROOT": str(Path(tempfile.gettempdir()) / "psweb-matrix-media")}


def _draft(w: World) -> dict:
    from incidents import services

    return {"pk": services.draft_start(actor=w.cast.reporter, fields={"description": "Utkast"}).pk}


def _sent(w: World) -> dict:
    from tests.incidents.conftest import report

    return {"pk": report(w.cast.reporter, w.tree.medicin_ward).pk}


def _attachment_of(incident, w: World) -> dict:
    from incidents.attachments import attachment_add

    file = SimpleUploadedFile("anteckning.txt", b"Kontrollerat av tva sjukskoterskor.\n")
    attachment = attachment_add(incident=incident, actor=w.cast.reporter, file=file)
    return {"pk": incident.pk, "attachment_pk": attachment.pk}


def _sent_attachment(w: World) -> dict:
    from tests.incidents.conftest import report

    return _attachment_of(report(w.cast.reporter, w.tree.medicin_ward), w)


def _draft_attachment(w: World) -> dict:
    from incidents import services

    return _attachment_of(services.draft_start(actor=w.cast.reporter), w)


def _outsider_is_staff(w: World) -> dict:
    """The outsider signed in with SITHS: an HSA-id, still no role anywhere."""
    w.cast.outsider.hsa_id = "SE2321000016-9ZZZ"
    w.cast.outsider.save(update_fields=["hsa_id"])
    return {}


MAY_REPORT = signed_in(200, anonymous=LOGIN, outsider=403)
OWN = signed_in(404, anonymous=LOGIN, reporter=200)

# fmt: off
# Columns: anonymous, reporter, handler, manager, handler_orto, manager_orto, chief_physician,
#          safety_officer, indicator_editor, viewer, admin, mas, municipal_handler, outsider
ROWS: list[Row] = [
    Row("incidents:report", "GET", MAY_REPORT),
    Row("incidents:report", "POST", signed_in(400, anonymous=LOGIN, outsider=403),
        label="an empty report: the error summary, nothing saved"),
    Row("incidents:report", "GET", signed_in(200, anonymous=LOGIN), kwargs=_outsider_is_staff,
        label="staff signed in with an HSA-id report before any role is theirs"),
    Row("incidents:report", "POST", signed_in(400, anonymous=LOGIN), kwargs=_outsider_is_staff,
        label="staff with an HSA-id: an empty report gets the error summary"),
    Row("incidents:report-units", "GET", MAY_REPORT, query="q=Hem",
        label="the unit search covers every care provider"),
    Row("incidents:report-autosave-new", "POST", signed_in(400, anonymous=LOGIN, outsider=403),
        label="without the page's client key nothing is created"),
    Row("incidents:report-edit", "GET", OWN, kwargs=_draft, label="the reporter's draft"),
    Row("incidents:report-edit", "POST", signed_in(404, anonymous=LOGIN, reporter=400), kwargs=_draft,
        label="the reporter's draft, sent empty"),
    Row("incidents:report-edit", "GET", signed_in(404, anonymous=LOGIN, reporter=302), kwargs=_sent,
        label="a sent report leads to its page"),
    Row("incidents:report-autosave", "POST", OWN, kwargs=_draft, label="the reporter's draft"),
    Row("incidents:report-sent", "GET", OWN, kwargs=_sent),
    Row("incidents:mine", "GET", signed_in(200, anonymous=LOGIN), label="lists only the user's own reports"),
    Row("incidents:mine-detail", "GET", OWN, kwargs=_sent),
    Row("incidents:mine-comment", "POST", signed_in(404, anonymous=LOGIN, reporter=302), kwargs=_sent,
        data={"text": "Komplettering: det var kväll."}),
    Row("incidents:mine-discard", "POST", signed_in(404, anonymous=LOGIN, reporter=302), kwargs=_draft,
        label="the reporter's draft"),
    Row("incidents:mine-discard", "POST", signed_in(404, anonymous=LOGIN, reporter=302), kwargs=_sent,
        label="a sent report is not discarded (message, back to the list)"),
    Row("incidents:mine-attachment-add", "POST", signed_in(404, anonymous=LOGIN, reporter=400), kwargs=_sent,
        label="without a file"),
    # The download follows Incident.objects.visible_to: reporter, the unit's handlers and
    # managers, the provider's chief physician and safety officer.
    #                                    anon   rep  hnd  mgr  hndO mgrO chf  so   ind  view adm  mas  munH out
    Row("incidents:attachment", "GET", (LOGIN, 200, 200, 200, 404, 404, 200, 200, 404, 404, 404, 404, 404, 404),
        kwargs=_sent_attachment, settings=MEDIA, label="a sent report"),
    Row("incidents:attachment", "GET", OWN, kwargs=_draft_attachment, settings=MEDIA,
        label="a draft: only its author"),
]
# fmt: on
