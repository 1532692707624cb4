"""The API's one request parser: JSON, and only JSON that a person could have meant.

Kept apart from psweb.api (like psweb.pagination) because DRF imports its parser classes
while `rest_framework.views` is still being imported.

DRF's own JSONParser lets a `RecursionError` escape on a document nested a few thousand levels
deep (a 500), and passes on a document a few hundred levels deep that the serializers then
walk recursively. No request psweb takes is nested more than a handful of levels (a
measurement list of objects, an investigation's course), so anything deeper than
`MAX_DEPTH` is refused as a parse error: 400, like any other body that is not valid JSON.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers

MAX_DEPTH = 32


class JSONObject(dict):
    """An object of a JSON request body. The serializers' fields tell it from a query string
    or a form (a `QueryDict`, where every value is text) and take from it only the JSON type
    the schema names (`psweb.strict_types`)."""


def _mark_objects(data):
    """`data` with every object a `JSONObject` (depth already checked, so recursion is safe)."""
    if isinstance(data, dict):
        return JSONObject((key, _mark_objects(value)) for key, value in data.items())
    if isinstance(data, list):
        return [_mark_objects(value) for value in data]
    return data


def _depth_exceeds(data, limit: int) -> bool:
    """Whether `data` nests lists and objects deeper than `limit`, walked without recursion."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(
                _("The JSON document is nested too deeply (at most %(depth)s levels).") % {"depth": MAX_DEPTH}
            ) from None
        except exceptions.ParseError:
            raise exceptions.ParseError(_("The request body is not valid JSON.")) from None
        if _depth_exceeds(data, MAX_DEPTH):
            raise exceptions.ParseError(
                _("The JSON document is nested too deeply (at most %(depth)s levels).") % {"depth": MAX_DEPTH}
            )
        return _mark_objects(data)
