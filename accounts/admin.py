"""The Django admin for system administrators: the org tree, users and memberships.

Writes go through `accounts.services`, as they do from every other entry point: creating
or moving a unit keeps the materialised paths right, and granting a membership tells the
person by e-mail. Nothing here is deleted: a unit is deactivated, a membership ends with
its last day, a user is deactivated. The audit trail (pghistory) records who did what
through the request context, as for any other request.

The access log is not registered here: reviewing it is the patient-safety officer's task,
scoped to their care provider, on the log-review page. A system administrator must not
read patient identifiers of every care provider unlogged.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import Membership, MembershipEvent, OrgUnit, OrgUnitEvent, OrgUnitKind, User, local_today
from psweb.admin import NoDeleteMixin, ReadOnlyAdminMixin


class _ServiceRefusedError(Exception):
    """A service refused the change; the admin form is shown again with its reasons."""

    def __init__(self, error: ValidationError):
        super().__init__(error)
        self.error = error


class ServiceAdminMixin:
    """Show a `ValidationError` raised by a service in `save_model` as form errors.

    The admin saves after the form has validated, so a service's own checks (such as "a unit
    cannot be moved below itself") would otherwise end in a 500. The failed attempt is rolled
    back with the admin's transaction, and the form is validated again carrying the errors.
    """

    _refusal_attr = "_psweb_service_refusal"

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _ServiceRefusedError as refused:
            setattr(request, self._refusal_attr, refused.error)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, self._refusal_attr, None)
        if refusal is None:
            return form_class

        class RefusedForm(form_class):
            def clean(self):
                cleaned = super().clean()
                _add_errors(self, refusal)
                return cleaned

        return RefusedForm

    def call_service(self, function, **kwargs):
        try:
            return function(**kwargs)
        except ValidationError as error:
            raise _ServiceRefusedError(error) from error


def _add_errors(form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else NON_FIELD_ERRORS, errors)


def _copy_saved(saved, into) -> None:
    """The admin keeps using the instance it built from the form; give it what the service saved."""
    for field in saved._meta.concrete_fields:
        setattr(into, field.attname, getattr(saved, field.attname))
    into._state.adding = False


@admin.register(OrgUnitKind)
class OrgUnitKindAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "rank"]
    search_fields = ["name", "code"]
    ordering = ["rank", "name"]


@admin.register(OrgUnit)
class OrgUnitAdmin(ServiceAdminMixin, NoDeleteMixin, admin.ModelAdmin):
    list_display = ["indented_name", "kind", "hsa_id", "care_provider", "is_active"]
    list_filter = ["kind", "is_active", ("care_provider", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["kind", "care_provider"]
    search_fields = ["name", "hsa_id"]
    autocomplete_fields = ["parent"]
    ordering = ["path"]
    readonly_fields = ["care_provider", "path_names"]
    list_per_page = 200

    def get_fields(self, request, obj=None):
        if obj is None:
            # A new unit is always active; deactivate it later if needed.
            return ["name", "kind", "parent", "hsa_id"]
        return ["name", "kind", "parent", "hsa_id", "is_active", "care_provider", "path_names"]

    @admin.display(description=_("name"), ordering="path")
    def indented_name(self, unit: OrgUnit) -> str:
        return f"{'— ' * unit.depth}{unit.name}"

    @admin.display(description=_("place in the tree"))
    def path_names(self, unit: OrgUnit) -> str:
        names = dict(OrgUnit.objects.filter(pk__in=unit.ancestor_ids()).values_list("pk", "name"))
        return " › ".join(names.get(pk, "?") for pk in unit.ancestor_ids())

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            saved = self.call_service(
                services.orgunit_update,
                unit=obj,
                name=data["name"],
                kind=data["kind"],
                parent=data["parent"],
                hsa_id=data["hsa_id"],
                is_active=data["is_active"],
            )
        else:
            saved = self.call_service(
                services.orgunit_create,
                name=data["name"],
                kind=data["kind"],
                parent=data["parent"],
                hsa_id=data["hsa_id"],
            )
        _copy_saved(saved, obj)


class MembershipInline(admin.TabularInline):
    """The user's roles, read-only: roles are granted and ended on the membership page."""

    model = Membership
    fk_name = "user"
    fields = ["unit", "role", "valid_from", "valid_to"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ["unit__path", "role"]
    verbose_name_plural = _("roles (change them under Memberships)")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("unit")


@admin.register(User)
class UserAdmin(NoDeleteMixin, DjangoUserAdmin):
    """Users are deactivated, never deleted: the audit trail and the access log refer to them."""

    fieldsets = (
        *DjangoUserAdmin.fieldsets[:1],
        (_("Personal info"), {"fields": ("first_name", "last_name", "email", "title", "hsa_id")}),
        *DjangoUserAdmin.fieldsets[2:],
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Personal info"), {"fields": ("first_name", "last_name", "email", "title", "hsa_id")}),
    )
    list_display = ["username", "first_name", "last_name", "email", "hsa_id", "is_active", "is_staff"]
    search_fields = ["username", "first_name", "last_name", "email", "hsa_id"]
    inlines = [MembershipInline]

    def get_inlines(self, request, obj):
        # A new user has no roles yet; they are granted under Memberships once the user exists.
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            # Deactivated: every session and the API token end now, not when they expire.
            services.user_sessions_end(user=obj)


class ValidityFilter(admin.SimpleListFilter):
    title = _("validity")
    parameter_name = "validity"

    def lookups(self, request, model_admin):
        return [("valid", _("Valid today")), ("ended", _("Ended")), ("future", _("Starts later"))]

    def queryset(self, request, queryset):
        today = local_today()
        if self.value() == "valid":
            return queryset.valid_on(today)
        if self.value() == "ended":
            return queryset.filter(valid_to__lt=today)
        if self.value() == "future":
            return queryset.filter(valid_from__gt=today)
        return queryset


@admin.register(Membership)
class MembershipAdmin(ServiceAdminMixin, NoDeleteMixin, admin.ModelAdmin):
    """Grant a role here (the person gets an e-mail); end it by setting the last day."""

    list_display = ["user", "role", "unit", "valid_from", "valid_to"]
    list_filter = ["role", ValidityFilter]
    list_select_related = ["user", "unit"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__name"]
    autocomplete_fields = ["user", "unit"]
    fields = ["user", "unit", "role", "valid_from", "valid_to"]
    ordering = ["unit__path", "role", "user__username"]

    def get_readonly_fields(self, request, obj=None):
        # Who and where define the membership; a different person or unit is a new membership.
        return ["user", "unit"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        saved = self.call_service(
            services.membership_grant,
            user=data["user"],
            unit=data["unit"],
            role=data["role"],
            valid_from=data.get("valid_from") or local_today(),
            valid_to=data.get("valid_to"),
            actor=request.user,
        )
        _copy_saved(saved, obj)


class EventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Field-level history written by the database triggers: read-only, like the tables."""

    list_display = ["pgh_created_at", "pgh_label", "pgh_obj", "acting_user", "source"]
    list_filter = ["pgh_label"]
    list_select_related = ["pgh_context"]
    date_hierarchy = "pgh_created_at"
    ordering = ["-pgh_created_at"]

    @admin.display(description=_("by user (id)"))
    def acting_user(self, event) -> str:
        metadata = event.pgh_context.metadata if event.pgh_context else {}
        return str(metadata.get("user") or "")

    @admin.display(description=_("from"))
    def source(self, event) -> str:
        metadata = event.pgh_context.metadata if event.pgh_context else {}
        return metadata.get("url") or metadata.get("celery_task") or metadata.get("command") or ""


@admin.register(OrgUnitEvent)
class OrgUnitEventAdmin(EventAdmin):
    search_fields = ["name", "hsa_id"]
    list_select_related = ["pgh_context", "pgh_obj"]


@admin.register(MembershipEvent)
class MembershipEventAdmin(EventAdmin):
    search_fields = ["user__username", "unit__name"]
    list_select_related = ["pgh_context", "pgh_obj", "pgh_obj__user", "pgh_obj__unit"]


# Authenticator devices are made and replaced by `manage.py totp_device` only (accounts.local_login):
# django-otp's admin would show their secret keys to every staff user.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)
