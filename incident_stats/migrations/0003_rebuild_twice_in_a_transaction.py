"""`psweb_stats_rebuild()` made its temporary table with ON COMMIT DROP: a second rebuild in
the same transaction (two units moved in one transaction, found by tests/incidents/test_reach.py)
failed with "relation psweb_anc already exists". The function is the same, but drops the table
first if it is still there."""

import importlib

from django.db import migrations

_ORIGINAL = importlib.import_module("indicators.migrations.0004_stats_triggers").FUNCTIONS
_START = _ORIGINAL.index("CREATE OR REPLACE FUNCTION psweb_stats_rebuild()")
_END = _ORIGINAL.index("END $$;", _START) + len("END $$;")
BEFORE = _ORIGINAL[_START:_END]
_CREATE = "    CREATE TEMP TABLE psweb_anc ON COMMIT DROP AS"
assert _CREATE in BEFORE
AFTER = BEFORE.replace(_CREATE, "    DROP TABLE IF EXISTS pg_temp.psweb_anc;\n" + _CREATE)


class Migration(migrations.Migration):
    dependencies = [("incident_stats", "0002_action_source_moves")]

    operations = [migrations.RunSQL(sql=AFTER, reverse_sql=BEFORE)]
