from django.urls import path, re_path

from fhir_server import views

app_name = "fhir"

# FHIR ids: [A-Za-z0-9\-\.]{1,64} (https://hl7.org/fhir/R5/datatypes.html#id).
FHIR_ID = r"(?P<pk>[A-Za-z0-9\-.]{1,64})"

urlpatterns = [
    path("metadata", views.CapabilityStatementView.as_view(), name="metadata"),
    path("AdverseEvent", views.AdverseEventViewSet.as_view({"get": "list"}), name="adverse-event-search"),
    re_path(
        rf"^AdverseEvent/{FHIR_ID}$",
        views.AdverseEventViewSet.as_view({"get": "retrieve"}),
        name="adverse-event-read",
    ),
    path("CodeSystem", views.CodeSystemView.as_view(), name="code-system-search"),
    re_path(rf"^CodeSystem/{FHIR_ID}$", views.CodeSystemView.as_view(), name="code-system-read"),
    # Anything else under /fhir/ (another resource type, an operation): an OperationOutcome.
    re_path(r"^(?P<rest>.*)$", views.NotSupportedView.as_view(), name="not-supported"),
]
