"""HTML pages for incidents, under short Swedish URLs: /rapportera/ is reachable from every
page. No URL carries anything but ids: a personnummer only ever travels in a POST body.

Each operation of the case page is a POST to its own short URL below the case (see
`incidents.operations.OPERATIONS`), all served by one view.
"""

from django.urls import path

from incidents.operations import OPERATIONS
from incidents.views import case, queue, report

app_name = "incidents"

urlpatterns = [
    # Reporting: the report form, drafts, the receipt, "Mina avvikelser", attachments.
    path("rapportera/", report.report_start, name="report"),
    path("rapportera/enheter/", report.report_units, name="report-units"),
    path("rapportera/spara/", report.report_autosave_new, name="report-autosave-new"),
    path("rapportera/<int:pk>/", report.report_edit, name="report-edit"),
    path("rapportera/<int:pk>/spara/", report.report_autosave, name="report-autosave"),
    path("rapportera/<int:pk>/skickad/", report.report_sent, name="report-sent"),
    path("mina-avvikelser/", report.mine, name="mine"),
    path("mina-avvikelser/<int:pk>/", report.mine_detail, name="mine-detail"),
    path("mina-avvikelser/<int:pk>/kommentera/", report.mine_comment, name="mine-comment"),
    path("mina-avvikelser/<int:pk>/kasta/", report.mine_discard, name="mine-discard"),
    path("mina-avvikelser/<int:pk>/bilagor/", report.mine_attachment_add, name="mine-attachment-add"),
    path("avvikelser/<int:pk>/bilagor/<int:attachment_pk>/", report.attachment_download, name="attachment"),
    # The work queue.
    path("arenden/", queue.incident_queue, name="queue"),
    path("arenden/export/", queue.incident_queue_export, name="queue-export"),
    path("arenden/antal/", queue.incident_queue_counts, name="queue-counts"),
    # The case page and its operations.
    path("avvikelser/<int:pk>/", case.incident_detail, name="detail"),
    path("avvikelser/<int:pk>/personnummer/", case.incident_show_patient, name="case-patient"),
    path("avvikelser/<int:pk>/steg/<slug:step>/", case.incident_step, name="step"),
] + [
    path(f"avvikelser/<int:pk>/{op.path}", case.incident_operation, {"operation": name}, name=name)
    for name, op in OPERATIONS.items()
]
