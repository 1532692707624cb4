"""The case page's operations on what a complaint is linked to (issue 17, items 3 and 5): its
incidents — one reported from it, one linked by its reference, a Lex Maria assessment or an
investigation requested (or asked for) — and its IVO and LÖF cases. `LINK_OPERATIONS` is merged
into `complaints.operations.OPERATIONS` (URLs below the complaint, names = `Operation.name`);
the forms live here with them, and `links_context` gives the page the sections' rows, forms
and decisions (templates `complaints/_links.html` and `_external.html`).
"""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import Decision
from complaints import permissions, services
from complaints.models import OPEN_STATES, Complaint, ComplaintIncident, ExternalCase, ExternalDecision, ExternalKind
from complaints.services.external import decisions_for
from incidents import permissions as incident_permissions
from incidents.models import Incident, ReportedKind
from incidents.services.common import KIT as INCIDENT_KIT
from psweb.case_pages import Operation, in_states, version_of
from psweb.cases import MAX_TEXT

_CLOSED = gettext_lazy("The complaint is no longer being handled.")


def _text(label, *, rows: int = 3, required: bool = True, help_text: str = ""):
    return forms.CharField(
        label=label,
        max_length=MAX_TEXT,
        required=required,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def _date(label, *, required: bool = True):
    return forms.DateField(label=label, required=required, widget=forms.DateInput(attrs={"type": "date"}))


class LinkForm(forms.Form):
    """A form about one complaint (and maybe one of its rows), posting the complaint's version."""

    slug = "link"
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, complaint: Complaint, item=None, user=None, **kwargs):
        self.complaint = complaint
        self.item = item
        self.user = user
        if item is not None:
            self.slug = f"{self.slug}_{item.pk}"
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("version", complaint.version)
        kwargs.setdefault("auto_id", f"id_{self.slug}_%s")
        super().__init__(*args, **kwargs)


