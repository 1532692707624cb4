"""Shared REST API base classes: scoped viewsets, readable JSON errors, the docs page.

Every API viewset derives from `ScopedViewSetMixin`. It builds the queryset from
`queryset.visible_to(request.user)` and refuses, at class-definition time, a subclass that
overrides `get_queryset`: scoping cannot be skipped by accident. A subclass narrows the
query (select_related, extra filters) in `narrow_queryset`, which receives and returns a
queryset that is scoped *afterwards* again.

Errors always have the shape `{"detail": "<a sentence a person can read>", "code": "..."}`,
plus `"errors": {field: [messages]}` for bad input (400).
"""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_field
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import exceptions, serializers, status, viewsets
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


class ModelSerializer(serializers.ModelSerializer):
    """DRF's ModelSerializer, with one correction for the schema: a choice that may be blank in
    the model (an event class not yet set, an undecided case) says so, so that clients and the
    schema-based fuzzing accept the blank value the API really returns."""

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
        return exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
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
        errors = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        response.data = {
            "detail": _("The request contains errors. See the message for each field."),
            "code": "invalid",
            "errors": errors,
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
    detail = serializers.CharField(help_text="A sentence a person can read.")
    code = serializers.CharField(help_text="A machine-readable code, e.g. `permission_denied`, `not_found`.")


class ValidationErrorSerializer(ErrorSerializer):
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="The messages for each field that was not accepted (`non_field_errors` for the whole request).",
    )


class ChangeSerializer(serializers.Serializer):
    who = serializers.CharField(allow_null=True, help_text="Name of the person who made the change.")
    when = serializers.DateTimeField(help_text="When the change was made.")
    what = serializers.CharField(help_text="What was done, e.g. “Classified”.")
    kind = serializers.CharField(help_text="The timeline entry kind, e.g. `classified`.")
    version = serializers.IntegerField(allow_null=True, help_text="The case's version after the change.")


class ConflictErrorSerializer(ErrorSerializer):
    changes = ChangeSerializer(
        many=True,
        required=False,
        help_text="With a stale `version` only: what others changed since that version, oldest first.",
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
            response.data["blockers"] = [str(b) for b in blockers]
    return response


class CaseErrorsMixin:
    """A versioned case's service errors as API answers: a stale version is a 409 with
    `changes` (who did what since), an illegal transition a 409 with `blockers` if any."""

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


def standard_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: every API operation documents the errors every
    endpoint can answer, so that clients (and the schema-based fuzzing) can rely on them:
    400 for bad input or parameters, 401 without valid credentials, 404 for an object outside
    the caller's scope, and 405 is never documented (the method is simply not offered)."""
    components = result.get("components", {}).get("schemas", {})
    error = {"$ref": "#/components/schemas/Error"} if "Error" in components else {"type": "object"}
    invalid = {"$ref": "#/components/schemas/ValidationError"} if "ValidationError" in components else error
    texts = {
        "400": ("Bad input or parameters; a message for each.", invalid),
        "401": ("No valid credentials: sign in, or send `Authorization: Token <key>`.", error),
        "404": ("Not found, or outside your scope.", error),
    }
    for path, item in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for code, (description, schema) in texts.items():
                if code not in responses:
                    responses[code] = {
                        "description": description,
                        "content": {"application/json": {"schema": schema}},
                    }
    return result
