from django.urls import path

from incident_stats.api import views

urlpatterns = [
    path("stats/incidents/", views.IncidentStatsView.as_view(), name="stats-incidents"),
    path("stats/incidents/summary/", views.IncidentSummaryView.as_view(), name="stats-incidents-summary"),
]
