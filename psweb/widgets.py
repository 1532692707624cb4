"""Form widgets that stay fast with many options.

Django's Select renders each option through a template include. A case page offers every
unit of the region to forward to (300 at the size of a large region), and rendering that one
list took about a third of the page's time (docs/benchmarks.md). `ManyOptionsSelect` writes
the same HTML in Python: the same attributes, escaping, empty choice and selection."""

from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe


class ManyOptionsSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        if self.use_required_attribute(self.format_value(value)) is False:
            final_attrs.pop("required", None)
        selected = set(self.format_value(value))
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(final_attrs), mark_safe(self._options(selected))
        )

    def _options(self, selected: set[str]) -> str:
        parts = []
        for value, label in self.choices:
            if isinstance(label, list | tuple):  # an option group
                inner = "".join(self._option(v, text, selected) for v, text in label)
                parts.append(format_html('<optgroup label="{}">{}</optgroup>', value, mark_safe(inner)))
            else:
                parts.append(self._option(value, label, selected))
        return "".join(parts)

    @staticmethod
    def _option(value, label, selected: set[str]) -> str:
        text = "" if value is None else str(value)
        return format_html(
            '<option value="{}"{}>{}</option>', text, mark_safe(" selected") if text in selected else "", label
        )


__all__ = ["ManyOptionsSelect"]
