"""The complaint's case page, its operations, the displays of identity and the answer letter
(the queue, "Mina klagomål" and registering are in `views_lists`).

The case page shows staff (`permissions.sees_as_staff`) the whole case and offers each
operation of `operations.OPERATIONS` its permission and state allow, as a POST to its own
short URL calling one service (psweb.case_pages). The patientnämnd's officer of the nämnd
that sent the case reads only what the nämnd asked for and, once sent, the answer.

Identity is shown only on request and every display is logged (one AccessLog row): the
patient's personal identity number (`complaint.view_patient`) and the complainant's contact
details (the complaint's handlers). The answer letter is a PDF (`complaints.letter`).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import personnummer
from accounts.access import Allowed
from accounts.models import AccessLog
from accounts.services import accesslog_record
from complaints import forms as f
from complaints import permissions
from complaints.letter import complaint_letter
from complaints.models import AWAITING_ANSWER, Complaint, Contact, TimelineEntry
from complaints.operations import CORE_OPERATIONS, OPERATIONS
from complaints.operations_links import links_context
from complaints.services import CONTACT_FIELDS, LETTER_FIELDS
from psweb.case_pages import require, run_operation
from psweb.documents import pdf_response


def _visible(request, pk: int) -> Complaint:
    """The complaint if the user may see it; otherwise 404, as if it did not exist."""
    return get_object_or_404(
        Complaint.objects.visible_to(request.user)
        .select_related("unit", "unit__care_provider", "board_unit", "handler", "answered_by")
        .prefetch_related("units"),
        pk=pk,
    )


def _key(name: str) -> str:
    return name.replace("-", "_")


def _kind_label(kind: str) -> str:
    return str(TimelineEntry.Kind(kind).label) if kind in TimelineEntry.Kind.values else kind


def _contact_form(complaint: Complaint, contact: Contact) -> f.ContactForm:
    """Filled in with the details: built only where they are shown (and the showing logged)."""
    return f.ContactForm(complaint=complaint, initial={name: getattr(contact, name) for name in CONTACT_FIELDS})


def _staff_context(
    request,
    complaint: Complaint,
    *,
    bound=None,
    problem: str = "",
    stale=None,
    patient_identifier: str = "",
    contact: Contact | None = None,
) -> dict:
    user = request.user
    today = timezone.localdate()
    decisions = {_key(name): op.decide(user, complaint) for name, op in CORE_OPERATIONS.items()}
    decisions["view_patient"] = permissions.can_view_patient(user, complaint)
    decisions["view_contact"] = permissions.can_view_contact(user, complaint)
    forms = {}
    for name, op in CORE_OPERATIONS.items():
        key = _key(name)
        if not decisions[key]:
            continue
        if bound is not None and bound.slug == op.form.slug:
            forms[key] = bound
        elif name != "contact":
            forms[key] = op.form(complaint=complaint)
    if contact is not None and decisions["contact"] and "contact" not in forms:
        forms["contact"] = _contact_form(complaint, contact)
    timeline = list(complaint.timeline.select_related("actor").order_by("at", "id"))
    for entry in [*timeline, *(stale.changes if stale else ())]:
        entry.label = _kind_label(entry.kind)
        entry.who = entry.actor_name_for(user) or _("the system")
    actions = [
        {"action": action, "overdue": action.is_overdue(today)}
        for action in complaint.own_actions.select_related("responsible").order_by("due_date", "id")
    ]
    handle = permissions.can_handle(user, complaint)
    return {
        "title": str(complaint),
        "staff": True,
        "complaint": complaint,
        "units": [unit for unit in complaint.units.all() if unit.pk != complaint.unit_id],
        "due": {
            "days_left": (complaint.due_on - today).days,
            "days_overdue": (today - complaint.due_on).days,
            "overdue": complaint.is_overdue(today),
            "awaiting": complaint.status in AWAITING_ANSWER,
        },
        "letter": complaint_letter(complaint),
        "letter_written": any(getattr(complaint, name).strip() for name in LETTER_FIELDS),
        "actions": actions,
        "decisions": decisions,
        "handle_denied": "" if handle else handle.reason,
        "forms": forms,
        "problem": problem,
        "stale": stale,
        "timeline": timeline,
        "patient_identifier": patient_identifier,
        "contact": contact,
        # The incidents and the IVO and LÖF cases: `incident_links`, `external_cases`,
        # `link_forms`, `link_decisions`.
        **links_context(request, complaint, bound=bound),
    }


def _board_context(complaint: Complaint) -> dict:
    """What the patientnämnd's officer reads of a case her nämnd sent: what it asked, the
    dates, the status and, once sent, the answer. Nothing else reaches the template."""
    return {
        "title": str(complaint),
        "staff": False,
        "board": {
            "pk": complaint.pk,
            "reference": complaint.reference,
            "board_reference": complaint.board_reference,
            "received_on": complaint.received_on,
            "due_on": complaint.due_on,
            "status": complaint.status,
            "status_label": complaint.get_status_display(),
            "unit": complaint.unit.name,
            "answer": complaint_letter(complaint) if complaint.answered_on else None,
        },
    }


def _render_case(request, complaint: Complaint, *, status: int = 200, **kwargs):
    user = request.user
    if permissions.sees_as_staff(user, complaint):
        context = _staff_context(request, complaint, **kwargs)
    elif permissions.is_board_reader(user, complaint):
        context = _board_context(complaint)
    else:
        raise Http404
    return render(request, "complaints/detail.html", context, status=status)


@login_required
@require_GET
def complaint_detail(request, pk: int):
    return _render_case(request, _visible(request, pk))


@login_required
@require_POST
def complaint_operation(request, pk: int, operation: str, item: int | None = None):
    complaint = _visible(request, pk)
    return run_operation(
        request,
        complaint,
        OPERATIONS[operation],
        item,
        render_case=_render_case,
        reload=lambda: _visible(request, pk),
        detail_url=reverse("complaints:detail", kwargs={"pk": pk}),
        form_kwargs={"complaint": complaint},
    )


@login_required
@require_POST
def complaint_show_patient(request, pk: int):
    """Show the patient's identity once, and log it (one AccessLog row per display)."""
    complaint = _visible(request, pk)
    require(permissions.can_view_patient(request.user, complaint))
    shown = ""
    if complaint.patient_identifier:
        accesslog_record(
            request=request,
            action=AccessLog.Action.VIEW_PATIENT,
            obj=complaint,
            unit=complaint.unit,
            patient_identifier=complaint.patient_identifier,
            label=complaint.reference,
        )
        shown = personnummer.display(complaint.patient_identifier)
    if request.htmx:
        return render(
            request,
            "complaints/_case_patient.html",
            {"complaint": complaint, "patient_identifier": shown, "decisions": {"view_patient": Allowed}},
        )
    return _render_case(request, complaint, patient_identifier=shown)


