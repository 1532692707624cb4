"""Every write of indicators and measurements.

A measurement is keyed by (indicator, unit, period start, period end, method): entering or
importing the same key again updates that point (or changes nothing when the numbers are the
same), so a file imported twice changes nothing. The value is always derived here from the
numerator and denominator. Who: `indicator.edit` in the unit (measurement owners, patient-
safety officers); imports need `indicator.import`; the catalogue and the national reference
values need `indicator.define` (patient-safety officers).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import has_perm
from accounts.models import OrgUnit, OrgUnitKind
from accounts.roles import Perm
from indicators import feeds
from indicators.models import (
    NATIONAL_KIND,
    Direction,
    ImportBatch,
    IndicatorDefinition,
    Kind,
    Measurement,
    TargetKind,
)
from indicators.periods import period_kind

NATIONAL_NAME = "Riket (nationellt referensvärde)"
MAX_COMMENT = 2000
# Numbers are stored with four decimals; anything finer is refused rather than rounded.
MAX_NUMBER = Decimal("9999999999.9999")


def national_unit() -> OrgUnit:
    """The national reference unit ("riket"): a root of its own kind, inactive because nothing
    happens there (it cannot be chosen for a report); its measurements are reference values."""
    from accounts.services import orgunit_create

    unit = OrgUnit.objects.filter(kind__code=NATIONAL_KIND, parent=None).first()
    if unit is not None:
        return unit
    kind, _created = OrgUnitKind.objects.get_or_create(
        code=NATIONAL_KIND, defaults={"name": "Riket (nationell referens)", "rank": 0}
    )
    unit = orgunit_create(name=NATIONAL_NAME, kind=kind)
    OrgUnit.objects.filter(pk=unit.pk).update(is_active=False)
    unit.refresh_from_db()
    return unit


def is_national(unit: OrgUnit) -> bool:
    return unit.kind.code == NATIONAL_KIND if unit.kind_id else False


# --- Checks --------------------------------------------------------------------------------------


def may_enter(user, unit: OrgUnit, *, perm: str = Perm.INDICATOR_EDIT) -> bool:
    """Measurement owners enter for the units in their scope; national reference values are
    kept by those who keep the catalogue."""
    if is_national(unit):
        return has_perm(user, Perm.INDICATOR_DEFINE)
    return has_perm(user, perm, unit)


def _number(value, field: str, errors: dict, *, required: bool) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[field] = _("Give a number.")
        return None
    if isinstance(value, str):
        value = value.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors[field] = _("“%(value)s” is not a number.") % {"value": value}
        return None
    if not number.is_finite():
        errors[field] = _("“%(value)s” is not a number.") % {"value": value}
        return None
    if number < 0:
        errors[field] = _("The number cannot be negative.")
    elif number > MAX_NUMBER:
        errors[field] = _("The number is too large.")
    elif number != number.quantize(Decimal("0.0001")):
        errors[field] = _("Give at most four decimals.")
    return number


def method_for(indicator: IndicatorDefinition, method: str, period_start: dt.date, methods=None) -> str:
    """The method a point is measured with: the one named, or the one in use on its start date.
    An indicator without method versions has none (blank)."""
    versions = methods if methods is not None else list(indicator.methods.all())
    if method:
        return method
    in_use = [version for version in versions if version.valid_from <= period_start]
    return max(in_use, key=lambda version: version.valid_from).code if in_use else ""


@dataclass
class Checked:
    """A measurement's fields after checking, ready to be saved."""

    indicator: IndicatorDefinition
    unit: OrgUnit
    period_start: dt.date
    period_end: dt.date
    numerator: Decimal
    denominator: Decimal | None
    method: str
    comment: str
    source: str

    @property
    def key(self) -> tuple:
        return (self.indicator.pk, self.unit.pk, self.period_start, self.period_end, self.method)

    @property
    def value(self) -> Decimal:
        return derived_value(self.indicator, self.numerator, self.denominator)


