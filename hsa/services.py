"""Make psweb match an HSA export (issue 16, item 4; docs/hsa.md).

`sync_plan` compares the export with psweb and returns the plan: what to create, rename,
move, close, and which reporter memberships to grant, change or end. Its `diff` is what a
dry run prints and what the applied run stores — the one computation both use. `sync_apply`
carries it out in one transaction; run again on the same file, the plan is empty.

- Units are created, renamed, moved and closed through `accounts.services` (`orgunit_create`,
  `orgunit_update`): a move carries the subtree's paths, and the statistics follow through
  the unit-move triggers, as for a move in the admin. A closed unit (its `endDate` passed, HSA
  archived it, or it is gone from the export under a care provider the export holds) keeps
  its history and becomes inactive, which the report form and the reporting service refuse.
  Units without an HSA-id are psweb's own and never touched.
- People are matched by HSA-id (`User.hsa_id`), never by e-mail; a new person gets an
  account with an unusable password (she signs in through the region's IdP).
- Each commission gives its holders a reporter membership in the commission's unit, one per
  person and unit however many commissions meet there, from the day the sync first sees it
  (or the commission's later `startDate`) to its `endDate`. A person who leaves every
  commission at a unit has the membership ended yesterday. Only memberships the sync made
  (`ProvisionedMembership`) are changed: a role granted in psweb is never touched. No e-mail
  is sent: the whole staff of a region would otherwise get one on the first run.
- A reporter membership single sign-on granted from the same commission before the sync saw
  it (`Membership.from_commission`) is taken over, not doubled (`_adopt_sign_in_memberships`);
  single sign-on in turn counts the sync's memberships as hers (`sso.services`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pghistory
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import Membership, OrgUnit, OrgUnitKind, User, local_today
from accounts.roles import Role
from accounts.services import orgunit_create, orgunit_update
from hsa.export import ExportError, read_export
from hsa.models import ProvisionedMembership, SyncRun

DEFAULT_KIND = {True: "vardgivare", False: "enhet"}  # a care provider, any other unit


@dataclass
class UnitOp:
    hsa_id: str
    name: str
    kind: str
    parent: str | None  # the parent's HSA-id; "" a root; None: where it is
    active: bool
    pk: int | None = None  # None: a new unit
    before: dict = field(default_factory=dict)  # the values it changes, for the diff


@dataclass
class PersonOp:
    hsa_id: str
    values: dict  # first_name, last_name, email, title
    pk: int | None = None
    before: dict = field(default_factory=dict)


@dataclass
class GrantOp:
    person: str
    unit: str
    commissions: list[str]
    valid_from: dt.date
    valid_to: dt.date | None
    row: int | None = None  # a row ended today taken up again (same valid_from)


@dataclass
class ChangeOp:
    person: str
    unit: str
    row: int
    membership: int
    commissions: list[str]
    valid_from: dt.date
    valid_to: dt.date | None
    before: dict


@dataclass
class AdoptOp:
    """A reporter membership single sign-on granted from the same commission (its
    `from_commission`): the sync takes it over instead of granting a second one."""

    person: str
    unit: str
    membership: int
    commissions: list[str]
    valid_to: dt.date | None
    before: dt.date | None  # its valid_to until now


@dataclass
class EndOp:
    person: str
    unit: str
    row: int
    membership: int
    valid_to: dt.date
    before: dt.date | None


@dataclass
class Plan:
    today: dt.date
    units: list[UnitOp] = field(default_factory=list)  # new ones first, then changes; parents before children
    people: list[PersonOp] = field(default_factory=list)
    grants: list[GrantOp] = field(default_factory=list)
    changes: list[ChangeOp] = field(default_factory=list)
    ends: list[EndOp] = field(default_factory=list)
    adoptions: list[AdoptOp] = field(default_factory=list)

    @property
    def diff(self) -> dict:
        """The plan as JSON: HSA-ids, names and dates, sorted, the same however it is computed."""
        units: dict[str, list] = {
            key: [] for key in ("created", "renamed", "moved", "reclassified", "closed", "reopened")
        }
        for op in self.units:
            if op.pk is None:
                units["created"].append(
                    {"hsa_id": op.hsa_id, "name": op.name, "parent": op.parent, "kind": op.kind, "active": op.active}
                )
                continue
            if "name" in op.before:
                units["renamed"].append({"hsa_id": op.hsa_id, "from": op.before["name"], "to": op.name})
            if "parent" in op.before:
                units["moved"].append(
                    {"hsa_id": op.hsa_id, "name": op.name, "from": op.before["parent"], "to": op.parent}
                )
            if "kind" in op.before:
                units["reclassified"].append({"hsa_id": op.hsa_id, "from": op.before["kind"], "to": op.kind})
            if "active" in op.before:
                units["reopened" if op.active else "closed"].append({"hsa_id": op.hsa_id, "name": op.name})
        people = {
            "created": [{"hsa_id": op.hsa_id, **op.values} for op in self.people if op.pk is None],
            "updated": [
                {
                    "hsa_id": op.hsa_id,
                    "changes": {name: [op.before[name], op.values[name]] for name in sorted(op.before)},
                }
                for op in self.people
                if op.pk is not None
            ],
        }
        memberships = {
            "granted": [
                {
                    "person": op.person,
                    "unit": op.unit,
                    "commissions": op.commissions,
                    "valid_from": _iso(op.valid_from),
                    "valid_to": _iso(op.valid_to),
                }
                for op in self.grants
            ],
            "changed": [
                {
                    "person": op.person,
                    "unit": op.unit,
                    "commissions": op.commissions,
                    "changes": {name: [_iso(old), _iso(getattr(op, name))] for name, old in sorted(op.before.items())},
                }
                for op in self.changes
            ],
            "ended": [
                {"person": op.person, "unit": op.unit, "valid_to": _iso(op.valid_to), "before": _iso(op.before)}
                for op in self.ends
            ],
            "adopted": [
                {"person": op.person, "unit": op.unit, "commissions": op.commissions, "valid_to": _iso(op.valid_to)}
                for op in self.adoptions
            ],
        }
        for group in (units, people, memberships):
            for key, rows in group.items():
                group[key] = sorted(rows, key=lambda row: (row.get("hsa_id") or row.get("person"), row.get("unit", "")))
        return {"units": units, "people": people, "memberships": memberships}

    @property
    def counts(self) -> dict[str, int]:
        return {f"{group}.{key}": len(rows) for group, section in self.diff.items() for key, rows in section.items()}

    @property
    def is_empty(self) -> bool:
        return not (self.units or self.people or self.grants or self.changes or self.ends or self.adoptions)


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


# --- the plan ----------------------------------------------------------------------------------------------


def sync_plan(*, export, today: dt.date | None = None) -> Plan:
    """Compare `export` (hsa.export.Export) with psweb. Raises ExportError for a parent that
    is neither in the file nor in psweb, an unknown kind, or a tree with a cycle."""
    today = today or local_today()
    plan = Plan(today=today)
    _plan_units(plan, export)
    people = _plan_people(plan, export)
    _plan_memberships(plan, export, people)
    return plan


def _plan_units(plan: Plan, export) -> None:
    kinds = set(OrgUnitKind.objects.values_list("code", flat=True))
    rows = {
        row["pk"]: row
        for row in OrgUnit.objects.values("pk", "hsa_id", "name", "kind__code", "parent_id", "is_active", "path")
    }
    by_hsa = {row["hsa_id"]: row for row in rows.values() if row["hsa_id"]}
    for entry in export.units.values():
        if entry.kind and entry.kind not in kinds:
            raise ExportError(
                entry.line, f"kind {entry.kind!r} is not a kind of unit in psweb ({', '.join(sorted(kinds))})"
            )
        if entry.parent and entry.parent not in export.units and entry.parent not in by_hsa:
            raise ExportError(entry.line, f"parent {entry.parent} is neither in the file nor in psweb")

    # The tree as it will be: a unit in the file under its parent there, any other where it is.
    final_parent: dict[str, str | None] = {}  # HSA-id, or "#pk" for a unit without one
    key = {pk: row["hsa_id"] or f"#{pk}" for pk, row in rows.items()}
    for pk, row in rows.items():
        final_parent[key[pk]] = key[row["parent_id"]] if row["parent_id"] else None
    for entry in export.units.values():
        final_parent[entry.hsa_id] = entry.parent or None
    depth: dict[str, int] = {}
    for entry in export.units.values():
        chain, node = [], entry.hsa_id
        while node is not None and node not in depth:
            if node in chain:
                raise ExportError(entry.line, f"{entry.hsa_id} lies below itself (the parents form a cycle)")
            chain.append(node)
            node = final_parent[node]
        base = -1 if node is None else depth[node]
        for offset, name in enumerate(reversed(chain), start=1):
            depth[name] = base + offset

    # Under the care providers and top units of the file, a unit with an HSA-id that the file
    # no longer holds has closed.
    tops = [
        by_hsa[e.hsa_id]["path"] for e in export.units.values() if e.hsa_id in by_hsa and e.parent not in export.units
    ]
    gone = [
        row
        for row in by_hsa.values()
        if row["hsa_id"] not in export.units and row["is_active"] and any(row["path"].startswith(top) for top in tops)
    ]

    ops: list[UnitOp] = []
    for entry in export.units.values():
        row = by_hsa.get(entry.hsa_id)
        if row is None:
            kind = entry.kind or DEFAULT_KIND[not entry.parent]
            ops.append(UnitOp(entry.hsa_id, entry.name, kind, entry.parent, not entry.closed))
            continue
        current_parent = (rows[row["parent_id"]]["hsa_id"] or f"#{row['parent_id']}") if row["parent_id"] else ""
        op = UnitOp(
            entry.hsa_id, entry.name, entry.kind or row["kind__code"], entry.parent, not entry.closed, row["pk"]
        )
        for name, old, new in (
            ("name", row["name"], op.name),
            ("kind", row["kind__code"], op.kind),
            ("parent", current_parent, op.parent),
            ("active", row["is_active"], op.active),
        ):
            if old != new:
                op.before[name] = old
        if op.before:
            ops.append(op)
    for row in gone:
        ops.append(UnitOp(row["hsa_id"], row["name"], row["kind__code"], None, False, row["pk"], {"active": True}))
    plan.units = sorted(ops, key=lambda op: (op.pk is not None, depth.get(op.hsa_id, 0), op.hsa_id))


def _plan_people(plan: Plan, export) -> dict[str, dict]:
    """The people of psweb with an HSA-id, by HSA-id, and the plan's people."""
    users = {
        row["hsa_id"]: row
        for row in User.objects.exclude(hsa_id="").values("pk", "hsa_id", "first_name", "last_name", "email", "title")
    }
    for entry in export.people.values():
        values = {
            "first_name": entry.first_name,
            "last_name": entry.last_name,
            "email": entry.email,
            "title": entry.title,
        }
        row = users.get(entry.hsa_id)
        if row is None:
            plan.people.append(PersonOp(entry.hsa_id, values))
            continue
        before = {name: row[name] for name, value in values.items() if row[name] != value}
        if before:
            plan.people.append(PersonOp(entry.hsa_id, values, row["pk"], before))
    plan.people.sort(key=lambda op: op.hsa_id)
    return users


