"""An investigation's actions were incident actions linked to the investigation
(`investigations.InvestigationAction`); in the register their source is the investigation
itself. Ids, causes, history and the link (with its evaluation) stay; the link keeps which
investigated incident the action answers."""

from django.db import migrations

FORWARD = """
UPDATE investigations_investigationaction link
   SET incident_id = a.incident_id
  FROM incidents_action a
 WHERE a.id = link.action_id AND link.incident_id IS NULL;
UPDATE incidents_action a
   SET investigation_id = link.investigation_id, incident_id = NULL
  FROM investigations_investigationaction link
 WHERE link.action_id = a.id AND a.investigation_id IS NULL
"""

BACKWARD = """
UPDATE incidents_action a
   SET incident_id = COALESCE(
           (SELECT link.incident_id FROM investigations_investigationaction link WHERE link.action_id = a.id),
           (SELECT min(l.incident_id) FROM investigations_investigationincident l
             WHERE l.investigation_id = a.investigation_id)),
       investigation_id = NULL
 WHERE a.investigation_id IS NOT NULL
"""


class Migration(migrations.Migration):
    dependencies = [
        ("actions", "0002_sources_and_progress"),
        ("investigations", "0003_action_incident"),
        ("incident_stats", "0002_action_source_moves"),
    ]

    operations = [migrations.RunSQL(sql=FORWARD, reverse_sql=BACKWARD)]
