from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self):
        _register_menu_entry()
        _register_action_source()
        _refresh_pn_svar_on_change()
        _close_pn_svar_hand_entry()
        _register_incident_hooks()


def _register_incident_hooks() -> None:
    """incidents never imports complaints (DESIGN §2): a complaint's staff read its linked
    incidents, read only and logged; the incident's staff see that complaints exist."""
    from complaints import incident_hooks
    from incidents import hooks

    hooks.register(hooks.VISIBILITY_EXTENSIONS, incident_hooks.incidents_of_my_complaints)
    hooks.register(hooks.READ_GRANTS, incident_hooks.incident_grant)
    hooks.register(hooks.CASE_PANELS, incident_hooks.incident_panel)


def _register_menu_entry() -> None:
    """The menu's "Complaints", after Lex Maria: for the units' staff, the handlers and the
    patientnämnd's officers (who see her nämnd's cases there)."""
    from accounts.access import has_perm
    from accounts.roles import Perm
    from psweb import menu

    def visible(user) -> bool:
        return any(has_perm(user, perm) for perm in (Perm.COMPLAINT_VIEW, Perm.COMPLAINT_HANDLE, Perm.COMPLAINT_BOARD))

    menu.register(
        menu.MenuEntry(
            52,
            _("Complaints"),
            "complaints:list",
            visible,
            ("complaints:list", "complaints:mine", "complaints:new", "complaints:detail", "complaints:statistics"),
        )
    )


def _actions_visible_q(user):
    """Actions of the complaints `user` sees — asked of the complaints that have actions only,
    so that the list the action register's query holds stays short (a region has hundreds of
    thousands of complaints, a few of them with actions)."""
    from django.db.models import Q

    from actions.models import Action
    from complaints.models import Complaint

    with_actions = Action.objects.filter(complaint__isnull=False).values("complaint_id")
    return Q(complaint__in=Complaint.objects.visible_to(user).filter(pk__in=with_actions).values("pk"))


def _register_action_source() -> None:
    """The complaint as a source of actions in the action register (DESIGN §4)."""

    from actions.sources import ActionSource, register
    from complaints import permissions
    from complaints.models import OPEN_STATES, TimelineEntry

    register(
        ActionSource(
            field="complaint",
            label=_("Complaint"),
            url_name="complaints:detail",
            unit_field="unit",
            visible_q=_actions_visible_q,
            may_manage=permissions.can_handle,
            is_open=lambda case: case.status in OPEN_STATES,
            closed_message=lambda case: str(_("The complaint is closed: only the progress of an action can change.")),
            added_kind=TimelineEntry.Kind.ACTION_ADDED,
            changed_kind=TimelineEntry.Kind.ACTION_CHANGED,
        )
    )


# The fields of a complaint that move PN-SVAR (complaints.indicator).
PN_SVAR_FIELDS = frozenset({"status", "answered_on", "due_on", "paused_since", "unit", "board_unit"})


def _refresh_pn_svar_on_change() -> None:
    """A nämnd's case registered, answered, paused, moved or withdrawn: the year of its due
    date is computed afresh once the change is committed (the nightly run catches the rest,
    and bulk writes, which send no signal)."""
    from functools import partial

    from django.db import transaction
    from django.db.models.signals import post_save

    from complaints.models import Complaint

    def refresh(sender, instance, created, update_fields=None, **kwargs):
        if instance.board_unit_id is None:
            return
        if not created and update_fields is not None and not PN_SVAR_FIELDS & set(update_fields):
            return
        transaction.on_commit(partial(_enqueue_pn_svar, instance.due_on.year))

    post_save.connect(refresh, sender=Complaint, weak=False, dispatch_uid="complaints_pn_svar_refresh")


def _enqueue_pn_svar(year: int) -> None:
    """Like the outbox's dispatch: a broker outage is logged, never raised into the user's
    request; the nightly feed computes the year again."""
    import logging

    from complaints.tasks import pn_svar_feed

    try:
        pn_svar_feed.delay(year)
    except Exception as exc:  # noqa: BLE001 - no broker failure may fail the user's request
        logging.getLogger(__name__).warning("PN-SVAR %s not refreshed now (%s); the nightly run will.", year, exc)


def _close_pn_svar_hand_entry() -> None:
    """PN-SVAR is computed from the nämnd's cases: no hand entry where the feed covers."""
    from complaints.indicator import CODE, fed_since
    from indicators import feeds

    feeds.register(feeds.Feed(code=CODE, by=_("from the patient board's complaints"), since=fed_since))
