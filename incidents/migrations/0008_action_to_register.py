"""`Action` leaves incidents for the action register (`actions.Action`): state only, tables kept."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('actions', '0001_initial'),
        ('incidents', '0007_queue_count_indexes'),
        ('investigations', '0002_action_to_register'),
        ('lexmaria', '0002_action_to_register'),
    ]

    operations = [
        # Action moved to the action register (actions 0001): its tables stay; Django's state
        # forgets it here, and the history triggers installed under this app's names go (the
        # register installed its own).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='actionevent',
                    name='pgh_obj',
                ),
                migrations.RemoveField(
                    model_name='actionevent',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='actionevent',
                    name='incident',
                ),
                migrations.RemoveField(
                    model_name='actionevent',
                    name='pgh_context',
                ),
                migrations.RemoveField(
                    model_name='actionevent',
                    name='responsible',
                ),
                migrations.DeleteModel(
                    name='Action',
                ),
                migrations.DeleteModel(
                    name='ActionEvent',
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql="""
DROP TRIGGER IF EXISTS pgtrigger_insert_insert_b174c ON incidents_action;
DROP TRIGGER IF EXISTS pgtrigger_update_update_445d3 ON incidents_action;
DROP TRIGGER IF EXISTS pgtrigger_append_only_79535 ON incidents_actionevent;
DROP FUNCTION IF EXISTS pgtrigger_insert_insert_b174c();
DROP FUNCTION IF EXISTS pgtrigger_update_update_445d3();
DROP FUNCTION IF EXISTS pgtrigger_append_only_79535();
""",
                    reverse_sql=migrations.RunSQL.noop,
                ),
            ],
        ),
    ]