class IncidentCreateForm(LinkForm):
    """An incident of the event, in the handler's words: never the complainant's contact
    details (the service refuses them)."""

    slug = "incident_create"
    description = _text(
        _("What happened"),
        rows=5,
        help_text=_("In your own words. Not the complainant's name or contact details: they stay with the complaint."),
    )
    occurred_at = forms.DateTimeField(
        label=_("When it happened"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    reported_kind = forms.ChoiceField(label=_("What kind of event"), choices=ReportedKind.choices)
    with_patient = forms.BooleanField(
        label=_("Carry the patient's identity over to the incident"), required=False, initial=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reported_kind"].initial = ReportedKind.HAPPENED

    def clean_occurred_at(self):
        moment = self.cleaned_data["occurred_at"]
        if moment > timezone.now():
            raise forms.ValidationError(_("The time lies in the future. Check the date and time."))
        return moment


class IncidentLinkForm(LinkForm):
    slug = "incident_link"
    reference = forms.CharField(
        label=_("Reference of the incident"), max_length=20, help_text=_("For example AV-2026-000189.")
    )

    def clean_reference(self):
        text = self.cleaned_data["reference"].strip()
        references = INCIDENT_KIT.references_for(text) or []
        visible = Incident.objects.visible_to(self.user) if self.user is not None else Incident.objects.none()
        found = list(visible.filter(reference__in=references, reported_at__isnull=False)[:2])
        if len(found) != 1:
            raise forms.ValidationError(_("There is no incident with that reference that you may see."))
        self.cleaned_data["incident"] = found[0]
        return text


class IncidentRequestForm(LinkForm):
    reason = _text(_("Why?"), required=False)


class LexMariaRequestForm(IncidentRequestForm):
    slug = "lex_maria"


class InvestigationRequestForm(IncidentRequestForm):
    slug = "investigation"


class ExternalAddForm(LinkForm):
    slug = "external_add"
    kind = forms.ChoiceField(label=_("Kind"), choices=ExternalKind.choices, widget=forms.RadioSelect)
    external_reference = forms.CharField(label=_("Their case number"), max_length=60)
    received_on = _date(_("Received"))
    question = _text(_("What is asked"), required=False)
    due_on = _date(_("Statement due"), required=False)


class ExternalUpdateForm(LinkForm):
    slug = "external"
    statement = _text(_("The care provider's statement"), rows=5, required=False)
    statement_sent_on = _date(_("Statement sent"), required=False)
    decision = forms.ChoiceField(label=_("Decision"), required=False)
    decided_on = _date(_("Decided on"), required=False)
    decision_text = _text(_("The decision in brief"), required=False)
    amount = forms.DecimalField(
        label=_("Amount compensated (SEK)"), required=False, min_value=0, max_digits=12, decimal_places=2
    )

    FIELDS = ("statement", "statement_sent_on", "decision", "decided_on", "decision_text", "amount")

    def __init__(self, *args, item: ExternalCase, **kwargs):
        kwargs.setdefault("initial", {})
        for name in self.FIELDS:
            kwargs["initial"].setdefault(name, getattr(item, name))
        super().__init__(*args, item=item, **kwargs)
        self.fields["decision"].choices = [("", _("Not decided"))] + [
            (value, ExternalDecision(value).label) for value in decisions_for(item.kind)
        ]
        if item.kind != ExternalKind.LOF:
            del self.fields["amount"]


def _may_report(user, complaint: Complaint) -> Decision:
    decision = in_states(OPEN_STATES, permissions.can_handle, _CLOSED)(user, complaint)
    return decision and incident_permissions.can_report(user)


_OPEN_HANDLER = in_states(OPEN_STATES, permissions.can_handle, _CLOSED)


LINK_OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in [
        Operation(
            "incident-create",
            "avvikelser/ny/",
            IncidentCreateForm,
            _may_report,
            lambda actor, case, d, item: services.incident_create(
                complaint=case,
                actor=actor,
                fields={k: d[k] for k in ("description", "occurred_at", "reported_kind", "with_patient")},
                version=version_of(d),
            ),
            lambda incident: (
                _("Incident %(reference)s has been reported and linked.") % {"reference": incident.reference}
            ),
            "incidents",
        ),
        Operation(
            "incident-link",
            "avvikelser/koppla/",
            IncidentLinkForm,
            _OPEN_HANDLER,
            lambda actor, case, d, item: services.incident_link(
                complaint=case, actor=actor, incident=d["incident"], version=version_of(d)
            ),
            gettext_lazy("The incident has been linked."),
            "incidents",
            form_kwargs=lambda user, case, row: {"user": user},
        ),
        Operation(
            "incident-lex-maria",
            "avvikelser/<int:item>/lex-maria/",
            LexMariaRequestForm,
            _OPEN_HANDLER,
            lambda actor, case, d, item: services.lex_maria_request(
                complaint=case, actor=actor, incident=item.incident_id, reason=d["reason"], version=version_of(d)
            ),
            gettext_lazy("The Lex Maria assessment has been requested, or the incident's handlers asked for it."),
            "incidents",
            ComplaintIncident,
            "complaint",
        ),
        Operation(
            "incident-investigation",
            "avvikelser/<int:item>/utredning/",
            InvestigationRequestForm,
            _OPEN_HANDLER,
            lambda actor, case, d, item: services.investigation_request(
                complaint=case, actor=actor, incident=item.incident_id, reason=d["reason"], version=version_of(d)
            ),
            gettext_lazy("The investigation has been requested, or the incident's handlers asked for it."),
            "incidents",
            ComplaintIncident,
            "complaint",
        ),
        Operation(
            "external-add",
            "ivo-lof/",
            ExternalAddForm,
            permissions.can_handle,
            lambda actor, case, d, item: services.external_add(
                complaint=case,
                actor=actor,
                kind=d["kind"],
                external_reference=d["external_reference"],
                received_on=d["received_on"],
                question=d["question"],
                due_on=d["due_on"],
                version=version_of(d),
            ),
            gettext_lazy("The case has been registered."),
            "external",
        ),
        Operation(
            "external-update",
            "ivo-lof/<int:item>/",
            ExternalUpdateForm,
            permissions.can_handle,
            lambda actor, case, d, item: services.external_update(
                case=item,
                actor=actor,
                version=version_of(d),
                **{name: d[name] for name in ExternalUpdateForm.FIELDS if name in d},
            ),
            gettext_lazy("The case has been saved."),
            "external-{item}",
            ExternalCase,
            "complaint",
        ),
    ]
}


def _form(op_name: str, complaint: Complaint, bound, *, user=None, item=None):
    form_class = LINK_OPERATIONS[op_name].form
    kwargs = {"complaint": complaint}
    if item is not None:
        kwargs["item"] = item
    if op_name == "incident-link":
        kwargs["user"] = user
    form = form_class(**kwargs)
    return bound if bound is not None and bound.slug == form.slug else form


def links_context(request, complaint: Complaint, *, bound=None) -> dict:
    """What the page's sections "Incidents" and "IVO and LÖF" show the viewer: the linked
    incidents (a link into one only when she may see it), the IVO and LÖF cases, and the forms
    of the operations she may perform (`bound`: the form she sent, with its errors). Keys:
    `incident_links`, `external_cases`, `link_forms`, `link_decisions`."""
    user = request.user
    decisions = {name.replace("-", "_"): op.decide(user, complaint) for name, op in LINK_OPERATIONS.items()}
    links = list(complaint.incident_links.select_related("incident").order_by("linked_at", "id"))
    ids = [link.incident_id for link in links]
    visible = set(Incident.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
    rows = []
    for link in links:
        incident = link.incident
        row = {
            "link": link,
            "incident": incident,
            "visible": incident.pk in visible,
            "lex_maria_requested": incident.lex_maria_requested_at is not None,
            "investigation_requested": incident.investigation_requested_at is not None,
            "forms": {},
        }
        if decisions["incident_lex_maria"] and not row["lex_maria_requested"]:
            row["forms"]["lex_maria"] = _form("incident-lex-maria", complaint, bound, item=link)
        if decisions["incident_investigation"] and not row["investigation_requested"]:
            row["forms"]["investigation"] = _form("incident-investigation", complaint, bound, item=link)
        rows.append(row)
    cases = [
        {
            "case": case,
            "form": _form("external-update", complaint, bound, item=case) if decisions["external_update"] else None,
        }
        for case in complaint.external_cases.all()
    ]
    link_forms = {
        key: _form(name, complaint, bound, user=user)
        for name, key in (
            ("incident-create", "incident_create"),
            ("incident-link", "incident_link"),
            ("external-add", "external_add"),
        )
        if decisions[key]
    }
    return {"incident_links": rows, "external_cases": cases, "link_forms": link_forms, "link_decisions": decisions}