@login_required
@require_POST
def complaint_show_contact(request, pk: int):
    """Show the complainant's contact details to a handler once, and log it: they identify a
    person as the patient's number does (one AccessLog row per display)."""
    complaint = _visible(request, pk)
    require(permissions.can_view_contact(request.user, complaint))
    contact = Contact.objects.filter(complaint=complaint).first() or Contact(complaint=complaint)
    accesslog_record(
        request=request,
        action=AccessLog.Action.VIEW,
        obj=contact if contact.pk else complaint,
        unit=complaint.unit,
        patient_identifier=complaint.patient_identifier,
        label=complaint.reference,
    )
    if request.htmx:
        decisions = {"view_contact": Allowed, "contact": OPERATIONS["contact"].decide(request.user, complaint)}
        forms = {"contact": _contact_form(complaint, contact)} if decisions["contact"] else {}
        return render(
            request,
            "complaints/_case_contact.html",
            {"complaint": complaint, "contact": contact, "decisions": decisions, "forms": forms},
        )
    return _render_case(request, complaint, contact=contact)


@login_required
@require_GET
def letter_pdf(request, pk: int):
    """The answer letter (`complaints.letter`): for staff as composed or sent; for the
    patientnämnd that sent the case once it has been sent, since it is what the nämnd gets."""
    complaint = _visible(request, pk)
    user = request.user
    if not permissions.sees_as_staff(user, complaint):
        if not permissions.is_board_reader(user, complaint):
            raise Http404
        if complaint.answered_on is None:
            raise PermissionDenied(_("The patient board reads the answer once it has been sent."))
    html = render_to_string("complaints/letter_document.html", {"letter": complaint_letter(complaint)}, request=request)
    return pdf_response(html, identifier=complaint.reference, filename=f"{complaint.reference}-svar.pdf")
