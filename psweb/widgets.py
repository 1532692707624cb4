"""Form widgets that stay fast with many options.

Django's Select renders each option through a template include. A case page offers every
unit of the region to forward to (300 at the size of a large region), and rendering that one
list took about a third of the page's time (docs/benchmarks.md). `ManyOptionsSelect` writes
the same HTML in Python: the same attributes, escaping, empty choice and selection.

Even written in Python, the list costs its query, 300 model instances and 300 options on
every render (about 14 ms and 20 KB). A list that is the same for everyone can be built once
instead: give the widget `CachedOptions` with a key that changes when the list does (for the
units, a digest of the org tree), and it renders from Django's cache, leaving out the options
of `leave_out` and marking the selected one."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django import forms
from django.core.cache import cache
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

# A key holds its list until the list changes (and the key with it); this only lets a
# process drop lists nobody asks for any more.
CACHED_OPTIONS_TIMEOUT = 24 * 60 * 60


def _option(value, label, selected: set[str]) -> str:
    text = "" if value is None else str(value)
    return format_html(
        '<option value="{}"{}>{}</option>', text, mark_safe(" selected") if text in selected else "", label
    )


@dataclass(frozen=True)
class CachedOptions:
    """The options of a select, built by `build` ((value, label) pairs, an empty choice
    included) once per `key` and kept in Django's cache. `key` must change whenever what
    `build` returns would."""

    key: str
    build: Callable[[], Iterable[tuple[object, str]]]
    leave_out: frozenset[str] = frozenset()

    def html(self, selected: set[str]) -> str:
        options = cache.get(self.key)
        if options is None:
            options = [
                (text, str(label), _option(text, label, set()))
                for text, label in (("" if value is None else str(value), label) for value, label in self.build())
            ]
            cache.set(self.key, options, CACHED_OPTIONS_TIMEOUT)
        return "".join(
            _option(value, label, selected) if value in selected else html
            for value, label, html in options
            if value not in self.leave_out
        )


class ManyOptionsSelect(forms.Select):
    # Set on a form's own widget (after the form is built) to render from the cache.
    cached_options: CachedOptions | None = None

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        if self.use_required_attribute(self.format_value(value)) is False:
            final_attrs.pop("required", None)
        selected = set(self.format_value(value))
        options = self.cached_options.html(selected) if self.cached_options else self._options(selected)
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(final_attrs), mark_safe(options))

    def _options(self, selected: set[str]) -> str:
        parts = []
        for value, label in self.choices:
            if isinstance(label, list | tuple):  # an option group
                inner = "".join(_option(v, text, selected) for v, text in label)
                parts.append(format_html('<optgroup label="{}">{}</optgroup>', value, mark_safe(inner)))
            else:
                parts.append(_option(value, label, selected))
        return "".join(parts)


__all__ = ["CachedOptions", "ManyOptionsSelect"]


def cache_model_choices(*fields, namespace: str, version) -> None:
    """Render the selects of `fields` (model choice fields over one queryset: the queue's two
    unit filters, the action list's) from Django's cache, built once per namespace, language,
    queryset and `version` (what changes when the rows do: `OrgUnit.objects.tree_version()`).
    A region's or a nation's thousands of units cost seconds rendered by the form's templates
    (issue 14). Validation still asks the fields' querysets."""
    first = fields[0]
    scope = hashlib.sha256(str(first.queryset.query).encode()).hexdigest()[:16]
    options = CachedOptions(
        key=f"{namespace}:{get_language()}:{scope}:{version}",
        build=lambda: [
            ("", first.empty_label),
            *((item.pk, first.label_from_instance(item)) for item in first.queryset),
        ],
    )
    for field in fields:
        if not isinstance(field.widget, ManyOptionsSelect):
            field.widget = ManyOptionsSelect(attrs=field.widget.attrs)
        field.widget.cached_options = options
