"""Authoring egenkontroll templates (issue 18: "the safety team and measurement owners author
them"): a new version of a care provider's own template, and a new template of one's own,
empty or copied from a shipped or an own template.

Who: `audit.run` over the template's whole care provider (`permissions.can_run` on the root
unit, as `services.version_publish` asks). The templates shipped with psweb are never changed
in place: a care provider copies one into a template of its own. The areas and statements are
written in one text box (`audits.forms_authoring`, no JavaScript); every line with a problem
is named and nothing is saved. A new version leaves the earlier ones as they were: a round
keeps the version it was sent with.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import Allowed, Decision, Denied
from audits import permissions, services
from audits.forms_authoring import CopyForm, TemplateNewForm, VersionForm, author_providers, code_taken, statements_text
from audits.models import Template
from psweb.case_pages import add_errors
from psweb.cases import require


def can_author(user, template: Template) -> Decision:
    """May `user` publish a new version of `template`? (The link on the template's page asks
    this too.)"""
    if template.care_provider_id is None:
        return Denied(
            _(
                "The templates shipped with psweb cannot be changed: create your care provider's own "
                "template as a copy of it."
            )
        )
    if not permissions.can_run(user, [template.care_provider]):
        return Denied(_("Only the care provider's safety team can change its self-audit templates."))
    return Allowed


def can_create(user) -> Decision:
    """May `user` create a template of her own care provider's?"""
    if not author_providers(user).exists():
        return Denied(_("Only a care provider's safety team can create self-audit templates."))
    return Allowed


@login_required
@require_http_methods(["GET", "POST"])
def template_version(request, pk: int):
    """A new version of a care provider's own template, starting from the current one."""
    user = request.user
    template = get_object_or_404(Template.objects.select_related("care_provider"), pk=pk)
    require(can_author(user, template))
    current = template.current_version()
    number = current.number if current is not None else 0
    status = 200
    if request.method == "POST":
        form = VersionForm(request.POST)
        if form.is_valid():
            try:
                version = _publish(user, template, form)
            except ValidationError as error:
                add_errors(form, error)
            else:
                if version is not None:
                    messages.success(
                        request,
                        _("Version %(number)s of %(title)s is published. Rounds already sent keep their version.")
                        % {"number": version.number, "title": template.title},
                    )
                    return redirect("audits:template", pk=template.pk)
                status = 409
                current = template.current_version()
        status = status if status != 200 else 400
    else:
        form = VersionForm(initial={"based_on": number, "statements": statements_text(current)})
    return render(
        request,
        "audits/template_edit.html",
        {
            "title": _("New version of %(title)s") % {"title": template.title},
            "template": template,
            "current": current,
            "form": form,
            "is_new": False,
        },
        status=status,
    )


def _publish(user, template: Template, form: VersionForm):
    """The new version; None, with the form holding the newest version's number and a
    message, when someone published one after the form was opened (sending the form again
    then publishes it deliberately, after that one)."""
    with transaction.atomic():
        locked = Template.objects.select_for_update().get(pk=template.pk)
        newest = locked.current_version()
        number = newest.number if newest is not None else 0
        if (form.cleaned_data["based_on"] or 0) != number:
            form.data = form.data.copy()
            form.data["based_on"] = str(number)
            form.add_error(
                None,
                _(
                    "Someone published version %(number)s of this template while you were editing. Look at it "
                    "on the template's page; send the form again to publish your text as the next version."
                )
                % {"number": number},
            )
            return None
        return services.version_publish(
            template=locked,
            actor=user,
            areas=form.cleaned_data["statements"],
            note=form.cleaned_data["note"].strip(),
        )


@login_required
@require_http_methods(["GET", "POST"])
def template_new(request):
    """A template of the user's care provider, with its first version; `?copy_from=` fills
    it from an existing template's current version."""
    user = request.user
    require(can_create(user))
    copy_form = CopyForm(request.GET if request.GET.get("copy_from") else None, user=user)
    status = 200
    if request.method == "POST":
        form = TemplateNewForm(request.POST, user=user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                template = _create(user, data)
            except ValidationError as error:
                add_errors(form, error)
            except IntegrityError:
                form.add_error("code", code_taken(data["code"]))
            else:
                messages.success(
                    request,
                    _("The template %(title)s is created, with its first version.") % {"title": template.title},
                )
                return redirect("audits:template", pk=template.pk)
        status = 400
    else:
        initial = {}
        if copy_form.is_bound:
            if copy_form.is_valid():
                source = copy_form.cleaned_data["copy_from"]
                initial = {
                    "kind": source.kind,
                    "description": source.description,
                    "statements": statements_text(source.current_version()),
                    "note": _("Copied from %(title)s (%(code)s).") % {"title": source.title, "code": source.code},
                }
            else:
                status = 400
        form = TemplateNewForm(initial=initial, user=user)
    return render(
        request,
        "audits/template_edit.html",
        {"title": _("New self-audit template"), "form": form, "copy_form": copy_form, "is_new": True},
        status=status,
    )


def _create(user, data: dict) -> Template:
    """The template and its first version, both or neither."""
    provider = data["care_provider"]
    if not permissions.can_run(user, [provider]):  # the form offers only these; checked again
        raise PermissionDenied(_("Only a care provider's safety team can create self-audit templates."))
    with transaction.atomic():
        template = Template.objects.create(
            code=data["code"],
            title=data["title"].strip(),
            kind=data["kind"],
            description=data["description"].strip(),
            care_provider=provider,
        )
        services.version_publish(template=template, actor=user, areas=data["statements"], note=data["note"].strip())
    return template
