"""Handling pages: the work queue and the case page with its actions.

Each case action is a POST to its own short URL below the case page; the view calls one
service and redirects back to the case page.
"""

from django.urls import path

from incidents import handling_views as views

urlpatterns = [
    path("arenden/", views.incident_queue, name="queue"),
    path("arenden/export/", views.incident_queue_export, name="queue-export"),
    path("avvikelser/<int:pk>/", views.incident_detail, name="detail"),
    path("avvikelser/<int:pk>/personnummer/", views.incident_show_patient, name="case-patient"),
    path("avvikelser/<int:pk>/ta/", views.case_take, name="case-take"),
    path("avvikelser/<int:pk>/tilldela/", views.case_assign, name="case-assign"),
    path("avvikelser/<int:pk>/klassificera/", views.case_classify, name="case-classify"),
    path("avvikelser/<int:pk>/risk/", views.case_assess_risk, name="case-risk"),
    path("avvikelser/<int:pk>/orsaker/", views.case_cause_add, name="case-cause-add"),
    path("avvikelser/<int:pk>/orsaker/<int:cause_pk>/ta-bort/", views.case_cause_remove, name="case-cause-remove"),
    path("avvikelser/<int:pk>/atgarder/", views.case_action_add, name="case-action-add"),
    path("avvikelser/<int:pk>/atgarder/<int:action_pk>/", views.case_action_update, name="case-action-update"),
    path("avvikelser/<int:pk>/vidarebefordra/", views.case_forward, name="case-forward"),
    path(
        "avvikelser/<int:pk>/vidarebefordringar/<int:forward_pk>/svar/",
        views.case_forward_answer,
        name="case-forward-answer",
    ),
    path("avvikelser/<int:pk>/utredning/", views.case_request_investigation, name="case-investigation"),
    path("avvikelser/<int:pk>/lex-maria/", views.case_request_lex_maria, name="case-lex-maria"),
    path("avvikelser/<int:pk>/patientinformation/", views.case_patient_information, name="case-patient-information"),
    path("avvikelser/<int:pk>/aterkoppling/", views.case_feedback, name="case-feedback"),
    path("avvikelser/<int:pk>/kommentar/", views.case_comment, name="case-comment"),
    path("avvikelser/<int:pk>/avsluta/", views.case_close, name="case-close"),
    path("avvikelser/<int:pk>/ateroppna/", views.case_reopen, name="case-reopen"),
    path("avvikelser/<int:pk>/aterkalla/", views.case_withdraw, name="case-withdraw"),
]
