from django.urls import path

from oversight import views

app_name = "oversight"

urlpatterns = [
    path("granskning/", views.agreement_list, name="list"),
]
