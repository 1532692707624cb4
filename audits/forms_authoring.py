"""Authoring egenkontroll templates (`/egenkontroll/mallar/ny/` and `…/<id>/ny-version/`): a
template's areas and statements written as lines in one text box, without JavaScript.

The format, one line each (blank lines are ignored):

    # Area title
    key | scale | statement text | threshold | indicator code
      hjälp: help text shown to the unit (several lines are joined)
      rutin: the routine the statement refers to

`scale` is `status` (på plats / under införande / planerad / saknas), `yes_no` (ja / nej / ej
aktuellt) or `count` (observed and compliant); the threshold (0–100 %, optional) is the share
under which a unit's result requires an action; the indicator code (optional, counts only) is
the indicator the counts feed. Keeping a statement's key across versions is what lets a round
compare with the previous one.

`parse_statements` turns the text into `audits.services.version_publish`'s `areas`, and every
problem into a message naming its line; `statements_text` writes a version back in the same
format, so that a new version starts from the current one.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.access import scope_paths
from accounts.models import OrgUnit
from accounts.roles import Perm
from audits.models import Kind, Scale, Statement, Template, TemplateVersion

# The answer scales as written in the text (the model's codes, and their Swedish names).
SCALE_NAMES = {
    "status": Scale.STATUS,
    "yes_no": Scale.YES_NO,
    "ja_nej": Scale.YES_NO,
    "count": Scale.COUNT,
    "antal": Scale.COUNT,
}
# A continuation line's keyword (Swedish as written out, English accepted too) → field.
CONTINUATIONS = {"hjälp": "help_text", "help": "help_text", "rutin": "routine", "routine": "routine"}
HELP_WORD = "hjälp"
ROUTINE_WORD = "rutin"
KEY_RE = re.compile(r"^[A-Za-z0-9_-]+$")
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
KEY_MAX = Statement._meta.get_field("key").max_length
ROUTINE_MAX = Statement._meta.get_field("routine").max_length
INDICATOR_MAX = Statement._meta.get_field("indicator_code").max_length
AREA_MAX = 200
TEXT_MAX = 2000
# Enough for any checklist; a bigger paste is a mistake, refused before it is parsed.
LINES_MAX = 1000

STATEMENTS_HELP = _(
    "One line per area, starting with #: “# Narkotikahantering”. Under it one line per statement, its "
    "fields separated by |: key | scale | statement | threshold | indicator. The key (letters, digits, - "
    "and _) is the statement's name across versions: keep it when you reword a statement, give a new "
    "statement a new key. The scale is status (in place / being introduced / planned / missing), "
    "yes_no (yes / no / not applicable) or count (observed and compliant). The threshold (optional) is "
    "the share, in per cent, under which a unit must add an action; the indicator (optional, count statements "
    "only) is the code of the indicator the counts feed, e.g. BHK-1. Under a statement, a line "
    "starting with “hjälp:” gives the unit help text and a line starting with “rutin:” the routine it "
    "refers to."
)


def _line_error(number: int, message) -> str:
    return gettext("Line %(line)s: %(problem)s") % {"line": number, "problem": message}


def _indicator_codes() -> set[str]:
    from indicators.models import IndicatorDefinition

    return {code.upper() for code in IndicatorDefinition.objects.values_list("code", flat=True)}


def _threshold(raw: str) -> tuple[Decimal | None, bool]:
    """(the threshold or None, valid)."""
    text = raw.strip().rstrip("%").strip().replace(",", ".")
    if not text:
        return None, True
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, False
    if not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
        return None, False
    return value, True


def parse_statements(text: str) -> tuple[list[tuple[str, list[dict]]], list[str]]:
    """(areas for `version_publish`, a message per problem naming its line)."""
    lines = (text or "").splitlines()
    if len(lines) > LINES_MAX:
        return [], [gettext("The text has more than %(max)s lines.") % {"max": LINES_MAX}]
    areas: list[tuple[str, list[dict]]] = []
    area_lines: list[int] = []
    errors: list[str] = []
    keys: dict[str, int] = {}
    statement: dict | None = None
    codes: set[str] | None = None
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            title = line.lstrip("#").strip()
            statement = None
            if not title:
                errors.append(_line_error(number, gettext("write the area's title after #.")))
            elif len(title) > AREA_MAX:
                errors.append(
                    _line_error(number, gettext("an area's title has at most %(max)s characters.") % {"max": AREA_MAX})
                )
            areas.append((title, []))
            area_lines.append(number)
            continue
        word, colon, rest = line.partition(":")
        if colon and word.strip().lower() in CONTINUATIONS and "|" not in word:
            field = CONTINUATIONS[word.strip().lower()]
            if statement is None:
                errors.append(
                    _line_error(
                        number, gettext("a “%(word)s:” line belongs under a statement.") % {"word": word.strip()}
                    )
                )
                continue
            value = rest.strip()
            if statement[field]:
                value = statement[field] + ("\n" if field == "help_text" else " ") + value
            if field == "routine" and len(value) > ROUTINE_MAX:
                errors.append(
                    _line_error(number, gettext("the routine has at most %(max)s characters.") % {"max": ROUTINE_MAX})
                )
            elif len(value) > TEXT_MAX:
                errors.append(
                    _line_error(number, gettext("the help text has at most %(max)s characters.") % {"max": TEXT_MAX})
                )
            statement[field] = value
            continue
        statement = None
        if not areas:
            errors.append(
                _line_error(number, gettext("start with an area line, “# Area title”, before its statements."))
            )
            continue
        parts = [part.strip() for part in line.split("|")]
        if len(parts) < 3:
            errors.append(
                _line_error(number, gettext("write key | scale | statement (threshold and indicator may follow)."))
            )
            continue
        if len(parts) > 5:
            errors.append(
                _line_error(number, gettext("too many fields: a statement has at most five, separated by |."))
            )
            continue
        parts += [""] * (5 - len(parts))
        key, scale_name, body, threshold_raw, indicator = parts
        problems = []
        if not key:
            problems.append(gettext("give the statement a key."))
        elif len(key) > KEY_MAX or not KEY_RE.match(key):
            problems.append(
                gettext("the key “%(key)s” may hold only letters a–z, digits, - and _ (at most %(max)s).")
                % {"key": key, "max": KEY_MAX}
            )
        elif key.lower() in keys:
            problems.append(
                gettext("the key “%(key)s” is already used on line %(other)s.")
                % {"key": key, "other": keys[key.lower()]}
            )
        scale = SCALE_NAMES.get(scale_name.lower())
        if scale is None:
            problems.append(
                gettext("unknown answer scale “%(scale)s”: write status, yes_no or count.") % {"scale": scale_name}
            )
        if not body:
            problems.append(gettext("write the statement."))
        elif len(body) > TEXT_MAX:
            problems.append(gettext("the statement has at most %(max)s characters.") % {"max": TEXT_MAX})
        threshold, valid = _threshold(threshold_raw)
        if not valid:
            problems.append(
                gettext("the threshold “%(value)s” is not a share between 0 and 100 %%.") % {"value": threshold_raw}
            )
        indicator = indicator.upper()
        if indicator:
            if scale is not None and scale != Scale.COUNT:
                problems.append(gettext("only a count statement can feed an indicator."))
            else:
                codes = _indicator_codes() if codes is None else codes
                if len(indicator) > INDICATOR_MAX or indicator not in codes:
                    problems.append(gettext("there is no indicator with the code “%(code)s”.") % {"code": indicator})
        errors += [_line_error(number, problem) for problem in problems]
        if key and key.lower() not in keys:
            keys[key.lower()] = number
        statement = {
            "key": key,
            "text": body,
            "scale": scale,
            "help_text": "",
            "routine": "",
            "threshold": threshold,
            "indicator_code": indicator,
        }
        areas[-1][1].append(statement)
    for (title, statements), number in zip(areas, area_lines, strict=True):
        if not statements:
            errors.append(_line_error(number, gettext("the area “%(title)s” has no statements.") % {"title": title}))
    if not areas and not errors:
        errors.append(gettext("Write at least one area and one statement."))
    return areas, errors


def _scale_word(scale: str) -> str:
    return {Scale.STATUS: "status", Scale.YES_NO: "yes_no", Scale.COUNT: "count"}[scale]


def _threshold_text(value) -> str:
    if value is None:
        return ""
    text = format(value.normalize(), "f") if isinstance(value, Decimal) else str(value)
    return text


def statements_text(version: TemplateVersion | None) -> str:
    """The version's areas and statements in the text format (empty without a version)."""
    if version is None:
        return ""
    lines: list[str] = []
    areas = version.areas.order_by("position").prefetch_related("statements")
    for area in areas:
        if lines:
            lines.append("")
        lines.append(f"# {area.title}")
        for statement in sorted(area.statements.all(), key=lambda s: s.position):
            fields = [
                statement.key,
                _scale_word(statement.scale),
                " ".join(statement.text.replace("|", "/").split()),
                _threshold_text(statement.threshold),
                statement.indicator_code,
            ]
            while len(fields) > 3 and not fields[-1]:
                fields.pop()
            lines.append(" | ".join(fields))
            for help_line in statement.help_text.splitlines():
                if help_line.strip():
                    lines.append(f"  {HELP_WORD}: {help_line.strip()}")
            if statement.routine.strip():
                lines.append(f"  {ROUTINE_WORD}: {' '.join(statement.routine.split())}")
    return "\n".join(lines) + "\n"


