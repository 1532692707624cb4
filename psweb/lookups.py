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


class Any(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def get_prep_lookup(self):
        values = list(self.rhs)
        return [self.lhs.output_field.get_prep_value(value) for value in values]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        # A foreign key's column type is its target's: bigint for the ids.
        array_type = self.lhs.output_field.db_type(connection)
        return f"{lhs} = ANY(%s::{array_type}[])", [*lhs_params, self.rhs]


Field.register_lookup(Any)
ForeignObject.register_lookup(Any)  # foreign keys keep their own lookups
