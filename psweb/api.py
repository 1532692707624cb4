"""Shared REST API base classes: scoped viewsets, readable JSON errors, the docs page.

Every API viewset derives from `ScopedViewSetMixin`. It builds the queryset from
`queryset.visible_to(request.user)` and refuses, at class-definition time, a subclass that
overrides `get_queryset`: scoping cannot be skipped by accident. A subclass narrows the
query (select_related, extra filters) in `narrow_queryset`, which receives and returns a
queryset that is scoped *afterwards* again.

Errors always have the shape `{"detail": "<a sentence a person can read>", "code": "..."}`,
plus, for bad input (400), `"errors": {field: [{"code": "...", "message": "..."}]}`; the errors of
an item of a list are nested under its index (`{"0": {"numerator": [...]}}`), and a refusal of
the whole request is under `non_field_errors` (docs/api.md, "Error contract"). The schema
describes them once, as the components `Error`, `ValidationError`, `FieldError`, `FieldErrors`
and `ConflictError`, and every operation documents its errors with them.
"""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_field
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.fields import get_error_detail
from rest_framework.views import exception_handler as drf_exception_handler

from psweb.cases import ConflictError, StaleVersionError, person_name


class ScopedViewSetMixin:
    queryset = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(
                f"{cls.__name__} overrides get_queryset(); narrow the query in narrow_queryset() instead, "
                "so that visible_to(user) is always applied."
            )

    def narrow_queryset(self, queryset):
        return queryset

    def get_queryset(self):
        if self.queryset is None:
            raise TypeError(f"{type(self).__name__} has no queryset.")
        base = self.queryset.all()
        if not hasattr(base, "visible_to"):
            raise TypeError(f"{base.model.__name__} has no visible_to(user); it cannot be served by the API.")
        return self.narrow_queryset(base).visible_to(self.request.user)


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """List and retrieve, scoped to the user."""


class ScopedModelViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """Base for writable resources; add the mixins (create, partial update) you mean to offer."""


class ChoiceLabelField(serializers.CharField):
    """The label of a model field's choice, as `get_<field>_display()` gives it, read-only.

    `CharField(source="get_status_display")` does the same, but DRF inspects the method's
    signature for every row it serializes: three such fields cost a page of 50 incidents
    about 10 ms (docs/benchmarks.md)."""

    def __init__(self, choice_field: str, **kwargs):
        self.choice_field = choice_field
        super().__init__(read_only=True, **kwargs)

    def get_attribute(self, instance):
        return getattr(instance, f"get_{self.choice_field}_display")()


def _plausible(value: dt.date) -> None:
    """Refuse a date no one means: before 1 January of DATE_FLOOR_YEAR (1900: before it, Swedish
    time had no whole-hour offset), or more than DATE_MAX_YEARS_AHEAD years from today."""
    floor = dt.date(settings.DATE_FLOOR_YEAR, 1, 1)
    if value < floor:
        raise serializers.ValidationError(
            _("The date must be in %(year)s or later.") % {"year": floor.year}, code="date_too_early"
        )
    ahead = settings.DATE_MAX_YEARS_AHEAD
    if value.year > timezone.localdate().year + ahead:
        raise serializers.ValidationError(
            _("The date is more than %(years)s years ahead: check the year.") % {"years": ahead},
            code="date_too_late",
        )


class PlausibleDateField(serializers.DateField):
    """A date in the plausible range (`_plausible`)."""

    def to_internal_value(self, value):
        date = super().to_internal_value(value)
        _plausible(date)
        return date


class RFC3339DateTimeField(serializers.DateTimeField):
    """A timestamp as RFC 3339 (`2026-03-14T21:40:00+01:00`) in a plausible range.

    Its offset is always whole minutes, as RFC 3339 and JavaScript's `Date` require: a time
    before 1900, when Stockholm kept local mean time (+01:12:12), is given in UTC instead."""

    def to_internal_value(self, value):
        moment = super().to_internal_value(value)
        _plausible(moment.date())
        return moment

    def to_representation(self, value):
        if isinstance(value, dt.datetime) and timezone.is_aware(value):
            local = self.enforce_timezone(value)
            if local.utcoffset().seconds % 60:
                return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
        return super().to_representation(value)


