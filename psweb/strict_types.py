"""A JSON body's values have the types the schema names (issue 15: schemathesis' negative
data was accepted).

DRF's fields convert what they are given: `"title": 0` becomes the text "0", `"informed": 1`
true, `"responsible": true` the user with id 1, `"version": "3"` the number 3. That suits a
query string or a form, where every value is text, but in a JSON body it hides a client's
mistake and contradicts the schema a generated client is built from. So, for a body parsed
as JSON (`psweb.parsers.JSONObject`, or a list of them), a text field takes only a string, a
yes/no field only `true`/`false`, a number field only a number (not `true`, and a whole number
only an integer), an id only an integer. A wrong type is the field's usual 400, with the
field's usual code (`invalid`, `incorrect_type`). Query strings and forms are read as before.

Installed once, from `PswebConfig.ready()`.
"""

from __future__ import annotations

from rest_framework import fields, relations

from psweb.parsers import JSONObject

_INSTALLED = False


def from_json(field) -> bool:
    """Whether the serializer `field` belongs to reads a JSON body."""
    return isinstance(getattr(field.root, "initial_data", None), JSONObject | list)


def _strictly(cls, accept: tuple, refuse: tuple = (), code: str = "invalid") -> None:
    loose = cls.to_internal_value

    def to_internal_value(self, data):
        if from_json(self) and (not isinstance(data, accept) or isinstance(data, refuse)):
            self.fail(code, data_type=type(data).__name__)
        return loose(self, data)

    cls.to_internal_value = to_internal_value


def _integer_id(field) -> bool:
    pk = field.get_queryset().model._meta.pk
    return pk.get_internal_type() in ("AutoField", "BigAutoField", "SmallAutoField", "IntegerField")


def _strict_ids() -> None:
    loose = relations.PrimaryKeyRelatedField.to_internal_value

    def to_internal_value(self, data):
        if from_json(self) and self.pk_field is None:
            wrong = isinstance(data, bool | float) or (isinstance(data, str) and _integer_id(self))
            if wrong:
                self.fail("incorrect_type", data_type=type(data).__name__)
        return loose(self, data)

    relations.PrimaryKeyRelatedField.to_internal_value = to_internal_value


def install() -> None:
    global _INSTALLED
    if _INSTALLED:
        return
    _INSTALLED = True
    _strictly(fields.CharField, (str,))
    _strictly(fields.BooleanField, (bool,))
    _strictly(fields.IntegerField, (int,), refuse=(bool,))
    _strictly(fields.FloatField, (int, float), refuse=(bool,))
    _strictly(fields.DecimalField, (int, float, str), refuse=(bool,))
    _strict_ids()
