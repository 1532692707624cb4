"""Every write to a complaint (DESIGN §4), by part:

- `core`: registering, the details, the contact details, the workflow, the due date and its
  pauses, the answer letter, actions;
- `links`: incidents created from or linked to a complaint, a Lex Maria assessment or an
  investigation requested through them;
- `external`: IVO complaint cases and patient-insurance claims (LÖF);
- `reminders`: reminders before and after the due date through the outbox.
"""

from complaints.services.core import *  # noqa: F403
from complaints.services.core import KIT, due_date_for  # noqa: F401
from complaints.services.external import external_add, external_update  # noqa: F401
from complaints.services.links import (  # noqa: F401
    incident_create,
    incident_link,
    investigation_request,
    lex_maria_request,
)
from complaints.services.reminders import reminders_send  # noqa: F401
from psweb.cases import ConflictError, StaleVersionError  # noqa: F401