class StatementsField(forms.CharField):
    """The text box; cleans to the `areas` of `version_publish`."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Areas and statements"))
        kwargs.setdefault("help_text", STATEMENTS_HELP)
        kwargs.setdefault(
            "widget", forms.Textarea(attrs={"rows": 24, "spellcheck": "true", "class": "statements-text"})
        )
        kwargs.setdefault("strip", False)
        kwargs.setdefault("max_length", 200_000)
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value)
        areas, errors = parse_statements(text)
        if errors:
            raise ValidationError(errors)
        return areas


class VersionForm(forms.Form):
    """A new version of a care provider's own template."""

    based_on = forms.IntegerField(widget=forms.HiddenInput, required=False)
    statements = StatementsField()
    note = forms.CharField(
        label=_("What changed"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown with the version, e.g. “Nytt påstående om delegering”."),
        error_messages={"required": _("Say what changed in this version.")},
    )


def author_providers(user):
    """The care providers (root units) where `user` authors templates: where she holds
    `audit.run` over the whole provider."""
    roots = [int(path.strip("/")) for path in scope_paths(user).get(Perm.AUDIT_RUN, ()) if path.count("/") == 2]
    return OrgUnit.objects.filter(pk__in=roots, parent__isnull=True, is_active=True).order_by("name")


def copyable_templates(user):
    """What a new template may start from: the shipped templates and the authoring care
    providers' own."""
    from django.db.models import Q

    return (
        Template.objects.filter(Q(care_provider__isnull=True) | Q(care_provider__in=author_providers(user)))
        .select_related("care_provider")
        .order_by("title", "id")
    )


class ProviderChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class TemplateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.title} ({obj.code})"


