"""Investigation pages. Each operation on the working space is a POST to its own short URL
below the investigation (see `operations.OPERATIONS`)."""

from django.urls import path

from investigations import views
from investigations.operations import OPERATIONS

app_name = "investigations"

urlpatterns = [
    path("utredningar/", views.investigation_list, name="list"),
    path("utredningar/ny/", views.investigation_new, name="new"),
    path("utredningar/begarda/<int:pk>/avboj/", views.request_decline, name="request-decline"),
    path("utredningar/<int:pk>/", views.investigation_detail, name="detail"),
    path("utredningar/<int:pk>/rapport/", views.investigation_report, name="report"),
    path("utredningar/<int:pk>/rapport.pdf", views.investigation_report_pdf, name="report-pdf"),
] + [
    path(f"utredningar/<int:pk>/{op.path}", views.investigation_operation, {"operation": name}, name=name)
    for name, op in OPERATIONS.items()
]