def derived_value(indicator: IndicatorDefinition, numerator: Decimal, denominator: Decimal | None) -> Decimal:
    if indicator.kind == Kind.COUNT or denominator is None:
        return Decimal(numerator).quantize(Decimal("0.000001"))
    return (Decimal(numerator) * indicator.multiplier / Decimal(denominator)).quantize(Decimal("0.000001"))


def check_measurement(
    *,
    actor,
    indicator: IndicatorDefinition | None,
    unit: OrgUnit | None,
    period_start,
    period_end,
    numerator,
    denominator,
    method: str = "",
    comment: str = "",
    source: str = "",
    methods=None,
    perm: str = Perm.INDICATOR_EDIT,
    today: dt.date | None = None,
    unit_allowed: bool | None = None,
    fed_by: tuple | bool | None = None,
) -> tuple[Checked | None, dict[str, str]]:
    """Check one measurement; returns it, or the errors field by field (in Swedish when the
    language is Swedish). Shared by the form, the API and the import (which passes `today`,
    whether the actor may enter for the unit and the indicator's feed (`feeds.fed_since`, or
    False for none), worked out once for many rows)."""
    errors: dict[str, str] = {}
    if indicator is None:
        errors["indicator"] = _("Choose an indicator from the catalogue.")
    elif not indicator.is_active:
        errors["indicator"] = _("The indicator %(code)s is no longer in use.") % {"code": indicator.code}
    if unit is None:
        errors["unit"] = _("Choose a unit.")
    elif not (may_enter(actor, unit, perm=perm) if unit_allowed is None else unit_allowed):
        errors["unit"] = _("You may not enter measurements for %(unit)s.") % {"unit": unit.name}
    today = today or timezone.localdate()
    for name, day in (("period_start", period_start), ("period_end", period_end)):
        if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
            errors[name] = _("Give a date (YYYY-MM-DD).")
    if "period_start" not in errors and period_start > today:
        errors["period_start"] = _("The period has not begun yet.")
    if "period_start" not in errors and "period_end" not in errors and period_end < period_start:
        errors["period_end"] = _("The period cannot end before it begins.")
    numerator_value = _number(numerator, "numerator", errors, required=True)
    denominator_value = None
    if indicator is not None:
        if indicator.has_denominator:
            denominator_value = _number(denominator, "denominator", errors, required=True)
            if denominator_value is not None and "denominator" not in errors and denominator_value == 0:
                errors["denominator"] = _("The denominator must be greater than zero.")
            if (
                indicator.kind == Kind.PROPORTION
                and numerator_value is not None
                and denominator_value
                and "numerator" not in errors
                and numerator_value > denominator_value
            ):
                errors["numerator"] = _("The numerator cannot be larger than the denominator in a proportion.")
        elif denominator not in (None, ""):
            errors["denominator"] = _("%(code)s is a count: leave the denominator empty.") % {"code": indicator.code}
    if indicator is not None and "period_start" not in errors:
        fed = feeds.fed_since(indicator.code) if fed_by is None else fed_by
        if fed and period_start >= fed[1]:
            errors["indicator"] = _(
                "%(code)s is computed by psweb %(by)s from %(since)s; it is not entered by hand."
            ) % {"code": indicator.code, "by": fed[0].by, "since": fed[1].isoformat()}
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        errors["comment"] = _("The comment is too long (at most %(max)s characters).") % {"max": MAX_COMMENT}
    source = (source or "").strip()[:200]
    method = (method or "").strip()
    if indicator is not None and "period_start" not in errors:
        versions = methods if methods is not None else list(indicator.methods.all())
        if method and method not in {version.code for version in versions}:
            known = ", ".join(version.code for version in versions) or _("none")
            errors["method"] = _("%(code)s has no method “%(method)s”. Known methods: %(known)s.") % {
                "code": indicator.code,
                "method": method,
                "known": known,
            }
        else:
            method = method_for(indicator, method, period_start, versions)
    if errors:
        return None, errors
    return (
        Checked(indicator, unit, period_start, period_end, numerator_value, denominator_value, method, comment, source),
        {},
    )