class ModelSerializer(serializers.ModelSerializer):
    """DRF's ModelSerializer, with one correction for the schema: a choice that may be blank in
    the model (an event class not yet set, an undecided case) says so, so that clients and the
    schema-based fuzzing accept the blank value the API really returns.
    Timestamps are RFC 3339 with a whole-minute offset (`RFC3339DateTimeField`)."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: RFC3339DateTimeField,
        models.DateField: PlausibleDateField,
    }

    def get_fields(self):
        fields = super().get_fields()
        model = getattr(self.Meta, "model", None)
        for name, field in fields.items():
            if not isinstance(field, serializers.ChoiceField) or model is None:
                continue
            source = field.source if field.source and field.source != "*" else name
            try:
                model_field = model._meta.get_field(source)
            except FieldDoesNotExist:  # a source that is not a model field: nothing to correct
                model_field = None
            if getattr(model_field, "blank", False):
                field.allow_blank = True
        return fields


class RefuseUnknownFields:
    """For request serializers: a field the endpoint does not take (`status`, `reference`,
    `reporter`, a derived `value`, …) is refused with 400 naming it, instead of being ignored,
    so that a client never believes it changed something it may not."""

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - set(self.fields))
            if unknown:
                raise exceptions.ValidationError({name: [_("This field cannot be set here.")] for name in unknown})
        return super().to_internal_value(data)


class Conflict(exceptions.APIException):
    """409: a stale version (someone saved in between) or a transition the current state forbids."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy(
        "This was changed by someone else, or the action is not possible in its current state. Reload and try again."
    )
    default_code = "conflict"


def _as_api_exception(exc):
    """Django's own exceptions, raised by services and shortcuts, as their DRF equivalents."""
    if isinstance(exc, DjangoValidationError):
        detail = get_error_detail(exc)  # keeps each message's code
        return exceptions.ValidationError(detail if isinstance(detail, dict) else {"non_field_errors": detail})
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    return exc


def _readable_detail(exc, response, context) -> str:
    if isinstance(exc, exceptions.NotAuthenticated):
        return _("Sign in, or send an API token in the header “Authorization: Token <key>”.")
    if isinstance(exc, exceptions.AuthenticationFailed):
        # One message for every kind of failure: it does not tell a caller which tokens exist.
        return _("The API token was not accepted. It is unknown, or its account is no longer active.")
    if isinstance(exc, exceptions.NotFound):
        return _("Not found, or you do not have access to it.")
    if isinstance(exc, exceptions.MethodNotAllowed):
        request, view = context.get("request"), context.get("view")
        method = request.method if request is not None else ""
        allowed = ", ".join(view.allowed_methods) if view is not None else ""
        return _("This address does not accept %(method)s. It accepts: %(allowed)s.") % {
            "method": method,
            "allowed": allowed,
        }
    if isinstance(exc, exceptions.PermissionDenied) and str(exc.detail) == str(exc.default_detail):
        return _("You are not allowed to do this.")
    detail = response.data.get("detail") if isinstance(response.data, dict) else None
    return str(detail) if detail else str(exc)


def field_errors(detail) -> dict:
    """DRF's error detail as the contract's `errors`: field → [{code, message}], a list's
    items by index (only those with errors), and a bare list under `non_field_errors`."""

    def messages(items) -> list[dict]:
        return [{"code": getattr(item, "code", None) or "invalid", "message": str(item)} for item in items]

    def tree(value):
        if isinstance(value, dict):
            return {str(key): tree(child) for key, child in value.items()}
        if isinstance(value, list | tuple):
            if all(isinstance(item, str) for item in value):
                return messages(value)
            return {str(index): tree(item) for index, item in enumerate(value) if item}
        return messages([value])

    if isinstance(detail, dict):
        return tree(detail)
    return {"non_field_errors": tree(detail if isinstance(detail, list) else [detail])}


def exception_handler(exc, context):
    """Errors as JSON a person can read.

    400 for bad input (field by field), 401 without valid credentials, 403 with the reason,
    404 outside the user's scope (the same answer as for an object that does not exist),
    405 naming the accepted methods, 409 for a stale version or an illegal transition.
    """
    exc = _as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    if isinstance(exc, exceptions.ValidationError):
        response.data = {
            "detail": _("The request contains errors. See the message for each field."),
            "code": "invalid",
            "errors": field_errors(exc.detail),
        }
    elif isinstance(exc, exceptions.ParseError):
        # A body that is not JSON (or is nested absurdly deep) is bad input like any other.
        message = _readable_detail(exc, response, context)
        response.data = {
            "detail": message,
            "code": "parse_error",
            "errors": {"non_field_errors": [{"code": "parse_error", "message": message}]},
        }
    else:
        response.data = {
            "detail": _readable_detail(exc, response, context),
            "code": code if isinstance(code, str) else "error",
        }
    return response


# --- The case kit's API plumbing: errors of versioned cases, and the schema pieces ------------


