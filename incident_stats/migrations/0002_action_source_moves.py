"""The action register lets an action's source change from an incident to an investigation
(actions 0003 moves the investigations' actions): the open-actions count must follow, so the
trigger on `incidents_action` also fires when `incident_id` changes. `psweb_stats_on_action()`
already subtracts from the old incident's units and adds to the new one's (none when NULL)."""

from django.db import migrations

FORWARD = """
DROP TRIGGER IF EXISTS psweb_stats_action ON incidents_action;
CREATE TRIGGER psweb_stats_action AFTER INSERT OR UPDATE OF state, due_date, incident_id OR DELETE
    ON incidents_action FOR EACH ROW EXECUTE FUNCTION psweb_stats_on_action();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS psweb_stats_action ON incidents_action;
CREATE TRIGGER psweb_stats_action AFTER INSERT OR UPDATE OF state, due_date OR DELETE
    ON incidents_action FOR EACH ROW EXECUTE FUNCTION psweb_stats_on_action();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("incident_stats", "0001_initial"),
        ("actions", "0002_sources_and_progress"),
    ]

    operations = [migrations.RunSQL(sql=FORWARD, reverse_sql=BACKWARD)]
