"""The answer to a complaint as a letter (PSL 8 kap. 7 §: what happened, why, what is done so
that it does not happen again, an apology where fitting; lag 2017:372 and PSL 8 kap.: where
else the patient can turn — the patientnämnd, IVO, LÖF), assembled from the complaint and
rendered as a tagged PDF by `psweb.documents` (`complaints.views.letter_pdf`).

The letter goes to the complainant and, for a case the patientnämnd sent, is what the nämnd
receives: it holds no identity. The greeting names nobody (the complainant's name and
address are contact details, the handlers' only; the handler puts the letter in an envelope
or the 1177 message), the patient's personal identity number is never in it, and a number
that looks like one in the handler's texts is masked. The file is named by the reference.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.personnummer import mask_in_text
from complaints.models import Complaint
from complaints.services import default_where_else
from psweb.cases import person_name


@dataclass(frozen=True)
class LetterSection:
    heading: str
    text: str


@dataclass(frozen=True)
class Letter:
    reference: str
    board_reference: str  # the patientnämnd's number, when the nämnd sent the case
    care_provider: str  # the sender
    unit: str
    dated: dt.date
    sent: bool  # False: a draft, not yet recorded as sent
    way: str
    sections: list[LetterSection]
    apology: str
    where_else: str
    signed_by: str


def complaint_letter(complaint: Complaint) -> Letter:
    """The letter as composed (a draft) or as sent (its date, way and sender)."""
    provider = complaint.unit.care_provider or complaint.unit
    signer = complaint.answered_by if complaint.answered_by_id else complaint.handler
    sent = complaint.answered_on is not None
    sections = [
        LetterSection(_("What happened"), complaint.answer_what_happened),
        LetterSection(_("Why"), complaint.answer_why),
        LetterSection(_("What we do"), complaint.answer_actions),
    ]
    return Letter(
        reference=complaint.reference,
        board_reference=complaint.board_reference if complaint.board_unit_id else "",
        care_provider=provider.name,
        unit=complaint.unit.name,
        dated=complaint.answered_on or timezone.localdate(),
        sent=sent,
        way=complaint.get_answer_way_display() if complaint.answer_way else "",
        sections=[LetterSection(section.heading, mask_in_text(section.text).strip()) for section in sections],
        apology=mask_in_text(complaint.answer_apology).strip(),
        where_else=mask_in_text(complaint.answer_where_else.strip() or default_where_else()).strip(),
        signed_by=person_name(signer) if signer is not None else "",
    )
