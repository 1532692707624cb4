"""Lex Maria pages. Each operation on a case is a POST to its own short URL below the case
(see `operations.OPERATIONS`)."""

from django.urls import path

from lexmaria import views
from lexmaria.operations import OPERATIONS

app_name = "lexmaria"

urlpatterns = [
    path("lex-maria/", views.case_list, name="list"),
    path("lex-maria/ny/", views.case_new, name="new"),
    path("lex-maria/uppfoljning/", views.follow_up, name="follow-up-year"),
    path("lex-maria/beslutsfattare/", views.decider_list, name="deciders"),
    path("lex-maria/beslutsfattare/<int:pk>/avsluta/", views.decider_end, name="decider-end"),
    path("lex-maria/<int:pk>/", views.case_detail, name="detail"),
    path("lex-maria/<int:pk>/ivo/", views.ivo_page, name="ivo"),
    path("lex-maria/<int:pk>/ivo.pdf", views.ivo_pdf, name="ivo-pdf"),
    path("lex-maria/<int:pk>/ivo.txt", views.ivo_text, name="ivo-text"),
] + [
    path(f"lex-maria/<int:pk>/{op.path}", views.case_operation, {"operation": name}, name=name)
    for name, op in OPERATIONS.items()
]
