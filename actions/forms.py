"""The form on "Mina åtgärder": the responsible person marks her action started or done."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from actions.models import Action
from psweb.cases import MAX_TEXT


class ProgressForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Status"),
        choices=[(Action.State.IN_PROGRESS, _("Started")), (Action.State.DONE, _("Done"))],
        widget=forms.RadioSelect,
    )
    progress_note = forms.CharField(
        label=_("What was done"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when the action is done."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, action: Action, **kwargs):
        kwargs.setdefault("prefix", f"action-{action.pk}")
        super().__init__(*args, **kwargs)
        self.action = action
        if not self.is_bound:
            self.fields["state"].initial = (
                Action.State.DONE if action.state == Action.State.IN_PROGRESS else Action.State.IN_PROGRESS
            )
            self.fields["progress_note"].initial = action.progress_note
            self.fields["version"].initial = action.version
