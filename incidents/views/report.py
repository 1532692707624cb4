"""Reporting pages: the report form with server-side drafts and autosave, the confirmation,
"Mina avvikelser", and attachments. Each view parses, checks, calls one service, renders:
the whole form, posted, is saved and sent by `services.incident_report`, as the API's is.

A personnummer only ever travels in a POST body: the form posts, autosave posts, and no
page puts it in a URL or a log line.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import AccessLog, OrgUnit
from accounts.services import accesslog_record
from incidents import attachments, permissions, services
from incidents.forms.report import AttachmentForm, CommentForm, ReportForm, unit_choices
from incidents.models import CaseType, Incident, ProviderSettings, Status
from incidents.selectors import actions_for_reporter, with_reporter_actions
from incidents.services.reporting import DRAFT_FIELDS, default_unit_for
from incidents.summaries import with_summary
from incidents.viewing import CaseView, SeenEntry


def _require_reporter(user) -> None:
    decision = permissions.can_report(user)
    if not decision:
        raise PermissionDenied(decision.reason)


def _own(user):
    """The user's own incidents: visible to them, and theirs."""
    return Incident.objects.visible_to(user).filter(reporter=user)


def _own_or_404(user, pk: int) -> Incident:
    return get_object_or_404(_own(user).select_related("unit", "responsible_unit"), pk=pk)


def _after_sending(incident: Incident):
    if incident.reference:
        return redirect("incidents:report-sent", pk=incident.pk)
    return redirect("incidents:mine")


# --- The report form -----------------------------------------------------------------------


def _render_form(request, form: ReportForm, incident: Incident | None, status: int = 200):
    context = {
        "form": form,
        "incident": incident,
        "title": _("Report an incident"),
        "action_url": reverse("incidents:report-edit", kwargs={"pk": incident.pk})
        if incident
        else reverse("incidents:report"),
        "autosave_url": reverse("incidents:report-autosave", kwargs={"pk": incident.pk}) if incident else "",
        "open_optional": form.has_optional_input(),
    }
    return render(request, "incidents/report.html", context, status=status)


def _initial_for(incident: Incident | None, user) -> dict:
    if incident is None:
        return {
            "client_key": uuid.uuid4(),
            "unit": default_unit_for(user),
            "occurred_at": timezone.localtime().replace(second=0, microsecond=0),
        }
    initial = {name: getattr(incident, name) for name in DRAFT_FIELDS}
    initial["no_patient"] = incident.case_type == CaseType.CARE and not incident.patient_involved
    initial["version"] = incident.version
    return initial


def _search_only(request, incident: Incident | None):
    """The unit search of the page without JavaScript: show the form again as it was typed,
    with the matching units in the list. Nothing is saved or checked."""
    data = request.POST.dict()
    data.pop("csrfmiddlewaretoken", None)
    data.pop("action", None)
    form = ReportForm(initial=data, user=request.user, unit_query=data.get("unit_q", ""))
    return _render_form(request, form, incident)