# --- Writing ------------------------------------------------------------------------------------

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


def _differs(row: Measurement, checked: Checked) -> bool:
    return (
        row.numerator != checked.numerator
        or row.denominator != checked.denominator
        or row.comment != checked.comment
        or (checked.source and row.source != checked.source)
    )


def _apply(row: Measurement, checked: Checked, actor, batch) -> None:
    row.numerator, row.denominator, row.value = checked.numerator, checked.denominator, checked.value
    row.comment = checked.comment
    if checked.source:
        row.source = checked.source
    row.entered_by, row.batch = actor, batch


@transaction.atomic
def measurement_save(*, actor, **fields) -> tuple[Measurement, str]:
    """Enter one measurement, or correct the one with the same key. Returns the row and
    whether it was created, updated or unchanged."""
    checked, errors = check_measurement(actor=actor, **fields)
    if errors:
        if set(errors) == {"unit"} and fields.get("unit") is not None:
            raise PermissionDenied(errors["unit"])
        raise ValidationError(errors)
    outcomes = upsert([checked], actor=actor)
    row = Measurement.objects.get(
        indicator=checked.indicator,
        unit=checked.unit,
        period_start=checked.period_start,
        period_end=checked.period_end,
        method=checked.method,
    )
    return row, outcomes[0]


def upsert(rows: list[Checked], *, actor, batch: ImportBatch | None = None, write: bool = True) -> list[str]:
    """Save checked rows in bulk: new keys are created, changed ones updated, the same numbers
    left untouched. Returns each row's outcome; with `write=False` only the outcomes (the
    preview). The caller holds the transaction."""
    if not rows:
        return []
    keys = {row.key for row in rows}
    indicator_ids = {key[0] for key in keys}
    unit_ids = {key[1] for key in keys}
    starts = [key[2] for key in keys]
    candidates = Measurement.objects.filter(
        indicator_id__in=indicator_ids,
        unit_id__in=unit_ids,
        period_start__gte=min(starts),
        period_start__lte=max(starts),
    )
    # Only the keys in the rows become model instances (a file of new points meets many
    # existing ones in its date range, and most of them are not in the file).
    key_fields = ["pk", "indicator_id", "unit_id", "period_start", "period_end", "method"]
    wanted = [values[0] for values in candidates.values_list(*key_fields) if tuple(values[1:]) in keys]
    found = Measurement.objects.filter(pk__in=wanted)
    existing = {
        (m.indicator_id, m.unit_id, m.period_start, m.period_end, m.method): m
        for m in (found.select_for_update() if write else found)
    }
    new: dict[tuple, Checked] = {}  # keys not in the database, in the order of the rows
    changed, outcomes = [], []
    for checked in rows:
        row = existing.get(checked.key)
        if row is None:
            earlier = new.get(checked.key)
            if earlier is None:
                new[checked.key] = checked
                outcomes.append(CREATED)
            elif _differs(earlier, checked):
                new[checked.key] = replace(checked, source=checked.source or earlier.source)
                outcomes.append(UPDATED)
            else:
                outcomes.append(UNCHANGED)
        elif _differs(row, checked):
            _apply(row, checked, actor, batch)
            if row not in changed:
                changed.append(row)
            outcomes.append(UPDATED)
        else:
            outcomes.append(UNCHANGED)
    if write:
        _copy_new(list(new.values()), actor, batch)
        if changed:
            Measurement.objects.bulk_update(
                changed,
                ["numerator", "denominator", "value", "comment", "source", "entered_by", "batch", "updated_at"],
                batch_size=2000,
            )
    return outcomes


NEW_COLUMNS = [
    "indicator_id",
    "unit_id",
    "period_start",
    "period_end",
    "period_kind",
    "numerator",
    "denominator",
    "value",
    "method",
    "source",
    "comment",
    "is_valid",
    "invalid_reason",
    "entered_by_id",
    "entered_at",
    "updated_at",
    "batch_id",
]


