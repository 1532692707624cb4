"""Webhook subscribers in the admin: registered by the administrator, the secret shown once.

The add form takes the name, the address, the care provider and the events; the page that
follows shows the new secret, once. The change form never shows it; nothing is deleted
(deactivate a subscriber instead).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit
from psweb.admin import NoDeleteMixin
from webhooks import services
from webhooks.catalogue import EVENT_TYPES
from webhooks.models import NATIONAL_KIND, Subscriber


class SubscriberForm(forms.ModelForm):
    url = forms.URLField(
        label=_("address"), max_length=500, assume_scheme="https", help_text=_("Events are sent here with POST.")
    )
    event_types = forms.MultipleChoiceField(
        label=_("events"),
        choices=[(event, event) for event in EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Subscriber
        fields = ["name", "url", "care_provider", "event_types", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["care_provider"].queryset = OrgUnit.objects.filter(parent=None).exclude(kind__code=NATIONAL_KIND)


@admin.register(Subscriber)
class SubscriberAdmin(NoDeleteMixin, admin.ModelAdmin):
    form = SubscriberForm
    list_display = ["name", "url", "care_provider", "events", "active", "created_at"]
    list_filter = ["active"]
    list_select_related = ["care_provider"]
    search_fields = ["name", "url"]
    ordering = ["name"]

    def get_fields(self, request, obj=None):
        fields = ["name", "url", "care_provider", "event_types", "active"]
        return fields if obj is None else [*fields, "created_at", "created_by"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["created_at", "created_by"]

    @admin.display(description=_("events"))
    def events(self, obj):
        return ", ".join(obj.event_types)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        subscriber = services.subscriber_create(
            name=data["name"],
            url=data["url"],
            care_provider=data["care_provider"],
            event_types=data["event_types"],
            active=data["active"],
            actor=request.user,
        )
        for field in subscriber._meta.concrete_fields:
            setattr(obj, field.attname, getattr(subscriber, field.attname))
        obj._state.adding = False
        request._psweb_new_secret = subscriber.secret

    def response_add(self, request, obj, post_url_continue=None):
        """The secret, once: it is in this page and no other."""
        return TemplateResponse(
            request,
            "admin/webhooks/subscriber/created.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "subscriber": obj,
                "secret": request._psweb_new_secret,
                "title": _("Webhook subscriber created"),
            },
        )