def _add_service_errors(form: ReportForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            shown = name in form.fields and not form.fields[name].widget.is_hidden
            form.add_error(name if shown else None, errors)
    else:
        form.add_error(None, exc.messages)


def _still_there(user, incident: Incident | None, client_key) -> Incident | None:
    """The draft as stored, or None when the failed transaction took its creation back."""
    if incident is not None:
        return Incident.objects.filter(pk=incident.pk).first()
    return Incident.objects.filter(client_key=client_key, reporter=user).first()


def _save_from_form(request, incident: Incident | None, *, send: bool):
    """The whole form, posted: save the draft, attach the files, and send it if asked."""
    form = ReportForm(
        request.POST,
        request.FILES,
        user=request.user,
        require_all=send,
        unit_query=request.POST.get("unit_q", ""),
    )
    if not form.is_valid():
        return _render_form(request, form, incident, status=400)
    client_key = form.cleaned_data["client_key"] or uuid.uuid4()
    try:
        saved, _created = services.incident_report(
            actor=request.user,
            client_key=client_key,
            incident=incident,
            fields=form.draft_fields(),
            version=form.cleaned_data["version"],
            attachments=form.cleaned_data["attachments"],
            send=send,
        )
    except services.StaleVersionError as exc:
        # Saved meanwhile in another window. Keep what this page holds and let the user send
        # it again deliberately, now against the current version.
        incident = _still_there(request.user, incident, client_key)
        data = request.POST.copy()
        data["version"] = str(incident.version) if incident else ""
        form = ReportForm(data, user=request.user, require_all=send, unit_query=data.get("unit_q", ""))
        form.is_valid()
        form.add_error(None, exc.message)
        return _render_form(request, form, incident, status=409)
    except ValidationError as exc:
        _add_service_errors(form, exc)
        return _render_form(request, form, _still_there(request.user, incident, client_key), status=400)
    if saved.status != Status.DRAFT:
        # Sent now, or already before (a retry or a double click): the same report, once.
        return _after_sending(saved)
    messages.success(request, _("Your draft is saved. You find it under My reports."))
    return redirect("incidents:report-edit", pk=saved.pk)


@login_required
@require_http_methods(["GET", "POST"])
def report_start(request):
    """/rapportera/: a new report. Without JavaScript the whole form is posted here."""
    _require_reporter(request.user)
    if request.method == "GET":
        form = ReportForm(initial=_initial_for(None, request.user), user=request.user)
        return _render_form(request, form, None)
    action = request.POST.get("action", "send")
    if action == "search_unit":
        return _search_only(request, None)
    return _save_from_form(request, None, send=action != "save")


@login_required
@require_http_methods(["GET", "POST"])
def report_edit(request, pk: int):
    """/rapportera/<pk>/: a draft, resumed (after a reload, or from My reports)."""
    incident = _own_or_404(request.user, pk)
    if incident.status != Status.DRAFT:
        return _after_sending(incident) if request.method == "POST" else redirect("incidents:mine-detail", pk=pk)
    if request.method == "GET":
        form = ReportForm(initial=_initial_for(incident, request.user), user=request.user)
        return _render_form(request, form, incident)
    action = request.POST.get("action", "send")
    if action == "search_unit":
        return _search_only(request, incident)
    return _save_from_form(request, incident, send=action != "save")


# --- Autosave (JSON, for static/js/report.js) ----------------------------------------------


def _autosaved(incident: Incident, invalid: list[str]) -> JsonResponse:
    saved_at = time_format(timezone.localtime(incident.updated_at), "H:i")
    return JsonResponse(
        {
            "id": incident.pk,
            "version": incident.version,
            "saved_at": saved_at,
            "message": _("Saved %(time)s") % {"time": saved_at},
            "edit_url": reverse("incidents:report-edit", kwargs={"pk": incident.pk}),
            "autosave_url": reverse("incidents:report-autosave", kwargs={"pk": incident.pk}),
            # Fields not saved because they are not valid yet (a half-typed personnummer).
            "invalid": invalid,
        }
    )


def _not_a_draft(incident: Incident) -> JsonResponse:
    return JsonResponse(
        {
            "error": _("This report has already been sent. Changes are no longer saved here."),
            "redirect": reverse("incidents:mine-detail", kwargs={"pk": incident.pk}),
        },
        status=409,
    )


def _autosave(request, incident: Incident | None) -> JsonResponse:
    form = ReportForm(request.POST, user=request.user)
    form.is_valid()
    invalid = sorted(name for name in form.errors if name in DRAFT_FIELDS)
    if incident is None:
        client_key = form.cleaned_data.get("client_key")
        if not client_key:
            return JsonResponse({"error": _("The page is out of date. Reload it and try again.")}, status=400)
        try:
            incident = services.draft_start(actor=request.user, client_key=client_key)
        except ValidationError as exc:
            return JsonResponse({"error": " ".join(exc.messages)}, status=400)
    if incident.status != Status.DRAFT:
        return _not_a_draft(incident)
    try:
        incident = services.draft_save(
            incident=incident,
            actor=request.user,
            fields=form.draft_fields(present=set(request.POST)),
            version=form.cleaned_data.get("version"),
        )
    except services.StaleVersionError:
        return JsonResponse(
            {
                "error": _(
                    "This draft was changed in another window. Reload the page to continue with the saved version."
                )
            },
            status=409,
        )
    except PermissionDenied as exc:
        return JsonResponse({"error": str(exc)}, status=403)
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=400)
    return _autosaved(incident, invalid)


@login_required
@require_POST
def report_autosave_new(request):
    """The first keystroke: create the draft (once per client key) and save what is there."""
    decision = permissions.can_report(request.user)
    if not decision:
        return JsonResponse({"error": str(decision.reason)}, status=403)
    return _autosave(request, None)


@login_required
@require_POST
def report_autosave(request, pk: int):
    return _autosave(request, _own_or_404(request.user, pk))


@login_required
@require_GET
def report_units(request):
    """The <option>s of the unit list for a search (progressive enhancement of the form)."""
    _require_reporter(request.user)
    selected = None
    try:
        selected_pk = int(request.GET.get("selected", ""))
    except ValueError:
        selected_pk = None
    if selected_pk:
        selected = OrgUnit.objects.filter(pk=selected_pk, is_active=True).first()
    query = request.GET.get("q", "").strip()
    choices = unit_choices(user=request.user, query=query, selected=selected)
    return render(
        request,
        "incidents/_report_unit_options.html",
        {"choices": choices, "selected": str(selected.pk) if selected else ""},
    )


@login_required
@require_GET
def report_sent(request, pk: int):
    incident = _own_or_404(request.user, pk)
    if incident.status == Status.DRAFT:
        return redirect("incidents:report-edit", pk=pk)
    unit = incident.responsible_unit or incident.unit
    context = {
        "incident": incident,
        "triage_days": ProviderSettings.for_unit(unit).triage_days,
        "title": _("Your report is sent"),
    }
    return render(request, "incidents/report_sent.html", context)


