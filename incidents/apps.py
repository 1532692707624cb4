from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("Incidents")

    def ready(self):
        from accounts.roles import Perm
        from incidents import permissions
        from psweb import menu

        def may_report(user) -> bool:
            return bool(permissions.can_report(user))

        menu.register_report_button(menu.ReportButton("incidents:report", may_report))
        # A reporter's own reports ("Mina avvikelser"), for everyone who may report.
        menu.register(
            menu.MenuEntry(
                20, _("My reports"), "incidents:mine", may_report, ("incidents:mine", "incidents:mine-detail")
            )
        )
        # The handlers' work queue, for users who may view incidents somewhere.
        menu.register(
            menu.MenuEntry(
                30,
                _("Work queue"),
                "incidents:queue",
                menu.with_perm(Perm.INCIDENT_VIEW),
                ("incidents:queue",),
                flag="queue",
            )
        )

        _register_action_source()


def _register_action_source() -> None:
    """The incident as a source of actions in the action register (DESIGN §4)."""
    from django.db.models import F, Q

    from actions.sources import ActionSource, register
    from incidents import permissions
    from incidents.models import OPEN_STATES, Status, case_visible_q
    from incidents.services.common import KIT
    from incidents.services.handling import incident_causes, reporter_shown_action
    from incidents.viewing import reporter_seen_q

    def closed_message(incident) -> str:
        if incident.status == Status.CLOSED:
            return str(_("The incident is closed: only the status of an action can change."))
        return KIT.refusal(incident)

    register(
        ActionSource(
            field="incident",
            label=_("Incident"),
            url_name="incidents:detail",
            unit_field="responsible_unit",
            visible_q=lambda user: case_visible_q(user, prefix="incident__"),
            may_manage=permissions.can_handle,
            is_open=lambda incident: incident.status in OPEN_STATES,
            closed_message=closed_message,
            takes_progress=lambda incident: incident.status in (*OPEN_STATES, Status.CLOSED),
            added_kind="action_added",
            changed_kind="action_changed",
            dormant_q=lambda: Q(incident__status=Status.WITHDRAWN),
            causes_of=incident_causes,
            # Who reported is hidden from those who may not know it, in the register too: a
            # responsible person named in the list and "the reporter" on the case would tell.
            hides_person=lambda user, incident, person_id: (
                person_id == incident.reporter_id and not permissions.can_see_reporter(user, incident)
            ),
            hidden_label=_("the reporter"),
            hides_related=("unit",),
            hidden_responsible_q=lambda user: (
                Q(incident__isnull=False, responsible=F("incident__reporter"))
                & ~reporter_seen_q(user, prefix="incident__")
            ),
            reporter_shown=lambda incident, action, actor: reporter_shown_action(
                incident=incident, action=action, actor=actor
            ),
        )
    )
