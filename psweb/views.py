"""Project-wide pages: the start page, health check and error pages."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.models import Membership, OrgUnit
from accounts.selectors import memberships_valid_for


@dataclass
class UnitRoles:
    unit: OrgUnit
    roles: list[str] = field(default_factory=list)


@dataclass
class CareProviderGroup:
    care_provider: OrgUnit
    units: list[UnitRoles] = field(default_factory=list)


def group_memberships(memberships: list[Membership]) -> list[CareProviderGroup]:
    """Memberships (in tree order) as care provider → unit → role labels, so a person with
    two roles in one clinic sees the clinic once."""
    groups: dict[int, CareProviderGroup] = {}
    for membership in memberships:
        unit = membership.unit
        provider = unit.care_provider or unit
        group = groups.setdefault(provider.pk, CareProviderGroup(provider))
        if not group.units or group.units[-1].unit.pk != unit.pk:
            group.units.append(UnitRoles(unit))
        label = membership.get_role_display()
        if label not in group.units[-1].roles:
            group.units[-1].roles.append(label)
    return list(groups.values())


@login_required
def home(request):
    groups = group_memberships(memberships_valid_for(user=request.user))
    return render(request, "home.html", {"groups": groups, "title": _("Start")})


@require_GET
def healthz(request):
    """For load balancers: the process answers and the database is reachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def csrf_failure(request, reason=""):
    message = _("The form had expired or was sent from another page. Reload the page and try again.")
    if _wants_json(request):
        return JsonResponse({"detail": message, "code": "csrf_failed"}, status=403)
    return render(request, "errors/403_csrf.html", {"reason": message}, status=403)


def page_not_found(request, exception=None):
    if _wants_json(request):
        return JsonResponse(
            {"detail": _("Not found, or you do not have access to it."), "code": "not_found"}, status=404
        )
    return render(request, "errors/404.html", status=404)


def permission_denied(request, exception=None):
    reason = str(exception) if exception and str(exception) else ""
    if _wants_json(request):
        return JsonResponse(
            {"detail": reason or _("You are not allowed to do this."), "code": "permission_denied"}, status=403
        )
    return render(request, "errors/403.html", {"reason": reason}, status=403)


def bad_request(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": _("The request could not be understood."), "code": "bad_request"}, status=400)
    return render(request, "errors/400.html", status=400)


def _database_unreachable() -> bool:
    """Is the error being handled a lost or refused database connection (not a bug)?"""
    from django.db import InterfaceError, OperationalError

    error = sys.exc_info()[1]
    while error is not None:
        if isinstance(error, OperationalError | InterfaceError):
            return True
        error = error.__cause__ or error.__context__
    return False


def service_unavailable(request):
    """503 while the database cannot be reached (restarting, failing over): a clear answer that
    nothing was saved, and when to try again; never a 500 with a trace."""
    request_id = getattr(request, "request_id", "")
    if _wants_json(request):
        response = JsonResponse(
            {
                "detail": _(
                    "The database cannot be reached right now. Try again in a minute; "
                    "a retry with the same Idempotency-Key never makes a second report."
                ),
                "code": "unavailable",
                "request_id": request_id,
            },
            status=503,
        )
    else:
        template = loader.get_template("errors/503.html")
        response = HttpResponse(
            template.render({"request_id": request_id, "LANGUAGE_CODE": get_language()}), status=503
        )
    response["Retry-After"] = "30"
    return response


def server_error(request):
    if _database_unreachable():
        return service_unavailable(request)
    if _wants_json(request):
        return JsonResponse(
            {
                "detail": _("Something went wrong on our side. Nothing was saved. Try again in a moment."),
                "code": "server_error",
                "request_id": getattr(request, "request_id", ""),
            },
            status=500,
        )
    # Rendered without the request's context processors: the error may be that the
    # database is gone, and the menu needs the database.
    template = loader.get_template("errors/500.html")
    context = {"request_id": getattr(request, "request_id", ""), "LANGUAGE_CODE": get_language()}
    return HttpResponseServerError(template.render(context))