def _copy_new(rows: list[Checked], actor, batch) -> None:
    """New measurements with COPY: an import of 100 000 rows spent most of its time in
    building and quoting an INSERT's parameters (docs/benchmarks.md). The table's constraints
    and its history trigger (one per statement) apply to COPY as to INSERT."""
    if not rows:
        return
    from django.db import connection

    now = timezone.now()
    batch_id = batch.pk if batch else None
    columns = ", ".join(NEW_COLUMNS)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY indicators_measurement ({columns}) FROM STDIN") as copy,
    ):
        for checked in rows:
            copy.write_row(
                (
                    checked.indicator.pk,
                    checked.unit.pk,
                    checked.period_start,
                    checked.period_end,
                    period_kind(checked.period_start, checked.period_end),
                    checked.numerator,
                    checked.denominator,
                    checked.value,
                    checked.method,
                    checked.source,
                    checked.comment,
                    True,
                    "",
                    actor.pk,
                    now,
                    now,
                    batch_id,
                )
            )


@transaction.atomic
def measurement_invalidate(*, actor, measurement: Measurement, reason: str) -> Measurement:
    """Leave a point out of every aggregate, with the reason (e.g. "too few patients measured")."""
    measurement = Measurement.objects.select_for_update().select_related("unit__kind").get(pk=measurement.pk)
    if not may_enter(actor, measurement.unit):
        raise PermissionDenied(_("You may not change measurements of %(unit)s.") % {"unit": measurement.unit.name})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the measurement is invalid.")})
    if len(reason) > MAX_COMMENT:
        raise ValidationError(
            {"reason": _("The text is too long (at most %(max)s characters).") % {"max": MAX_COMMENT}}
        )
    measurement.is_valid, measurement.invalid_reason = False, reason
    measurement.save(update_fields=["is_valid", "invalid_reason", "updated_at"])
    return measurement


@transaction.atomic
def measurement_revalidate(*, actor, measurement: Measurement) -> Measurement:
    measurement = Measurement.objects.select_for_update().select_related("unit__kind").get(pk=measurement.pk)
    if not may_enter(actor, measurement.unit):
        raise PermissionDenied(_("You may not change measurements of %(unit)s.") % {"unit": measurement.unit.name})
    measurement.is_valid, measurement.invalid_reason = True, ""
    measurement.save(update_fields=["is_valid", "invalid_reason", "updated_at"])
    return measurement


# --- The catalogue -------------------------------------------------------------------------------

DEFINITION_FIELDS = (
    "name",
    "description",
    "numerator_label",
    "denominator_label",
    "unit_label",
    "target_kind",
    "target_value",
    "target_low",
    "target_high",
    "direction",
    "frequency",
    "rolling_months",
    "source",
    "is_active",
)


@transaction.atomic
def definition_update(*, actor, indicator: IndicatorDefinition, **changes) -> IndicatorDefinition:
    """A patient-safety officer edits an indicator: name, texts, target, direction, frequency.
    The kind and multiplier are fixed once there are measurements (they give the values)."""
    if not has_perm(actor, Perm.INDICATOR_DEFINE):
        raise PermissionDenied(_("Only the patient-safety team edits the indicator catalogue."))
    indicator = IndicatorDefinition.objects.select_for_update().get(pk=indicator.pk)
    unknown = set(changes) - set(DEFINITION_FIELDS)
    if unknown:
        raise ValidationError({name: _("This cannot be changed here.") for name in unknown})
    for name, value in changes.items():
        setattr(indicator, name, value)
    errors: dict[str, str] = {}
    thresholds = (TargetKind.AT_LEAST, TargetKind.AT_MOST, TargetKind.BELOW, TargetKind.ABOVE)
    if indicator.target_kind in thresholds and indicator.target_value is None:
        errors["target_value"] = _("Give the target value.")
    if indicator.target_kind == TargetKind.RANGE:
        if indicator.target_low is None or indicator.target_high is None:
            errors["target_low"] = _("Give both ends of the range.")
        elif indicator.target_low > indicator.target_high:
            errors["target_high"] = _("The range must end above where it begins.")
    if indicator.target_kind == TargetKind.RANGE and indicator.direction != Direction.NONE:
        errors["direction"] = _("With a range as target, neither direction is better.")
    if errors:
        raise ValidationError(errors)
    indicator.full_clean()
    indicator.save()
    return indicator