def _plan_memberships(plan: Plan, export, users: dict[str, dict]) -> None:
    today, yesterday = plan.today, plan.today - dt.timedelta(days=1)
    # What the export asks for: per (person, unit) the commissions placed there and their period.
    wanted: dict[tuple[str, str], list] = {}
    for commission in export.commissions.values():
        for person in commission.members:
            wanted.setdefault((person, commission.unit), []).append(commission)

    user_hsa = {row["pk"]: hsa for hsa, row in users.items()}
    unit_hsa = dict(OrgUnit.objects.exclude(hsa_id="").values_list("pk", "hsa_id"))
    known_units = set(unit_hsa.values()) | set(export.units)
    for commission in export.commissions.values():
        if commission.unit not in known_units:
            raise ExportError(commission.line, f"parent {commission.unit} is neither in the file nor in psweb")
    # The newest row of each (user, unit): what the last sync left.
    current: dict[tuple[str, str], dict] = {}
    for row in (
        ProvisionedMembership.objects.order_by("user_id", "unit_id", "-id")
        .distinct("user_id", "unit_id")
        .values(
            "pk",
            "user_id",
            "unit_id",
            "commissions",
            "removed_on",
            "membership_id",
            "membership__valid_from",
            "membership__valid_to",
        )
    ):
        if row["user_id"] in user_hsa and row["unit_id"] in unit_hsa:
            current[(user_hsa[row["user_id"]], unit_hsa[row["unit_id"]])] = row

    for pair, commissions in sorted(wanted.items()):
        names = sorted(c.hsa_id for c in commissions)
        starts = [c.start for c in commissions]
        start = min(starts) if None not in starts else None
        ends = [c.end for c in commissions]
        end = max(ends) if None not in ends else None
        row = current.get(pair)
        if row is None or row["removed_on"] is not None:
            valid_from = max(start or today, today)
            if end is not None and end < valid_from:
                continue  # ended before it would begin
            taken_up = row is not None and row["membership__valid_from"] == valid_from
            plan.grants.append(GrantOp(*pair, names, valid_from, end, row["pk"] if taken_up else None))
            continue
        valid_from = row["membership__valid_from"]
        if valid_from > today:  # not begun: it follows the commission's start
            valid_from = max(start or today, today)
        valid_to = max(end, valid_from) if end is not None else None
        before = {}
        if valid_from != row["membership__valid_from"]:
            before["valid_from"] = row["membership__valid_from"]
        if valid_to != row["membership__valid_to"]:
            before["valid_to"] = row["membership__valid_to"]
        if before or names != row["commissions"]:
            plan.changes.append(ChangeOp(*pair, row["pk"], row["membership_id"], names, valid_from, valid_to, before))
    for pair, row in sorted(current.items()):
        if pair in wanted or row["removed_on"] is not None:
            continue
        old = row["membership__valid_to"]
        last = max(yesterday, row["membership__valid_from"])
        plan.ends.append(EndOp(*pair, row["pk"], row["membership_id"], min(old, last) if old else last, old))
    _adopt_sign_in_memberships(plan, users, {hsa: pk for pk, hsa in unit_hsa.items()})
    _drop_clashes(plan, users)


