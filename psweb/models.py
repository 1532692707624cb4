"""The case kit's abstract models: what every case type's tables share, declared once.

- `TimelineEntryBase`: one line of a case's timeline (who, when, what). Append-only at the
  database level (a pgtrigger refuses UPDATE and DELETE). A concrete timeline adds the
  foreign key to its case (`related_name="timeline"`, which `psweb.cases.record` writes
  through), its own `Kind` choices and an index on (case, at).
- `PerProviderSettings`: settings a care provider may set for itself, with one row without a
  care provider holding the defaults for everyone else.
- `PatientInformedBase`: the six points of PSL 3 kap. 8 § a patient is to be told after a care
  injury, and the names of those fields as `PSL_3_8_POINTS`.
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _


class TimelineEntryBase(models.Model):
    """One line of a case timeline. Never holds patient identity; `message` is a reason, a
    reference or a name, and `data["version"]` is the case's version after the change."""

    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    message = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "id"]
        triggers = [pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind}"

    def actor_name_for(self, user) -> str | None:
        """Who did it, as `user` may know them (None: the system). A case type may hide
        someone from some readers: an incident's reporter (`incidents.viewing`)."""
        from psweb.cases import person_name

        return person_name(self.actor) if self.actor_id else None


class PerProviderSettings(models.Model):
    """Per care provider; the row whose `care_provider` is empty holds the defaults. The
    concrete model declares `care_provider` (a OneToOneField to a root OrgUnit, nullable)
    with its own related name, and a unique constraint with `nulls_distinct=False`."""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return str(self.care_provider) if self.care_provider_id else str(_("Default for all care providers"))

    @classmethod
    def for_unit(cls, unit):
        """The settings of the unit's care provider, else the defaults row, else the defaults."""
        found = {
            s.care_provider_id: s
            for s in cls.objects.filter(Q(care_provider_id=unit.care_provider_id) | Q(care_provider__isnull=True))
        }
        return found.get(unit.care_provider_id) or found.get(None) or cls()

    @classmethod
    def by_provider(cls):
        """Every provider's row and the default, in one query (for lists and daily sweeps)."""
        rows = list(cls.objects.all())
        default = next((row for row in rows if row.care_provider_id is None), None) or cls()
        return {row.care_provider_id: row for row in rows if row.care_provider_id}, default


class PatientInformedBase(models.Model):
    """PSL (2010:659) 3 kap. 8 §: after a care injury the patient is told, without delay, that
    an event caused it, what the care provider will do so that it does not happen again, that
    they may complain to the care provider, that the patientnämnd can help, that they may
    complain to IVO, and about compensation from the patient insurance (patientskadelagen)."""

    told_event = models.BooleanField(_("that an event caused a care injury"), default=False)
    told_measures = models.BooleanField(_("what the care provider will do"), default=False)
    told_complaint_provider = models.BooleanField(_("the right to complain to the care provider"), default=False)
    told_patient_board = models.BooleanField(_("the patient advisory board (patientnämnden)"), default=False)
    told_complaint_ivo = models.BooleanField(_("the right to complain to IVO"), default=False)
    told_compensation = models.BooleanField(_("possible compensation (patient insurance)"), default=False)

    class Meta:
        abstract = True

    def told_points(self) -> list[tuple[str, bool]]:
        """(label, whether the patient was told) for each of the six points, in the law's order."""
        return [(capfirst(self._meta.get_field(name).verbose_name), getattr(self, name)) for name in PSL_3_8_POINTS]


# The six points of PSL 3 kap. 8 §, in the law's order, as the field names above.
PSL_3_8_POINTS = tuple(field.name for field in PatientInformedBase._meta.local_fields if field.name.startswith("told_"))