# --- Many rows at once: the import and the API -------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int  # the file's row number (header = 1), or the list index + 1 in the API
    field: str
    message: str


@dataclass
class ImportResult:
    rows: list[Checked]
    outcomes: list[str]
    errors: list[RowError]

    @property
    def counts(self) -> dict[str, int]:
        return {name: self.outcomes.count(name) for name in (CREATED, UPDATED, UNCHANGED)}


def _units_by_reference(references) -> dict[str, OrgUnit]:
    """Units named by id, HSA-id or "riket", in two queries."""
    texts = {str(ref).strip() for ref in references if ref not in (None, "")}
    ids = {int(text) for text in texts if text.isdigit()}
    found: dict[str, OrgUnit] = {}
    for unit in OrgUnit.objects.filter(pk__in=ids).select_related("kind"):
        found[str(unit.pk)] = unit
    hsa = {text for text in texts if not text.isdigit() and text.lower() != NATIONAL_KIND}
    for unit in OrgUnit.objects.filter(hsa_id__in=hsa).select_related("kind"):
        found[unit.hsa_id] = unit
    if any(text.lower() == NATIONAL_KIND for text in texts):
        national = national_unit()
        for text in texts:
            if text.lower() == NATIONAL_KIND:
                found[text] = national
    return found


def check_rows(*, actor, rows, perm: str = Perm.INDICATOR_IMPORT) -> tuple[list[Checked], list[RowError]]:
    """Check many measurements; `rows` are (row number, {field: raw value}). Lookups are done
    once for all rows. A key repeated within the rows is an error on the later row."""
    from indicators.importing import date_of

    codes = {str(values.get("indicator") or "").strip().upper() for _, values in rows}
    indicators = {
        ind.code.upper(): ind for ind in IndicatorDefinition.objects.filter(code__in=codes).prefetch_related("methods")
    }
    methods = {ind.pk: list(ind.methods.all()) for ind in indicators.values()}
    fed = {ind.pk: feeds.fed_since(ind.code) or False for ind in indicators.values()}
    units = _units_by_reference(values.get("unit") for _, values in rows)
    allowed: dict[int, bool] = {}
    today = timezone.localdate()
    checked_rows: list[Checked] = []
    errors: list[RowError] = []
    first_row_of: dict[tuple, int] = {}
    for number, values in rows:
        code = str(values.get("indicator") or "").strip()
        ind = indicators.get(code.upper())
        unit_ref = str(values.get("unit") or "").strip()
        unit = units.get(unit_ref)
        row_errors: dict[str, str] = {}
        if ind is None:
            row_errors["indicator"] = (
                _("There is no indicator “%(code)s” in the catalogue.") % {"code": code}
                if code
                else _("Give the indicator's code.")
            )
        if unit is None:
            row_errors["unit"] = (
                _("There is no unit “%(unit)s” (give its id in psweb, its HSA-id or “riket”).") % {"unit": unit_ref}
                if unit_ref
                else _("Give the unit.")
            )
        elif unit.pk not in allowed:
            allowed[unit.pk] = may_enter(actor, unit, perm=perm)
        start = date_of(values.get("period_start"))
        raw_end = values.get("period_end")
        end = start if raw_end in (None, "") else date_of(raw_end)
        if start is None:
            row_errors["period_start"] = _("Give the first day of the period as YYYY-MM-DD.")
        if end is None and raw_end not in (None, ""):
            row_errors["period_end"] = _("Give the last day of the period as YYYY-MM-DD.")
        if unit is not None and not allowed[unit.pk]:
            row_errors["unit"] = _("You may not import measurements for %(unit)s.") % {"unit": unit.name}
        if not row_errors:
            checked, found = check_measurement(
                actor=actor,
                indicator=ind,
                unit=unit,
                period_start=start,
                period_end=end,
                numerator=values.get("numerator"),
                denominator=values.get("denominator"),
                method=str(values.get("method") or ""),
                comment=str(values.get("comment") or ""),
                source=str(values.get("source") or ""),
                methods=methods.get(ind.pk),
                perm=perm,
                today=today,
                unit_allowed=allowed[unit.pk],
                fed_by=fed[ind.pk],
            )
            row_errors.update(found)
            if checked is not None:
                earlier = first_row_of.get(checked.key)
                if earlier is not None:
                    row_errors["period_start"] = _(
                        "Row %(earlier)s already has this indicator, unit, period and method."
                    ) % {"earlier": earlier}
                else:
                    first_row_of[checked.key] = number
                    checked_rows.append(checked)
        errors.extend(RowError(number, name, str(message)) for name, message in row_errors.items())
    return checked_rows, errors


