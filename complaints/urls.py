"""Complaint pages (klagomål). Each operation on a complaint is a POST to its own short URL
below it (see `operations.OPERATIONS`)."""

from django.urls import path

from complaints import views

app_name = "complaints"

urlpatterns = [
    path("klagomal/", views.complaint_list, name="list"),
    path("klagomal/<int:pk>/", views.complaint_detail, name="detail"),
]
