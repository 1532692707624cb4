"""May this user do this to this complaint? Each predicate returns Allowed or Denied(reason).

Visibility (404) is decided first by `Complaint.objects.visible_to(user)`; these decide the
403s, with a reason a page can show beside a disabled button.

- The complaint handler (`complaint.handle`, the role klagomålshandläggare) of the
  responsible unit receives, acknowledges, investigates, answers and closes, reads and
  changes the complainant's contact details, links incidents and adds actions.
- Managers, the chief physician and the safety team of the units (`complaint.view`) follow
  the case as staff: the complaint, its handling and the answer; not the contact details.
- The patientnämnd's officer (`complaint.board`) registers a case her nämnd sends and reads,
  of the cases it sent, what was asked, the dates and the provider's answer — nothing else.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts.access import Allowed, Decision, Denied, has_perm
from accounts.roles import Perm
from complaints.models import Complaint


def sees_as_staff(user, complaint: Complaint) -> bool:
    """The provider's staff who follow the case (not the patientnämnd's officer)."""
    return has_perm(user, Perm.COMPLAINT_VIEW, complaint.unit) or any(
        has_perm(user, Perm.COMPLAINT_VIEW, unit) for unit in complaint.units.all()
    )


def is_board_reader(user, complaint: Complaint) -> bool:
    """The officer of the patientnämnd that sent the case."""
    return complaint.board_unit_id is not None and has_perm(user, Perm.COMPLAINT_BOARD, complaint.board_unit)


def can_register(user, unit) -> Decision:
    """A complaint handler of the responsible unit registers a complaint."""
    if unit is not None and has_perm(user, Perm.COMPLAINT_HANDLE, unit):
        return Allowed
    return Denied(_("Only a complaint handler of the unit can register a complaint there."))


def can_register_for_board(user, board_unit) -> Decision:
    """The patientnämnd's officer registers a case her nämnd sends to a care provider."""
    if board_unit is not None and has_perm(user, Perm.COMPLAINT_BOARD, board_unit):
        return Allowed
    return Denied(_("Only an officer of the patient board can register its cases."))


def can_handle(user, complaint: Complaint) -> Decision:
    if has_perm(user, Perm.COMPLAINT_HANDLE, complaint.unit):
        return Allowed
    return Denied(_("Only a complaint handler of the responsible unit can do this."))


def can_view_contact(user, complaint: Complaint) -> Decision:
    """The contact details are the complaint's handlers' only."""
    if has_perm(user, Perm.COMPLAINT_HANDLE, complaint.unit):
        return Allowed
    return Denied(_("Only the complaint's handlers see the complainant's contact details."))


def can_view_patient(user, complaint: Complaint) -> Decision:
    if has_perm(user, Perm.COMPLAINT_VIEW_PATIENT, complaint.unit):
        return Allowed
    return Denied(_("You may not see the patient's identity."))


def may_handle(user, complaint: Complaint) -> Decision:
    """Can `user` be made the complaint's handler: an active complaint handler of its unit."""
    if user is None or not user.is_active or not has_perm(user, Perm.COMPLAINT_HANDLE, complaint.unit):
        return Denied(_("The handler must be a complaint handler of the responsible unit."))
    return Allowed


def can_view_statistics(user) -> Decision:
    if has_perm(user, Perm.COMPLAINT_STATS):
        return Allowed
    return Denied(_("You may not see complaint statistics."))
