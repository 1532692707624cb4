from django.urls import path

from incident_stats import views

app_name = "statistics"

urlpatterns = [
    path("statistik/", views.dashboard, name="dashboard"),
]
