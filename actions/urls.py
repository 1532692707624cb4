from django.urls import path

from actions import views

app_name = "actions"

urlpatterns = [
    path("mina-atgarder/", views.mine, name="mine"),
    path("mina-atgarder/<int:pk>/", views.progress, name="progress"),
    path("atgarder/", views.action_list, name="list"),
]
