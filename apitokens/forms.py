"""The form of a person's own API token (the page "API tokens")."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apitokens.services import api_token_problems


def end_of(day: dt.date) -> dt.datetime:
    """A token valid through `day` (Swedish time) stops at the next midnight."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is used for, for example “Weekly export to Excel”."),
    )
    last_day = forms.DateField(
        label=_("Valid through"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The last day the token works."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["last_day"].initial = timezone.localdate() + dt.timedelta(days=settings.API_TOKEN_DEFAULT_DAYS)

    def clean(self):
        cleaned = super().clean()
        if "name" in cleaned and "last_day" in cleaned:
            problems = api_token_problems(user=self.user, name=cleaned["name"], expires_at=end_of(cleaned["last_day"]))
            for field, messages in problems.items():
                self.add_error({"expires_at": "last_day"}.get(field, field if field in self.fields else None), messages)
        return cleaned