def measurements_check_and_save(*, actor, rows, commit: bool, perm: str, batch=None) -> ImportResult:
    """All or nothing: with any row in error nothing is saved and every error is returned;
    otherwise every row is saved (with `commit`) or only counted (a preview)."""
    checked, errors = check_rows(actor=actor, rows=rows, perm=perm)
    if errors:
        return ImportResult(checked, [], errors)
    if not commit:
        return ImportResult(checked, upsert(checked, actor=actor, batch=batch, write=False), [])
    with transaction.atomic():
        outcomes = upsert(checked, actor=actor, batch=batch)
    return ImportResult(checked, outcomes, [])


def import_upload(*, actor, file_name: str, content: bytes) -> ImportBatch:
    """Keep an uploaded file for its preview and confirmation. Refused (403) to anyone who
    may import nowhere; the file itself is read when previewed."""
    import hashlib

    if not has_perm(actor, Perm.INDICATOR_IMPORT) and not has_perm(actor, Perm.INDICATOR_DEFINE):
        raise PermissionDenied(_("Only measurement owners import measurements."))
    return ImportBatch.objects.create(
        file_name=(file_name or "mätningar")[:255],
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        uploaded_by=actor,
    )


def import_preview(*, actor, batch: ImportBatch) -> ImportResult:
    """What committing the file would do, row errors included; nothing is saved."""
    from indicators.importing import read

    rows = read(bytes(batch.content), batch.file_name)
    return measurements_check_and_save(
        actor=actor, rows=[(row.line, row.values) for row in rows], commit=False, perm=Perm.INDICATOR_IMPORT
    )


@transaction.atomic
def import_commit(*, actor, batch: ImportBatch) -> ImportResult:
    """Save the whole file, or nothing if any row is in error (checked again: the data may
    have changed since the preview). The same file again changes no measurement."""
    from indicators.importing import read

    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.uploaded_by_id != actor.pk:
        raise PermissionDenied(_("Only the person who uploaded the file can import it."))
    if batch.committed_at is not None:
        raise ValidationError(_("This file has already been imported."))
    rows = read(bytes(batch.content), batch.file_name)
    result = measurements_check_and_save(
        actor=actor, rows=[(row.line, row.values) for row in rows], commit=True, perm=Perm.INDICATOR_IMPORT, batch=batch
    )
    if result.errors:
        return result
    counts = result.counts
    batch.committed_at = timezone.now()
    batch.rows, batch.created, batch.updated, batch.unchanged = (
        len(result.outcomes),
        counts[CREATED],
        counts[UPDATED],
        counts[UNCHANGED],
    )
    batch.save(update_fields=["committed_at", "rows", "created", "updated", "unchanged"])
    return result


def national_unit_if_exists() -> OrgUnit | None:
    return OrgUnit.objects.filter(kind__code=NATIONAL_KIND, parent=None).select_related("kind").first()
