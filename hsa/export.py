"""Reading an export of HSA-katalogen (Katalogtjänst HSA): the organisation, the people and
their commissions (medarbetaruppdrag), one directory entry per line (docs/hsa.md).

HSA is an LDAP directory; its full schema (HSA-schema, Inera) and its producers' sync rules
are published only to connected organisations, so no bulk file format of HSA's own could be
found. The format here is JSON Lines — one entry per line, as an LDIF export lists one entry
per record, so an error names its line — with HSA's attribute names, taken from:

- the LDAP → FHIR mapping of an HSA catalogue implementation guide (HSA-schema 5.3):
  `hsaIdentity`, `o` (organisation name), `ou` (unit name), `startDate`/`endDate` (the
  unit's period), `hsaArchivedObject`, `businessClassificationCode`, `orgNo`;
- Inera's service contract GetCredentialsForPerson(IncludingProtectedPerson) 2.2
  (infrastructure:directory:authorizationmanagement): a person's `givenName`, `middleName`,
  `sn`, `hsaIdentity`; a commission's name (`cn`), HSA-id (`hsaIdentity`) and purpose
  (`hsaCommissionPurpose`), and that a commission belongs to a vårdenhet (the unit above it
  in the tree) or directly to the vårdgivare;
- Västra Götalandsregionen's reader of commission objects from HSA's LDAP
  (`se.vgregion…HsaCommission`: `cn`, `hsaIdentity`, `hsaCommissionPurpose`,
  `hsaCommissionMember` — the HSA-ids of the people who hold the commission);
- the HSA-id's syntax: `SE` + the catalogue owner's organisation number (10 digits) + `-` +
  letters and digits, at most 31 characters (openEHR Sweden, "HSA-identitet och
  Organisationsnummer", https://openehr.atlassian.net/wiki/spaces/healthmod/pages/1922990156);
- Inera's own client of that contract, github.com/sklintyg/infra (`hsatk-integration`:
  `Commission` with `commissionHsaId`, `healthCareUnitHsaId`, and the unit's start and end);
- Sambi's attribute `employeeHsaId` (https://sambi.se/?p=2785): a person's HSA-id identifies
  her uniquely, which is why people are matched by it.

Two keys are psweb's own: `parent` (the HSA-id of the entry above, which LDAP says with the
entry's DN) and `kind` (psweb's level of the tree, which HSA does not hold). Any other
attribute is ignored — a real export carries many — and nothing of a person beyond her name,
e-mail and title is read (never `personalIdentityNumber`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

HSA_ID = re.compile(r"^SE\d{10}-[A-Za-z0-9]+$")
HSA_ID_MAX = 31
GENERALIZED_TIME = re.compile(r"^(\d{4})(\d{2})(\d{2})(\d{6})?(\.\d+)?Z?$")

CARE_PROVIDER = "organization"
UNIT = "organizationalUnit"
PERSON = "person"
COMMISSION = "hsaCommission"
CLASSES = (CARE_PROVIDER, UNIT, PERSON, COMMISSION)


class ExportError(Exception):
    """The file is not a usable export; `line` is its 1-based line number (0: the whole file)."""

    def __init__(self, line: int, message: str):
        self.line = line
        self.message = message
        super().__init__(f"line {line}: {message}" if line else message)


@dataclass(frozen=True)
class UnitEntry:
    line: int
    hsa_id: str
    name: str
    parent: str  # "" for a care provider (vårdgivare), the root of its tree
    kind: str  # "" when the file does not say
    closed: bool  # its endDate has passed, or HSA archived it


@dataclass(frozen=True)
class PersonEntry:
    line: int
    hsa_id: str
    first_name: str
    last_name: str
    email: str
    title: str


@dataclass(frozen=True)
class CommissionEntry:
    line: int
    hsa_id: str
    name: str
    unit: str  # the HSA-id of the unit it belongs to
    members: tuple[str, ...]
    start: dt.date | None
    end: dt.date | None


@dataclass
class Export:
    units: dict[str, UnitEntry] = field(default_factory=dict)
    people: dict[str, PersonEntry] = field(default_factory=dict)
    commissions: dict[str, CommissionEntry] = field(default_factory=dict)


def read_export(lines: Iterable[str], *, today: dt.date) -> Export:
    """Every line checked; the first fault raises ExportError naming its line."""
    export = Export()
    seen: dict[str, int] = {}
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            entry = json.loads(text)
        except ValueError as error:
            raise ExportError(number, f"not valid JSON ({error.msg}, column {error.colno})") from None
        if not isinstance(entry, dict):
            raise ExportError(number, "an entry must be a JSON object")
        kind = _object_class(entry, number)
        if kind is None:
            continue  # functions, roles and the rest of the directory: not psweb's
        reader = _Entry(entry, number)
        hsa_id = reader.hsa_id("hsaIdentity")
        if hsa_id in seen:
            raise ExportError(number, f"{hsa_id} is also on line {seen[hsa_id]}")
        seen[hsa_id] = number
        if kind == CARE_PROVIDER:
            if "parent" in entry:
                raise ExportError(number, "a care provider (organization) has no parent")
            export.units[hsa_id] = UnitEntry(
                number,
                hsa_id,
                reader.text("o", 200),
                "",
                reader.text("kind", 40, required=False),
                _closed(reader, today),
            )
        elif kind == UNIT:
            export.units[hsa_id] = UnitEntry(
                number,
                hsa_id,
                reader.text("ou", 200),
                reader.hsa_id("parent"),
                reader.text("kind", 40, required=False),
                _closed(reader, today),
            )
        elif kind == PERSON:
            middle = reader.text("middleName", 75, required=False)
            surname = reader.text("sn", 75)
            export.people[hsa_id] = PersonEntry(
                number,
                hsa_id,
                reader.text("givenName", 150, required=False),
                f"{middle} {surname}" if middle else surname,
                reader.email("mail"),
                reader.text("title", 100, required=False),
            )
        else:
            start, end = reader.date("startDate"), reader.date("endDate")
            if start and end and end < start:
                raise ExportError(number, "endDate lies before startDate")
            export.commissions[hsa_id] = CommissionEntry(
                number,
                hsa_id,
                reader.text("cn", 200),
                reader.hsa_id("parent"),
                reader.members("hsaCommissionMember"),
                start,
                end,
            )
    _check_references(export)
    return export


def _object_class(entry: dict, number: int) -> str | None:
    value = entry.get("objectClass")
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise ExportError(number, "objectClass is missing (a name, or a list of names)")
    found = [name for name in CLASSES if name in values]
    if len(found) > 1:
        raise ExportError(number, f"objectClass names both {found[0]} and {found[1]}")
    return found[0] if found else None


def _closed(reader: _Entry, today: dt.date) -> bool:
    end = reader.date("endDate")
    archived = reader.entry.get("hsaArchivedObject", False)
    if not isinstance(archived, bool):
        raise ExportError(reader.line, "hsaArchivedObject must be true or false")
    return archived or (end is not None and end < today)


def _check_references(export: Export) -> None:
    """What the file says of itself; a parent outside the file is looked up in psweb later."""
    for commission in export.commissions.values():
        for member in commission.members:
            if member not in export.people:
                raise ExportError(
                    commission.line, f"hsaCommissionMember names {member}, who is not a person in the file"
                )
        if commission.unit in export.people or commission.unit in export.commissions:
            raise ExportError(commission.line, f"parent {commission.unit} is not a unit")
    for unit in export.units.values():
        if unit.parent and (unit.parent in export.people or unit.parent in export.commissions):
            raise ExportError(unit.line, f"parent {unit.parent} is not a unit")


class _Entry:
    def __init__(self, entry: dict, line: int):
        self.entry, self.line = entry, line

    def _single(self, name: str):
        value = self.entry.get(name)
        # LDAP attributes are multi-valued; an export may write a single value as a list of one.
        if isinstance(value, list):
            if len(value) > 1:
                raise ExportError(self.line, f"{name} must have one value")
            value = value[0] if value else None
        return value

    def text(self, name: str, max_length: int, *, required: bool = True) -> str:
        value = self._single(name)
        if value is None or value == "":
            if required:
                raise ExportError(self.line, f"{name} is missing")
            return ""
        if not isinstance(value, str):
            raise ExportError(self.line, f"{name} must be text")
        value = " ".join(value.split())
        if len(value) > max_length:
            raise ExportError(self.line, f"{name} is longer than {max_length} characters")
        return value

    def hsa_id(self, name: str) -> str:
        value = self.text(name, 64)
        if len(value) > HSA_ID_MAX or not HSA_ID.match(value):
            raise ExportError(self.line, f"{name} is not an HSA-id (SE, ten digits, a hyphen, letters and digits)")
        return value

    def email(self, name: str) -> str:
        value = self.text(name, 254, required=False)
        if value and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", value):
            raise ExportError(self.line, f"{name} is not an e-mail address")
        return value

    def date(self, name: str) -> dt.date | None:
        value = self.text(name, 40, required=False)
        if not value:
            return None
        match = GENERALIZED_TIME.match(value)
        try:
            if match:  # LDAP GeneralizedTime, as HSA writes it: 20270101000000Z
                return dt.date(int(match[1]), int(match[2]), int(match[3]))
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            raise ExportError(self.line, f"{name} is not a date (YYYY-MM-DD)") from None

    def members(self, name: str) -> tuple[str, ...]:
        value = self.entry.get(name, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ExportError(self.line, f"{name} must be a list of HSA-ids")
        return tuple(dict.fromkeys(v.strip() for v in value if v.strip()))