# --- Mina avvikelser -----------------------------------------------------------------------


@login_required
@require_GET
def mine(request):
    own = _own(request.user).select_related("unit")
    drafts = own.filter(status=Status.DRAFT).order_by("-updated_at")
    # A discarded draft was never a report: it has no reference and is not listed.
    sent = own.exclude(status=Status.DRAFT).exclude(reference__isnull=True).order_by("-reported_at", "-id")
    # "Detta görs nu": the actions a handler chose to show, loaded once for the page.
    page = Paginator(with_reporter_actions(with_summary(sent)), 50).get_page(request.GET.get("page"))
    return render(request, "incidents/mine.html", {"drafts": drafts, "page": page, "title": _("My reports")})


def _reporter_timeline(incident: Incident, user) -> list[SeenEntry]:
    """What has happened to her report, as `incidents.viewing` decides for the page and the API."""
    return CaseView.of(user, incident).reporter_timeline()


def _render_detail(request, incident: Incident, *, comment_form=None, attachment_form=None, status: int = 200):
    can_comment = permissions.can_comment(request.user, incident)
    can_attach = attachments.can_add_attachment(request.user, incident)
    context = {
        "incident": incident,
        "title": incident.reference or _("Draft"),
        "timeline": _reporter_timeline(incident, request.user),
        "reporter_actions": actions_for_reporter(incident),
        # Their own comments and what a handler addressed to them, as one conversation.
        "comments": incident.comments.filter(Q(author=request.user) | Q(to_reporter=True)).select_related("author"),
        "attachments": incident.attachments.filter(uploaded_by=request.user),
        "can_comment": can_comment,
        "can_attach": can_attach,
        "comment_form": comment_form or CommentForm(),
        "attachment_form": attachment_form or AttachmentForm(),
    }
    return render(request, "incidents/mine_detail.html", context, status=status)


@login_required
@require_GET
def mine_detail(request, pk: int):
    incident = _own_or_404(request.user, pk)
    if incident.status == Status.DRAFT:
        return redirect("incidents:report-edit", pk=pk)
    return _render_detail(request, incident)


@login_required
@require_POST
def mine_comment(request, pk: int):
    incident = _own_or_404(request.user, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, incident, comment_form=form, status=400)
    try:
        services.comment_add(incident=incident, actor=request.user, text=form.cleaned_data["text"])
    except ValidationError as exc:
        form.add_error("text", exc.messages)
        return _render_detail(request, incident, comment_form=form, status=400)
    messages.success(request, _("Your comment is added. The case handler can read it."))
    return redirect("incidents:mine-detail", pk=pk)


@login_required
@require_POST
def mine_discard(request, pk: int):
    incident = _own_or_404(request.user, pk)
    if incident.status != Status.DRAFT:
        messages.error(request, _("This report has been sent; it is no longer a draft and cannot be discarded."))
        return redirect("incidents:mine")
    try:
        services.incident_withdraw_draft(incident=incident, actor=request.user)
    except (services.ConflictError, PermissionDenied) as exc:
        messages.error(request, getattr(exc, "message", None) or str(exc))
    else:
        messages.success(request, _("The draft is discarded."))
    return redirect("incidents:mine")


@login_required
@require_POST
def mine_attachment_add(request, pk: int):
    incident = _own_or_404(request.user, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_detail(request, incident, attachment_form=form, status=400)
    try:
        attachments.attachment_add(incident=incident, actor=request.user, file=form.cleaned_data["file"])
    except ValidationError as exc:
        form.add_error("file", exc.messages)
        return _render_detail(request, incident, attachment_form=form, status=400)
    messages.success(request, _("The file is attached."))
    if incident.status == Status.DRAFT:
        return redirect("incidents:report-edit", pk=pk)
    return redirect("incidents:mine-detail", pk=pk)


# --- Downloading an attachment (reporter and handlers) -----------------------------------


@login_required
@require_GET
def attachment_download(request, pk: int, attachment_pk: int):
    """The only way to a stored file: through the incident's visibility, as a download."""
    incident = get_object_or_404(Incident.objects.visible_to(request.user), pk=pk)
    attachment = get_object_or_404(incident.attachments.all(), pk=attachment_pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file is missing.")) from None
    if incident.reporter_id != request.user.pk:
        # An attachment may hold patient data: reading it is logged like case content.
        accesslog_record(
            request=request,
            action=AccessLog.Action.VIEW,
            obj=attachment,
            unit=incident.responsible_unit or incident.unit,
            # The patient concerned, so that a per-patient log review finds this read too.
            patient_identifier=incident.patient_identifier,
            label=f"{incident.reference}: attachment {attachment.pk}",
        )
    response = FileResponse(
        handle, as_attachment=True, filename=attachments.download_name(attachment), content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