def _adopt_sign_in_memberships(plan: Plan, users: dict[str, dict], unit_pk: dict[str, int]) -> None:
    """A grant whose person already holds a reporter membership there that single sign-on
    gave her from the commission (`Membership.from_commission`, not yet the sync's) takes
    that membership over: it keeps its start, gets the commission's end, and from now on the
    sync ends it when the commission ends. One membership, whichever of the two came first."""
    today = plan.today
    adoptable = {
        (user_id, unit_id): (pk, valid_to)
        for pk, user_id, unit_id, valid_to in Membership.objects.filter(
            from_commission=True, role=Role.REPORTER, provisioned__isnull=True
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today), valid_from__lte=today)
        .order_by("user_id", "unit_id", "valid_from")
        .values_list("pk", "user_id", "unit_id", "valid_to")
    }
    if not adoptable:
        return
    grants = []
    for op in plan.grants:
        person = users.get(op.person)
        key = (person["pk"], unit_pk.get(op.unit)) if person else None
        if key in adoptable and op.row is None and op.valid_from <= today:
            membership, before = adoptable.pop(key)
            plan.adoptions.append(AdoptOp(op.person, op.unit, membership, op.commissions, op.valid_to, before))
        else:
            grants.append(op)
    plan.grants = grants


def _drop_clashes(plan: Plan, users: dict[str, dict]) -> None:
    """A reporter membership granted in psweb from the same day in the same unit already does
    what the grant would (and the two could not both exist): the grant is left out."""
    new = [op for op in plan.grants if op.row is None and op.person in users]
    if not new:
        return
    unit_pk = dict(OrgUnit.objects.filter(hsa_id__in={op.unit for op in new}).values_list("hsa_id", "pk"))
    taken = set(
        Membership.objects.filter(
            role=Role.REPORTER,
            user_id__in={users[op.person]["pk"] for op in new},
            valid_from__in={op.valid_from for op in new},
        ).values_list("user_id", "unit_id", "valid_from")
    )
    clashes = {
        id(op)
        for op in new
        if op.unit in unit_pk and (users[op.person]["pk"], unit_pk[op.unit], op.valid_from) in taken
    }
    plan.grants = [op for op in plan.grants if id(op) not in clashes]


