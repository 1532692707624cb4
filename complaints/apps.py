from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self):
        _register_action_source()


def _register_action_source() -> None:
    """The complaint as a source of actions in the action register (DESIGN §4)."""
    from django.db.models import Q

    from actions.sources import ActionSource, register
    from complaints import permissions
    from complaints.models import OPEN_STATES, Complaint, TimelineEntry

    register(
        ActionSource(
            field="complaint",
            label=_("Complaint"),
            url_name="complaints:detail",
            unit_field="unit",
            visible_q=lambda user: Q(complaint__in=Complaint.objects.visible_to(user).values("pk")),
            may_manage=permissions.can_handle,
            is_open=lambda case: case.status in OPEN_STATES,
            closed_message=lambda case: str(_("The complaint is closed: only the progress of an action can change.")),
            added_kind=TimelineEntry.Kind.ACTION_ADDED,
            changed_kind=TimelineEntry.Kind.ACTION_CHANGED,
        )
    )