class CopyForm(forms.Form):
    """The GET form that fills the new template's text box from an existing template."""

    copy_from = TemplateChoiceField(
        label=_("Start from a copy of"),
        queryset=Template.objects.none(),
        empty_label=_("Choose a template"),
        help_text=_("Its current version's areas and statements are filled in below; nothing is saved yet."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["copy_from"].queryset = copyable_templates(user)


class TemplateNewForm(forms.Form):
    """A care provider's own template, with its first version."""

    code = forms.CharField(
        label=_("Code"),
        max_length=Template._meta.get_field("code").max_length,
        help_text=_("A short unique name: letters, digits, - and _, e.g. FALL-OBS. Stored in capitals."),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, initial=Kind.CHECKLIST)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    care_provider = ProviderChoiceField(
        label=_("Care provider"),
        queryset=OrgUnit.objects.none(),
        empty_label=None,
        help_text=_("The care provider whose template it is: its safety team may change it and send it."),
    )
    statements = StatementsField()
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional, shown with the first version, e.g. where the template comes from."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        providers = author_providers(user)
        self.fields["care_provider"].queryset = providers
        if len(providers) == 1:
            self.fields["care_provider"].initial = providers[0].pk

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip().upper()
        if not CODE_RE.match(code):
            raise ValidationError(_("The code may hold only letters a–z, digits, - and _."))
        if Template.objects.filter(code__iexact=code).exists():
            raise ValidationError(code_taken(code))
        return code


def code_taken(code: str) -> str:
    return gettext("The code %(code)s is already used by another template: choose another.") % {"code": code}