# --- carrying it out ---------------------------------------------------------------------------------------


@transaction.atomic
def sync_apply(*, plan: Plan) -> None:
    with pghistory.context(command="sync_hsa"):
        units = _apply_units(plan)
        people = _apply_people(plan)
        _apply_memberships(plan, units, people)


def _apply_units(plan: Plan) -> dict[str, int]:
    kinds = {kind.code: kind for kind in OrgUnitKind.objects.all()}
    pks = dict(OrgUnit.objects.exclude(hsa_id="").values_list("hsa_id", "pk"))
    for op in plan.units:
        if op.pk is None:
            parent = OrgUnit.objects.get(pk=pks[op.parent]) if op.parent else None
            unit = orgunit_create(name=op.name, kind=kinds[op.kind], parent=parent, hsa_id=op.hsa_id)
            pks[op.hsa_id] = unit.pk
            if op.active:
                continue
        else:
            unit = OrgUnit.objects.get(pk=op.pk)
        if op.parent is None:
            parent = unit.parent
        elif op.parent == "":
            parent = None
        else:
            parent = OrgUnit.objects.get(pk=pks[op.parent])
        orgunit_update(
            unit=unit, name=op.name, kind=kinds[op.kind], parent=parent, hsa_id=unit.hsa_id, is_active=op.active
        )
    return pks