@extend_schema_field(OpenApiTypes.STR)
class PersonNameField(serializers.Field):
    """A user as the name people know them by (full name, else the username)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, user):
        return person_name(user)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="A sentence a person can read, in the caller's language.")
    code = serializers.CharField(
        help_text="A machine-readable code: `invalid`, `parse_error`, `not_authenticated`, `authentication_failed`, "
        "`permission_denied`, `not_found`, `method_not_allowed`, `unsupported_media_type`, `conflict`, "
        "`stale_version`, `throttled`."
    )


# The `errors` of a 400: defined once as the component `FieldErrors` (FIELD_ERROR_COMPONENTS below),
# recursive because a list's items nest their errors under their index.
FIELD_ERRORS_REF = {"$ref": "#/components/schemas/FieldErrors"}


@extend_schema_field(FIELD_ERRORS_REF)
class FieldErrorsField(serializers.DictField):
    pass


class ValidationErrorSerializer(ErrorSerializer):
    errors = FieldErrorsField(
        help_text="For each field that was not accepted, its errors (`non_field_errors`: the whole request); "
        "the items of a list by their index."
    )


class BlockerSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="What is missing, e.g. `feedback_missing`; `blocked` if unnamed.")
    message = serializers.CharField(help_text="What to do, in the caller's language.")


class ChangeSerializer(serializers.Serializer):
    who = serializers.CharField(allow_null=True, help_text="Name of the person who made the change.")
    when = RFC3339DateTimeField(help_text="When the change was made.")
    what = serializers.CharField(help_text="What was done, e.g. “Classified”.")
    kind = serializers.CharField(help_text="The timeline entry kind, e.g. `classified`.")
    version = serializers.IntegerField(allow_null=True, help_text="The case's version after the change.")


class ConflictErrorSerializer(ErrorSerializer):
    changes = ChangeSerializer(
        many=True,
        required=False,
        help_text="With a stale `version` only: what others changed since that version, oldest first.",
    )
    blockers = BlockerSerializer(
        many=True,
        required=False,
        help_text="With a refused transition only: what must be done first.",
    )


def change_data(entry, user=None) -> dict:
    """A timeline entry (`psweb.models.TimelineEntryBase`) as one of a 409's `changes`, its
    actor as `user` may know them."""
    return {
        "who": entry.actor_name_for(user),
        "when": entry.at,
        "what": str(entry.get_kind_display()),
        "kind": entry.kind,
        "version": entry.data.get("version"),
    }


class StaleVersion(Conflict):
    default_code = "stale_version"

    def __init__(self, detail, changes):
        super().__init__(detail, code=self.default_code)
        self.changes = changes


def case_exception_handler(exc, context):
    """`exception_handler`, plus a stale version's `changes` and a refusal's `blockers`."""
    response = exception_handler(exc, context)
    if response is not None and isinstance(exc, Conflict):
        if isinstance(exc, StaleVersion):
            user = getattr(context.get("request"), "user", None)
            changes = [change_data(entry, user) for entry in exc.changes]
            response.data["changes"] = ChangeSerializer(changes, many=True).data
        blockers = getattr(exc, "blockers", None)
        if blockers:
            view = context.get("view")
            codes = getattr(view, "blocker_codes", {})
            response.data["blockers"] = [{"code": blocker_code(b, codes), "message": str(b)} for b in blockers]
    return response


def blocker_code(blocker, codes: dict[str, str]) -> str:
    """The code of one of a refusal's `blockers`: its own `code`, else the code whose message
    (`codes`: code → English msgid, compared in the request's language) it is."""
    if getattr(blocker, "code", None):
        return blocker.code
    text = str(blocker)
    for code, msgid in codes.items():
        template = _(msgid)
        if text == template:
            return code
        # A message with placeholders (`%(reference)s, “%(action)s”: give a due date.`).
        if "%(" in template:
            pattern = "".join(
                ".*" if part.startswith("%(") else re.escape(part) for part in re.split(r"(%\(\w+\)s)", template)
            )
            if re.fullmatch(pattern, text, flags=re.DOTALL):
                return code
    return "blocked"


class CaseErrorsMixin:
    # A versioned case's service errors as API answers: a stale version is a 409 with
    # `changes` (who did what since), an illegal transition a 409 with `blockers` if any, each
    # with the code `blocker_codes` gives it (code → the English message). A comment, not a
    # docstring: drf-spectacular would show a docstring as every operation's description.

    blocker_codes: dict[str, str] = {}

    def get_exception_handler(self):
        return case_exception_handler

    def _valid(self, serializer_class, data=None) -> dict:
        """The request's data (or `data`) checked by `serializer_class`; 400 field by field."""
        serializer = serializer_class(data=self.request.data if data is None else data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def handle_exception(self, exc):
        if isinstance(exc, StaleVersionError):
            exc = StaleVersion(exc.message, exc.changes)
        elif isinstance(exc, ConflictError):
            blockers = getattr(exc, "blockers", None)
            exc = Conflict(exc.message)
            exc.blockers = blockers
        return super().handle_exception(exc)


def case_errors(what: str) -> dict:
    """The answers every operation on a case documents, naming the kind of case."""
    return {
        400: OpenApiResponse(ValidationErrorSerializer, description="Bad input; a message for each field."),
        403: OpenApiResponse(ErrorSerializer, description="Not allowed; `detail` says why."),
        404: OpenApiResponse(ErrorSerializer, description=f"No such {what}, or outside your scope."),
        409: OpenApiResponse(
            ConflictErrorSerializer,
            description=f"Not possible in the {what}'s current state, or a stale `version` (with `changes`).",
        ),
    }


ERRORS = case_errors("case")
READ_ERRORS = {404: ERRORS[404]}
# Lists under one case: short, whole, neither filtered nor paged.
SUBLIST = {"filter_backends": [], "pagination_class": None}


def pk_param(name: str, what: str) -> OpenApiParameter:
    """A path parameter that is a row's id."""
    return OpenApiParameter(name, OpenApiTypes.INT, OpenApiParameter.PATH, description=f"The {what}'s id.")


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI from the vendored sidecar files. Our template drops the inline <style>
    of drf-spectacular's page, so the page runs under the site-wide CSP unchanged: the HTML
    loads only /static/ files and the initialising script from this same view (?script=)."""

    template_name = "api/swagger_ui.html"


FIELD_ERROR_COMPONENTS = {
    "FieldError": {
        "type": "object",
        "properties": {
            "code": {"type": "string", "description": "Machine-readable: `required`, `invalid`, `max_length`, …"},
            "message": {"type": "string", "description": "What is wrong, in the caller's language."},
        },
        "required": ["code", "message"],
    },
    "FieldErrors": {
        "type": "object",
        "description": (
            "For each field that was not accepted, a list of its errors; for a list (or an object) of "
            "items, the items with errors under their index (or key), nested the same way."
        ),
        "additionalProperties": {
            "oneOf": [
                {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}},
                {"$ref": "#/components/schemas/FieldErrors"},
            ]
        },
        "example": {"occurred_at": [{"code": "invalid", "message": "The date must be in 1900 or later."}]},
    },
}
REQUEST_ID_HEADER = {
    "X-Request-ID": {
        "description": "The request's id, as written in the logs: quote it when you report a problem.",
        "schema": {"type": "string"},
    }
}


def standard_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: the error contract on every operation.

    Every `/api/v1/` operation documents the errors every endpoint can answer, each with a body
    of the contract: 400 (`ValidationError`) for bad input or parameters, 401 without valid
    credentials, 403 not allowed, 404 for an object outside the caller's scope, 415 for a body
    that is not JSON; an error an operation documents without a body gets the contract's body.
    405 is never documented (the method is simply not offered). Every answer carries
    `X-Request-ID`; a 401 carries `WWW-Authenticate`."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.update(FIELD_ERROR_COMPONENTS)
    error = {"$ref": "#/components/schemas/Error"}
    invalid = {"$ref": "#/components/schemas/ValidationError"}
    texts = {
        "400": ("Bad input or parameters; the errors of each field.", invalid),
        "401": ("No valid credentials: sign in, or send `Authorization: Token <key>`.", error),
        "403": ("Not allowed; `detail` says why.", error),
        "404": ("Not found, or outside your scope.", error),
    }
    for path, item in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            wanted = dict(texts)
            if "requestBody" in operation:
                wanted["415"] = ("The body is not JSON (`Content-Type: application/json`).", error)
            for code, (description, _schema) in wanted.items():
                responses.setdefault(code, {"description": description})
            for code, response in responses.items():
                if code.startswith("4") and not response.get("content"):
                    response["content"] = {"application/json": {"schema": invalid if code == "400" else error}}
                    response["description"] = response.get("description") or wanted.get(code, ("An error.",))[0]
                headers = response.setdefault("headers", {})
                headers.update(REQUEST_ID_HEADER)
                if code == "401":
                    headers["WWW-Authenticate"] = {
                        "description": "`Token`: the scheme to authenticate with.",
                        "schema": {"type": "string"},
                    }
    return result
