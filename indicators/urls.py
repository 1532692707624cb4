from django.urls import path

from indicators import views

app_name = "indicators"

urlpatterns = [
    path("indikatorer/", views.dashboard, name="dashboard"),
    path("indikatorer/styrelsetabell/", views.board, name="board"),
    path("indikatorer/registrera/", views.entry, name="entry"),
    path("indikatorer/import/", views.upload, name="upload"),
    path("indikatorer/import/<int:pk>/", views.import_preview, name="import-preview"),
    path("indikatorer/matning/<int:pk>/ogiltig/", views.invalidate, name="invalidate"),
    path("indikatorer/<slug:code>/", views.detail, name="detail"),
    path("indikatorer/<slug:code>/andra/", views.edit, name="edit"),
]