def _apply_people(plan: Plan) -> dict[str, int]:
    new = [op for op in plan.people if op.pk is None]
    # The username is the HSA-id, or with a number if an account already has that name (in
    # any case), as single sign-on names the people it creates.
    wanted = {op.hsa_id.lower() for op in new}
    taken = {
        name.lower()
        for name in User.objects.annotate(lowered=Lower("username"))
        .filter(lowered__in=wanted)
        .values_list("username", flat=True)
    }
    users = []
    for op in new:
        username, n = op.hsa_id, 1
        while username.lower() in taken:
            n += 1
            username = f"{op.hsa_id}-{n}"
        taken.add(username.lower())
        users.append(User(username=username, hsa_id=op.hsa_id, password=make_password(None), **op.values))
    User.objects.bulk_create(users, batch_size=2000)
    changed = []
    for op in plan.people:
        if op.pk is not None:
            user = User(pk=op.pk, hsa_id=op.hsa_id, **op.values)
            changed.append(user)
    if changed:
        User.objects.bulk_update(changed, ["first_name", "last_name", "email", "title"], batch_size=2000)
    return dict(User.objects.exclude(hsa_id="").values_list("hsa_id", "pk"))


def _apply_memberships(plan: Plan, units: dict[str, int], people: dict[str, int]) -> None:
    now = timezone.now()
    # Taken up again: a row ended earlier today whose membership began today.
    revived = {op.row: op for op in plan.grants if op.row is not None}
    if revived:
        rows = ProvisionedMembership.objects.select_related("membership").filter(pk__in=revived)
        for row in rows:
            op = revived[row.pk]
            row.membership.valid_to, row.commissions, row.removed_on = op.valid_to, op.commissions, None
        Membership.objects.bulk_update([row.membership for row in rows], ["valid_to"])
        ProvisionedMembership.objects.bulk_update(rows, ["commissions", "removed_on"])
    new = [op for op in plan.grants if op.row is None]
    memberships = Membership.objects.bulk_create(
        [
            Membership(
                user_id=people[op.person],
                unit_id=units[op.unit],
                role=Role.REPORTER,
                valid_from=op.valid_from,
                valid_to=op.valid_to,
                from_commission=True,
            )
            for op in new
        ],
        batch_size=2000,
    )
    ProvisionedMembership.objects.bulk_create(
        [
            ProvisionedMembership(
                user_id=membership.user_id,
                unit_id=membership.unit_id,
                membership=membership,
                commissions=op.commissions,
                created_at=now,
            )
            for op, membership in zip(new, memberships, strict=True)
        ],
        batch_size=2000,
    )
    if plan.changes:
        Membership.objects.bulk_update(
            [Membership(pk=op.membership, valid_from=op.valid_from, valid_to=op.valid_to) for op in plan.changes],
            ["valid_from", "valid_to"],
            batch_size=2000,
        )
        ProvisionedMembership.objects.bulk_update(
            [ProvisionedMembership(pk=op.row, commissions=op.commissions) for op in plan.changes],
            ["commissions"],
            batch_size=2000,
        )
    if plan.ends:
        Membership.objects.bulk_update(
            [Membership(pk=op.membership, valid_to=op.valid_to) for op in plan.ends], ["valid_to"], batch_size=2000
        )
        ProvisionedMembership.objects.filter(pk__in=[op.row for op in plan.ends]).update(removed_on=plan.today)
    if plan.adoptions:
        Membership.objects.bulk_update(
            [Membership(pk=op.membership, valid_to=op.valid_to) for op in plan.adoptions], ["valid_to"], batch_size=2000
        )
        ProvisionedMembership.objects.bulk_create(
            [
                ProvisionedMembership(
                    user_id=people[op.person],
                    unit_id=units[op.unit],
                    membership_id=op.membership,
                    commissions=op.commissions,
                    created_at=now,
                )
                for op in plan.adoptions
            ],
            batch_size=2000,
        )


