"""The admin's view of API credentials: it never shows a secret.

- API tokens: the list says whose, what for, the first characters, expiry, last use and
  revocation; the administrator creates a token for a (service) user here and sees the
  secret once, on the page that follows; revoking is an action. Nothing else is editable.
- OAuth2 client applications (django-oauth-toolkit): client credentials only, tied to a
  service user, confidential; the secret is shown once in the add form and stored hashed.
  The toolkit's own pages for grants, refresh and ID tokens are removed: psweb issues none.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from oauth2_provider.admin import ApplicationAdmin
from oauth2_provider.models import get_application_model, get_grant_model, get_id_token_model, get_refresh_token_model

from apitokens import services
from apitokens.models import ApiToken
from psweb.admin import NoDeleteMixin


class ApiTokenAddForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["user", "name", "expires_at"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("expires_at") is not None:
            for field, problems in services.api_token_problems(
                user=cleaned.get("user"), name=cleaned.get("name") or "", expires_at=cleaned["expires_at"]
            ).items():
                if field in cleaned:  # not twice for a field that already has its error
                    self.add_error(field, problems)
        return cleaned


@admin.register(ApiToken)
class ApiTokenAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["name", "prefix", "user__username"]
    autocomplete_fields = ["user"]
    ordering = ["-created_at"]
    actions = ["revoke"]
    readonly_fields = [
        "user",
        "name",
        "prefix",
        "created_at",
        "created_by",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ApiTokenAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ["user", "name", "expires_at"] if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_changeform_initial_data(self, request):
        return {**super().get_changeform_initial_data(request), "expires_at": services.default_expiry()}

    def has_change_permission(self, request, obj=None):
        # Viewable; revoking is the only change, and it is an action.
        return False if obj is not None else super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        token, secret = services.api_token_create(
            user=data["user"], name=data["name"], expires_at=data["expires_at"], actor=request.user
        )
        for field in token._meta.concrete_fields:
            setattr(obj, field.attname, getattr(token, field.attname))
        obj._state.adding = False
        request._psweb_new_secret = secret

    def response_add(self, request, obj, post_url_continue=None):
        """The secret, once: it is in this page and nowhere else."""
        return TemplateResponse(
            request,
            "admin/apitokens/apitoken/created.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "token": obj,
                "secret": request._psweb_new_secret,
                "title": _("API token created"),
            },
        )

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        revoked = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(
            request, ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", revoked) % {"count": revoked}
        )


class ClientApplicationForm(forms.ModelForm):
    class Meta:
        model = get_application_model()
        fields = ["name", "user", "client_id", "client_secret", "hash_client_secret"]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("user"):
            self.add_error("user", _("A client application acts as a service user: choose one."))
        if cleaned.get("hash_client_secret") is False:
            self.add_error("hash_client_secret", _("The client secret is always stored hashed."))
        return cleaned

    def _post_clean(self):
        self.instance.client_type = self.instance.CLIENT_CONFIDENTIAL
        self.instance.authorization_grant_type = self.instance.GRANT_CLIENT_CREDENTIALS
        self.instance.redirect_uris = ""
        super()._post_clean()


admin.site.unregister(get_application_model())


@admin.register(get_application_model())
class ClientApplicationAdmin(ApplicationAdmin):
    form = ClientApplicationForm
    list_display = ["name", "user", "client_id", "created"]
    list_filter = []
    radio_fields = {}
    raw_id_fields = []
    autocomplete_fields = ["user"]
    search_fields = ["name", "client_id", "user__username"]
    readonly_fields = []

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "user", "client_id", "client_secret", "hash_client_secret"]
        return ["name", "user", "client_id"]

    def get_readonly_fields(self, request, obj=None):
        return ["client_id"] if obj is not None else []


for _model in (get_grant_model(), get_refresh_token_model(), get_id_token_model()):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
