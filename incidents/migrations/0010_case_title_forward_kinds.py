"""A short title on the incident; a forward is either a hand-over or a question (kind); an
answer always has its answerer and time.

Answered forwards without an answerer could only come from the old ``seed_demo`` (the service
always set one): they are completed from the forward itself (the answer attributed to the
forwarding person, dated as given, or at the forward's time) so that the constraint holds and no
answer is lost.
"""

import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_sessions"),
        ("incidents", "0009_investigation_request_declined"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name="forward",
            name="insert_insert",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="forward",
            name="update_update",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="incident",
            name="insert_insert",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="incident",
            name="update_update",
        ),
        migrations.AddField(
            model_name="forward",
            name="kind",
            field=models.CharField(
                choices=[("hand_over", "Hand the case over"), ("ask", "Ask for an answer, keep the case")],
                default="hand_over",
                max_length=20,
                verbose_name="kind",
            ),
        ),
        migrations.AddField(
            model_name="forwardevent",
            name="kind",
            field=models.CharField(
                choices=[("hand_over", "Hand the case over"), ("ask", "Ask for an answer, keep the case")],
                default="hand_over",
                max_length=20,
                verbose_name="kind",
            ),
        ),
        migrations.AddField(
            model_name="incident",
            name="title",
            field=models.CharField(blank=True, db_default="", max_length=120, verbose_name="short title"),
        ),
        migrations.AddField(
            model_name="incidentevent",
            name="title",
            field=models.CharField(blank=True, db_default="", max_length=120, verbose_name="short title"),
        ),
        migrations.AlterField(
            model_name="forward",
            name="answer_due",
            field=models.DateField(blank=True, null=True, verbose_name="answer due"),
        ),
        migrations.AlterField(
            model_name="forwardevent",
            name="answer_due",
            field=models.DateField(blank=True, null=True, verbose_name="answer due"),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="forward",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "incidents_forwardevent" ("answer", "answer_due", "answered_at", "answered_by_id", "forwarded_at", "forwarded_by_id", "from_unit_id", "id", "incident_id", "kind", "message", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "to_unit_id") VALUES (NEW."answer", NEW."answer_due", NEW."answered_at", NEW."answered_by_id", NEW."forwarded_at", NEW."forwarded_by_id", NEW."from_unit_id", NEW."id", NEW."incident_id", NEW."kind", NEW."message", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."to_unit_id"); RETURN NULL;',
                    hash="abcc45a5f649c665976499aff6d01156ed7f0e0b",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_21231",
                    table="incidents_forward",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="forward",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "incidents_forwardevent" ("answer", "answer_due", "answered_at", "answered_by_id", "forwarded_at", "forwarded_by_id", "from_unit_id", "id", "incident_id", "kind", "message", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "to_unit_id") VALUES (NEW."answer", NEW."answer_due", NEW."answered_at", NEW."answered_by_id", NEW."forwarded_at", NEW."forwarded_by_id", NEW."from_unit_id", NEW."id", NEW."incident_id", NEW."kind", NEW."message", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."to_unit_id"); RETURN NULL;',
                    hash="684666b17b11da980a1d02d3ae52be34f601c016",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_4184c",
                    table="incidents_forward",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="incident",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "incidents_incidentevent" ("case_type", "category_id", "client_key", "closed_at", "created_at", "description", "event_class", "feedback", "feedback_at", "handler_id", "id", "immediate_actions", "investigation_requested_at", "late_report", "lex_maria_requested_at", "occurred_at", "patient_identifier", "patient_involved", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "reference", "reported_at", "reported_kind", "reporter_id", "responsible_unit_id", "risk_consequence", "risk_probability", "status", "suggested_improvement", "title", "triaged_at", "unit_id", "updated_at", "version") VALUES (NEW."case_type", NEW."category_id", NEW."client_key", NEW."closed_at", NEW."created_at", NEW."description", NEW."event_class", NEW."feedback", NEW."feedback_at", NEW."handler_id", NEW."id", NEW."immediate_actions", NEW."investigation_requested_at", NEW."late_report", NEW."lex_maria_requested_at", NEW."occurred_at", NEW."patient_identifier", NEW."patient_involved", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."reference", NEW."reported_at", NEW."reported_kind", NEW."reporter_id", NEW."responsible_unit_id", NEW."risk_consequence", NEW."risk_probability", NEW."status", NEW."suggested_improvement", NEW."title", NEW."triaged_at", NEW."unit_id", NEW."updated_at", NEW."version"); RETURN NULL;',
                    hash="2c630c8733d891db23994ce8e3046818983dd723",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_edffb",
                    table="incidents_incident",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="incident",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition='WHEN (OLD."case_type" IS DISTINCT FROM (NEW."case_type") OR OLD."category_id" IS DISTINCT FROM (NEW."category_id") OR OLD."client_key" IS DISTINCT FROM (NEW."client_key") OR OLD."closed_at" IS DISTINCT FROM (NEW."closed_at") OR OLD."created_at" IS DISTINCT FROM (NEW."created_at") OR OLD."description" IS DISTINCT FROM (NEW."description") OR OLD."event_class" IS DISTINCT FROM (NEW."event_class") OR OLD."feedback" IS DISTINCT FROM (NEW."feedback") OR OLD."feedback_at" IS DISTINCT FROM (NEW."feedback_at") OR OLD."handler_id" IS DISTINCT FROM (NEW."handler_id") OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."immediate_actions" IS DISTINCT FROM (NEW."immediate_actions") OR OLD."investigation_requested_at" IS DISTINCT FROM (NEW."investigation_requested_at") OR OLD."late_report" IS DISTINCT FROM (NEW."late_report") OR OLD."lex_maria_requested_at" IS DISTINCT FROM (NEW."lex_maria_requested_at") OR OLD."occurred_at" IS DISTINCT FROM (NEW."occurred_at") OR OLD."patient_identifier" IS DISTINCT FROM (NEW."patient_identifier") OR OLD."patient_involved" IS DISTINCT FROM (NEW."patient_involved") OR OLD."reference" IS DISTINCT FROM (NEW."reference") OR OLD."reported_at" IS DISTINCT FROM (NEW."reported_at") OR OLD."reported_kind" IS DISTINCT FROM (NEW."reported_kind") OR OLD."reporter_id" IS DISTINCT FROM (NEW."reporter_id") OR OLD."responsible_unit_id" IS DISTINCT FROM (NEW."responsible_unit_id") OR OLD."risk_consequence" IS DISTINCT FROM (NEW."risk_consequence") OR OLD."risk_probability" IS DISTINCT FROM (NEW."risk_probability") OR OLD."status" IS DISTINCT FROM (NEW."status") OR OLD."suggested_improvement" IS DISTINCT FROM (NEW."suggested_improvement") OR OLD."title" IS DISTINCT FROM (NEW."title") OR OLD."triaged_at" IS DISTINCT FROM (NEW."triaged_at") OR OLD."unit_id" IS DISTINCT FROM (NEW."unit_id") OR OLD."updated_at" IS DISTINCT FROM (NEW."updated_at") OR OLD."version" IS DISTINCT FROM (NEW."version"))',
                    func='INSERT INTO "incidents_incidentevent" ("case_type", "category_id", "client_key", "closed_at", "created_at", "description", "event_class", "feedback", "feedback_at", "handler_id", "id", "immediate_actions", "investigation_requested_at", "late_report", "lex_maria_requested_at", "occurred_at", "patient_identifier", "patient_involved", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "reference", "reported_at", "reported_kind", "reporter_id", "responsible_unit_id", "risk_consequence", "risk_probability", "status", "suggested_improvement", "title", "triaged_at", "unit_id", "updated_at", "version") VALUES (NEW."case_type", NEW."category_id", NEW."client_key", NEW."closed_at", NEW."created_at", NEW."description", NEW."event_class", NEW."feedback", NEW."feedback_at", NEW."handler_id", NEW."id", NEW."immediate_actions", NEW."investigation_requested_at", NEW."late_report", NEW."lex_maria_requested_at", NEW."occurred_at", NEW."patient_identifier", NEW."patient_involved", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."reference", NEW."reported_at", NEW."reported_kind", NEW."reporter_id", NEW."responsible_unit_id", NEW."risk_consequence", NEW."risk_probability", NEW."status", NEW."suggested_improvement", NEW."title", NEW."triaged_at", NEW."unit_id", NEW."updated_at", NEW."version"); RETURN NULL;',
                    hash="e98e41735745ed171e992826c0230c56409053f2",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_41444",
                    table="incidents_incident",
                    when="AFTER",
                ),
            ),
        ),
        migrations.RunSQL(
            """
            UPDATE incidents_forward
               SET answered_by_id = COALESCE(answered_by_id, forwarded_by_id),
                   answered_at = COALESCE(answered_at, forwarded_at),
                   answer = CASE WHEN answer = '' THEN '–' ELSE answer END
             WHERE answer <> '' OR answered_at IS NOT NULL OR answered_by_id IS NOT NULL
            """,
            migrations.RunSQL.noop,
        ),
        migrations.AddConstraint(
            model_name="forward",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind__in", ["hand_over", "ask"])), name="forward_kind_known"
            ),
        ),
        migrations.AddConstraint(
            model_name="forward",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("kind", "ask"), _negated=True), ("answer_due__isnull", False), _connector="OR"
                ),
                name="forward_ask_has_due",
            ),
        ),
        migrations.AddConstraint(
            model_name="forward",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("answer", ""), ("answered_by__isnull", True), ("answered_at__isnull", True)),
                    models.Q(
                        models.Q(("answer", ""), _negated=True),
                        ("answered_by__isnull", False),
                        ("answered_at__isnull", False),
                    ),
                    _connector="OR",
                ),
                name="forward_answer_complete",
            ),
        ),
        migrations.AlterField(
            model_name="timelineentry",
            name="kind",
            field=models.CharField(
                choices=[
                    ("created", "Draft started"),
                    ("submitted", "Reported"),
                    ("taken", "Taken by handler"),
                    ("assigned", "Assigned"),
                    ("classified", "Classified"),
                    ("risk_assessed", "Risk assessed"),
                    ("cause_added", "Cause added"),
                    ("cause_removed", "Cause removed"),
                    ("action_added", "Action added"),
                    ("action_changed", "Action changed"),
                    ("forwarded", "Handed over"),
                    ("answer_asked", "Answer asked of another unit"),
                    ("forward_answered", "Forward answered"),
                    ("investigation_requested", "Investigation requested"),
                    ("investigation_request_declined", "Investigation request declined"),
                    ("lex_maria_requested", "Lex Maria assessment requested"),
                    ("patient_informed", "Informing the patient recorded"),
                    ("feedback", "Feedback to the reporter"),
                    ("reporter_updated", "The reporter told what is being done"),
                    ("title_set", "Short title set"),
                    ("commented", "Comment"),
                    ("attachment_added", "Attachment added"),
                    ("edited", "Edited"),
                    ("closed", "Closed"),
                    ("reopened", "Reopened"),
                    ("withdrawn", "Withdrawn"),
                ],
                max_length=40,
            ),
        ),
    ]
