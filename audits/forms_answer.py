"""Forms of a unit's response page (`views_answer`): each parses the input of one service,
nothing more. The transitions post the response's `version` (hidden); the services check every
rule again (who, the state, the input). An answer is not a form here: its few fields go to
`services.answer_save` as they are, which checks them."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.selectors import staff_of
from audits.models import Response, Statement
from psweb.cases import MAX_TEXT


class UserChoiceField(forms.ModelChoiceField):
    """A person by name and username (egenkontroll knows no incident form to borrow it from)."""

    def label_from_instance(self, obj: User) -> str:
        full = obj.get_full_name()
        return f"{full} ({obj.username})" if full else obj.username


class ResponseForm(forms.Form):
    """A form about one response, posting the version the user saw. `slug` tells the page's
    forms apart (and names the fields' ids)."""

    slug = "response"
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, response: Response, **kwargs):
        self.response = response
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("version", response.version)
        kwargs.setdefault("auto_id", f"id_{self.slug}_%s")
        super().__init__(*args, **kwargs)


class SubmitForm(ResponseForm):
    slug = "submit"


class ApproveForm(ResponseForm):
    slug = "approve"


class ReturnForm(ResponseForm):
    slug = "return"
    reason = forms.CharField(
        label=_("What should be changed?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The unit's staff read this on the response's timeline."),
    )


class ActionForm(forms.Form):
    """An action for what the response found, for someone of the unit or a unit above it (as
    the other case types offer: `accounts.selectors.staff_of`). `statement`: the statement it
    is about, when it is added from one (hidden). Adding an action changes nothing the user
    saw, so it posts no version."""

    slug = "action"
    statement = forms.ModelChoiceField(queryset=Statement.objects.none(), required=False, widget=forms.HiddenInput)
    description = forms.CharField(label=_("Action"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3}))
    responsible = UserChoiceField(label=_("Responsible person"), queryset=User.objects.none(), to_field_name="username")
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, response: Response, statement: Statement | None = None, **kwargs):
        self.response = response
        if statement is not None:
            kwargs.setdefault("initial", {}).setdefault("statement", statement.pk)
        super().__init__(*args, **kwargs)
        # Each negative statement has its own form on the page: the ids must differ, also
        # when a posted form comes back with its errors.
        key = statement.pk if statement is not None else str(self.data.get("statement") or "")
        self.auto_id = f"id_action{key if str(key).isdigit() else ''}_%s"
        self.fields["statement"].queryset = Statement.objects.filter(version_id=response.round.template_version_id)
        self.fields["responsible"].queryset = staff_of(unit=response.unit)
