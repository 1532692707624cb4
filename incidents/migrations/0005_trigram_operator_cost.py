"""Tell the planner that trigram word similarity is expensive per row.

pg_trgm declares its operator functions with COST 1, as cheap as an integer comparison, so
for the search "description %> 'fall'" the planner reads every row and computes the
similarity for each (73 ms on 20 000 incidents) instead of using the GIN trigram index
(7 ms). COST 100 makes it choose the index; docs/benchmarks.md has the numbers.

The functions belong to the extension's owner. Where psweb's database user may not alter
them, the migration says so and goes on: search stays correct, only slower.
"""

from django.db import migrations

FUNCTIONS = ("word_similarity_op(text, text)", "word_similarity_commutator_op(text, text)")


def _set_cost(cost: int) -> str:
    statements = " ".join(f"ALTER FUNCTION {name} COST {cost};" for name in FUNCTIONS)
    return f"""
DO $$
BEGIN
    {statements}
EXCEPTION WHEN insufficient_privilege THEN
    RAISE WARNING 'psweb: may not set the cost of pg_trgm functions; text search will not use its index as often.';
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("incidents", "0004_comment_to_reporter")]

    operations = [migrations.RunSQL(_set_cost(100), reverse_sql=_set_cost(1))]
