"""Complaint pages (klagomål). Each operation on a complaint is a POST to its own short URL
below it (see `operations.OPERATIONS`)."""

from django.urls import path

from complaints import views, views_lists, views_stats
from complaints.operations import OPERATIONS

app_name = "complaints"

urlpatterns = [
    path("klagomal/", views_lists.complaint_list, name="list"),
    path("klagomal/ny/", views_lists.complaint_new, name="new"),
    path("klagomal/mina/", views_lists.complaint_mine, name="mine"),
    path("klagomal/export/", views_lists.complaint_export, name="export"),
    path("klagomal/statistik/", views_stats.complaint_statistics, name="statistics"),
    path("klagomal/<int:pk>/", views.complaint_detail, name="detail"),
    path("klagomal/<int:pk>/svar.pdf", views.letter_pdf, name="letter-pdf"),
    path("klagomal/<int:pk>/visa-patient/", views.complaint_show_patient, name="show-patient"),
    path("klagomal/<int:pk>/visa-kontakt/", views.complaint_show_contact, name="show-contact"),
] + [
    path(f"klagomal/<int:pk>/{op.path}", views.complaint_operation, {"operation": name}, name=name)
    for name, op in OPERATIONS.items()
]
