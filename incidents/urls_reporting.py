"""Reporting pages: the report form, drafts, confirmation, "Mina avvikelser", attachments.

No URL carries anything but ids: a personnummer only ever travels in a POST body.
"""

from django.urls import path

from incidents import reporting_views as views

urlpatterns = [
    path("rapportera/", views.report_start, name="report"),
    path("rapportera/enheter/", views.report_units, name="report-units"),
    path("rapportera/spara/", views.report_autosave_new, name="report-autosave-new"),
    path("rapportera/<int:pk>/", views.report_edit, name="report-edit"),
    path("rapportera/<int:pk>/spara/", views.report_autosave, name="report-autosave"),
    path("rapportera/<int:pk>/skickad/", views.report_sent, name="report-sent"),
    path("mina-avvikelser/", views.mine, name="mine"),
    path("mina-avvikelser/<int:pk>/", views.mine_detail, name="mine-detail"),
    path("mina-avvikelser/<int:pk>/kommentera/", views.mine_comment, name="mine-comment"),
    path("mina-avvikelser/<int:pk>/kasta/", views.mine_discard, name="mine-discard"),
    path("mina-avvikelser/<int:pk>/bilagor/", views.mine_attachment_add, name="mine-attachment-add"),
    path("avvikelser/<int:pk>/bilagor/<int:attachment_pk>/", views.attachment_download, name="attachment"),
]