# --- the command's one call --------------------------------------------------------------------------------


def sync_hsa(*, path: Path, dry_run: bool, today: dt.date | None = None) -> tuple[SyncRun, Plan]:
    """Read the file, plan, and (unless `dry_run`) apply, in one transaction; the run is
    stored either way. A broken file raises ExportError and changes nothing."""
    started = timezone.now()
    today = today or local_today()
    try:
        with path.open(encoding="utf-8") as handle:
            export = read_export(handle, today=today)
    except UnicodeDecodeError as error:
        raise ExportError(0, f"the file is not UTF-8 ({error.reason})") from None
    except OSError as error:
        raise ExportError(0, f"the file cannot be read ({error.strerror})") from None
    with transaction.atomic():
        # One sync at a time: a second waits here for the first to finish.
        _lock_sync()
        plan = sync_plan(export=export, today=today)
        if not dry_run:
            sync_apply(plan=plan)
        run = SyncRun.objects.create(
            started_at=started,
            finished_at=timezone.now(),
            file_name=path.name,
            dry_run=dry_run,
            counts=plan.counts,
            diff=plan.diff,
        )
    return run, plan


def _lock_sync() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('psweb.hsa.sync'))")


def last_run(*, applied: bool = True) -> SyncRun | None:
    runs = SyncRun.objects.all()
    if applied:
        runs = runs.filter(dry_run=False)
    return runs.first()
