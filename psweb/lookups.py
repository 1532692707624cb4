"""`field__any=[ids]`: the field equals one of the values, sent as one array parameter.

`field__in=[…]` sends one parameter per value. For a few values that does not matter; the
visibility rule sends thousands (the incidents a unit forwarded elsewhere, a region's units),
and then building and quoting the statement cost more than running it: psycopg splits the
query at every placeholder, Django prepares every value. At a million incidents the work
queue spent ~80 ms of its ~170 ms there (docs/benchmarks.md). PostgreSQL turns an IN list into
`= ANY(array)` anyway, so the plan is the same.

An empty list matches nothing, like `__in=[]`."""

from __future__ import annotations

from django.db.models import Field, ForeignObject, Lookup

INTEGER_TYPES = frozenset({"smallint", "integer", "bigint"})


class Any(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def get_prep_lookup(self):
        return list(self.rhs)

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        # A foreign key's column type is its target's: bigint for the ids.
        array_type = field.db_type(connection)
        if array_type in INTEGER_TYPES:
            # Ids as one array literal: psycopg would dump a list of thousands value by value.
            # int() refuses anything that is not a whole number, so the literal is always safe.
            values = "{" + ",".join(str(int(getattr(value, "pk", value))) for value in self.rhs) + "}"
        else:
            values = [field.get_prep_value(value) for value in self.rhs]
        return f"{lhs} = ANY(%s::{array_type}[])", [*lhs_params, values]


Field.register_lookup(Any)
ForeignObject.register_lookup(Any)  # foreign keys keep their own lookups


def prefixed(q, prefix: str):
    """`q` with every lookup placed under `prefix` (`Q(unit_id=1)`, "incident__" →
    `Q(incident__unit_id=1)`), so that one model's visibility rule filters a related model."""
    from django.db.models import Q

    copy = Q()
    copy.connector, copy.negated = q.connector, q.negated
    copy.children = [
        prefixed(child, prefix) if isinstance(child, Q) else (prefix + child[0], child[1]) for child in q.children
    ]
    return copy
