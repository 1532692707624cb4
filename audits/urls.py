"""Egenkontroll pages (issue 18): answering (`views_answer`), rounds, results and templates
(`views_rounds`)."""

from django.urls import path

from audits import views_answer, views_authoring, views_rounds

app_name = "audits"

urlpatterns = [
    # Answering: the unit's responses, one response's page, its autosave and its operations.
    path("egenkontroll/", views_answer.home, name="home"),
    path("egenkontroll/svar/<int:pk>/", views_answer.response_detail, name="response"),
    path("egenkontroll/svar/<int:pk>/fraga/<int:statement>/", views_answer.answer_save, name="answer"),
    path("egenkontroll/svar/<int:pk>/skicka-in/", views_answer.response_submit, name="submit"),
    path("egenkontroll/svar/<int:pk>/godkann/", views_answer.response_approve, name="approve"),
    path("egenkontroll/svar/<int:pk>/returnera/", views_answer.response_return, name="return"),
    path("egenkontroll/svar/<int:pk>/atgard/", views_answer.response_action_add, name="action-add"),
    # Rounds, results and templates.
    path("egenkontroll/omgangar/", views_rounds.round_list, name="rounds"),
    path("egenkontroll/omgangar/ny/", views_rounds.round_new, name="round_new"),
    path("egenkontroll/omgangar/<int:pk>/", views_rounds.round_detail, name="round"),
    path("egenkontroll/omgangar/<int:pk>/export/", views_rounds.round_export, name="round-export"),
    path("egenkontroll/omgangar/<int:pk>/stang/", views_rounds.round_close, name="round-close"),
    path("egenkontroll/mallar/", views_rounds.template_list, name="templates"),
    path("egenkontroll/mallar/<int:pk>/", views_rounds.template_detail, name="template"),
    path("egenkontroll/mallar/ny/", views_authoring.template_new, name="template-new"),
    path("egenkontroll/mallar/<int:pk>/ny-version/", views_authoring.template_version, name="template-version"),
]
