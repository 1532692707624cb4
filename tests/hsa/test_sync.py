"""`sync_hsa`: psweb's organisation and its staff's reporter memberships follow an HSA export
(issue 16, item 4; docs/hsa.md)."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from accounts.models import Membership, OrgUnit, OrgUnitEvent, User, local_today
from accounts.roles import Role
from devdata.hsa_export import PREFIX, region_export, unit_id, write_export
from hsa.export import read_export
from hsa.models import ProvisionedMembership, SyncRun
from hsa.services import sync_hsa, sync_plan
from tests.factories import MembershipFactory, UserFactory, make_unit

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 7)
YESTERDAY = TODAY - dt.timedelta(days=1)
LATER = dt.date(2027, 1, 7)  # a month after the first sync


def sync(tmp_path, entries, *, dry_run=False, today=TODAY, name="hsa.jsonl"):
    return sync_hsa(path=write_export(entries, tmp_path / name), dry_run=dry_run, today=today)


def person(n: int) -> str:
    return f"{PREFIX}-P{n:05d}"


def commissions_of(entries, who: str) -> list[dict]:
    return [e for e in entries.values() if "hsaCommission" in e["objectClass"] and who in e["hsaCommissionMember"]]


def state() -> tuple:
    return (
        sorted(OrgUnit.objects.values_list("pk", "name", "path", "is_active", "kind_id", "hsa_id")),
        sorted(User.objects.values_list("pk", "username", "first_name", "last_name", "email", "hsa_id")),
        sorted(Membership.objects.values_list("pk", "user_id", "unit_id", "role", "valid_from", "valid_to")),
    )


# --- a region: 300 units, 2 000 people --------------------------------------------------------------------


def test_a_region_is_created_then_renamed_moved_closed_and_its_commissions_ended(tmp_path):
    # given a region's export
    entries = region_export(units=300, people=2000)

    # when it is synced the first time
    run, plan = sync(tmp_path, entries)

    # then the tree, the people and a reporter membership per person and unit exist
    assert run.counts["units.created"] == 300
    assert run.counts["people.created"] == 2000
    region = OrgUnit.objects.get(hsa_id=unit_id(0))
    assert region.parent is None and region.kind.code == "vardgivare"
    assert OrgUnit.objects.subtree_of(region).count() == 300
    nurse = User.objects.get(hsa_id=person(1))
    assert not nurse.has_usable_password()
    assert nurse.first_name == entries[person(1)]["givenName"]
    first_unit = commissions_of(entries, person(1))[0]["parent"]
    assert Membership.objects.filter(
        user=nurse, unit__hsa_id=first_unit, role=Role.REPORTER, valid_from=TODAY, valid_to=None
    ).exists()
    assert Membership.objects.filter(role=Role.REPORTER).count() == run.counts["memberships.granted"] >= 2000

    # and a second run on the same file changes nothing
    before = state()
    again, plan = sync(tmp_path, entries)
    assert plan.is_empty and not any(again.counts.values())
    assert state() == before

    # when HSA renames a klinik, moves another under a new förvaltning, closes an avdelning
    # and ends one person's commission, and another leaves hers
    changed = copy.deepcopy(entries)
    klinik, moved, closed = unit_id(7), unit_id(8), unit_id(100)
    changed[klinik]["ou"] = "Medicinkliniken Västerås"
    new_forv = unit_id(9000)
    items = list(changed.items())
    changed = dict(items[:7])  # the new förvaltning before the kliniker, as HSA lists parents first
    changed[new_forv] = {
        "objectClass": "organizationalUnit",
        "hsaIdentity": new_forv,
        "ou": "Förvaltning Ny",
        "parent": unit_id(0),
        "kind": "forvaltning",
    }
    changed.update(items[7:])
    changed[moved]["parent"] = new_forv
    changed[closed]["endDate"] = YESTERDAY.isoformat()
    ending = commissions_of(changed, person(2))
    for commission in ending:
        commission["endDate"] = "2027-01-31"
    for commission in commissions_of(changed, person(3)):
        commission["hsaCommissionMember"].remove(person(3))
    moved_unit = OrgUnit.objects.get(hsa_id=moved)
    below_moved = set(OrgUnit.objects.subtree_of(moved_unit).values_list("pk", flat=True))

    # then the dry run says what the applied run does, and changes nothing
    before = state()
    dry, _ = sync(tmp_path, changed, dry_run=True, today=LATER)
    assert state() == before
    applied, plan = sync(tmp_path, changed, today=LATER)
    assert dry.diff == applied.diff == plan.diff
    assert dry.dry_run and not applied.dry_run

    diff = applied.diff
    assert diff["units"]["created"] == [
        {"hsa_id": new_forv, "name": "Förvaltning Ny", "parent": unit_id(0), "kind": "forvaltning", "active": True}
    ]
    assert [row["hsa_id"] for row in diff["units"]["renamed"]] == [klinik]
    assert [row["hsa_id"] for row in diff["units"]["moved"]] == [moved]
    assert [row["hsa_id"] for row in diff["units"]["closed"]] == [closed]
    assert OrgUnit.objects.get(hsa_id=klinik).name == "Medicinkliniken Västerås"
    # the subtree followed the move
    new_parent = OrgUnit.objects.get(hsa_id=new_forv)
    assert set(OrgUnit.objects.subtree_of(new_parent).values_list("pk", flat=True)) == below_moved | {new_parent.pk}
    for unit in OrgUnit.objects.filter(pk__in=below_moved):
        assert unit.path.startswith(new_parent.path) and unit.depth == len(unit.ancestor_ids()) - 1
    assert OrgUnit.objects.get(hsa_id=closed).is_active is False
    # the commission's end is the membership's last day; the one who left ended yesterday
    ended = Membership.objects.filter(user__hsa_id=person(2), role=Role.REPORTER)
    assert {m.valid_to for m in ended} == {dt.date(2027, 1, 31)}
    left = Membership.objects.filter(user__hsa_id=person(3), role=Role.REPORTER)
    assert {m.valid_to for m in left} == {LATER - dt.timedelta(days=1)}
    assert [row["person"] for row in diff["memberships"]["ended"]] == [person(3)] * left.count()

    # and once more, nothing
    before = state()
    _, plan = sync(tmp_path, changed, today=LATER)
    assert plan.is_empty
    assert state() == before


# --- the rules, on a small region ---------------------------------------------------------------------------


@pytest.fixture
def small():
    return region_export(units=30, people=60)


def test_a_unit_gone_from_the_export_is_closed_and_keeps_its_history(tmp_path, small):
    sync(tmp_path, small)
    gone = unit_id(20)  # an avdelning, with its commission
    smaller = {k: v for k, v in small.items() if k != gone and v.get("parent") != gone}

    run, _ = sync(tmp_path, smaller, today=LATER)

    unit = OrgUnit.objects.get(hsa_id=gone)
    assert unit.is_active is False
    assert run.diff["units"]["closed"] == [{"hsa_id": gone, "name": unit.name}]
    assert OrgUnitEvent.objects.filter(pgh_obj=unit).count() >= 2  # created, closed


def test_a_closed_unit_is_refused_for_new_reports(tmp_path, small):
    from incidents.services.reporting import _clean_fields

    small[unit_id(20)]["hsaArchivedObject"] = True
    sync(tmp_path, small)

    with pytest.raises(Exception, match="unit"):
        _clean_fields({"unit": OrgUnit.objects.get(hsa_id=unit_id(20))})


def test_memberships_granted_in_psweb_are_never_touched(tmp_path, small):
    sync(tmp_path, small)
    nurse = User.objects.get(hsa_id=person(1))
    ward = OrgUnit.objects.get(hsa_id=commissions_of(small, person(1))[0]["parent"])
    handler = MembershipFactory(user=nurse, unit=ward, role=Role.HANDLER, valid_from=dt.date(2026, 1, 1))
    own_reporter = MembershipFactory(user=nurse, unit=ward.parent, role=Role.REPORTER, valid_from=dt.date(2026, 1, 1))
    without = copy.deepcopy(small)
    del without[person(1)]
    for commission in commissions_of(without, person(1)):
        commission["hsaCommissionMember"].remove(person(1))

    sync(tmp_path, without, today=LATER)

    handler.refresh_from_db()
    own_reporter.refresh_from_db()
    assert handler.valid_to is None and own_reporter.valid_to is None
    provisioned = Membership.objects.filter(provisioned__isnull=False, user=nurse)
    assert provisioned and all(m.valid_to == LATER - dt.timedelta(days=1) for m in provisioned)


def test_two_commissions_at_one_unit_give_one_membership(tmp_path, small):
    klinik = unit_id(2)  # one förvaltning (E0001), then the kliniker
    care, admin = (
        e for e in small.values() if e.get("parent") == klinik and "hsaCommission" in e["objectClass"]
    )  # fmt: skip
    for commission in (care, admin):
        if person(50) not in commission["hsaCommissionMember"]:
            commission["hsaCommissionMember"].append(person(50))

    sync(tmp_path, small)

    rows = ProvisionedMembership.objects.filter(user__hsa_id=person(50), unit__hsa_id=klinik)
    assert [sorted(r.commissions) for r in rows] == [sorted([care["hsaIdentity"], admin["hsaIdentity"]])]

    # ending one of them leaves the membership as it was
    admin["hsaCommissionMember"].remove(person(50))
    run, _ = sync(tmp_path, small)
    membership = rows.get().membership
    assert membership.valid_to is None
    assert run.diff["memberships"]["ended"] == []


def test_a_person_who_comes_back_gets_a_new_membership(tmp_path, small):
    sync(tmp_path, small)
    without = copy.deepcopy(small)
    for commission in commissions_of(without, person(4)):
        commission["hsaCommissionMember"].remove(person(4))
    sync(tmp_path, without, today=LATER)

    run, _ = sync(tmp_path, small, today=LATER + dt.timedelta(days=10))

    assert {row["person"] for row in run.diff["memberships"]["granted"]} == {person(4)}
    periods = set(
        Membership.objects.filter(user__hsa_id=person(4), role=Role.REPORTER).values_list("valid_from", "valid_to")
    )
    assert (TODAY, LATER - dt.timedelta(days=1)) in periods
    assert (LATER + dt.timedelta(days=10), None) in periods


def test_a_person_is_matched_by_hsa_id_and_her_name_follows(tmp_path, small):
    existing = UserFactory(username="anna", hsa_id=person(5), email="old@example.invalid")
    small[person(5)]["mail"] = "anna.ny@regionexempelland.invalid"

    run, _ = sync(tmp_path, small)

    existing.refresh_from_db()
    assert existing.email == "anna.ny@regionexempelland.invalid"
    assert existing.has_usable_password()  # her own account, not a new one
    assert User.objects.filter(hsa_id=person(5)).count() == 1
    assert [row["hsa_id"] for row in run.diff["people"]["updated"]] == [person(5)]


def test_a_unit_in_psweb_without_an_hsa_id_is_left_alone(tmp_path, small):
    sync(tmp_path, small)
    own = make_unit("Patientsäkerhetsteamet", OrgUnit.objects.get(hsa_id=unit_id(0)), "enhet")

    _, plan = sync(tmp_path, small)

    assert plan.is_empty
    own.refresh_from_db()
    assert own.is_active


def test_the_command_prints_the_dry_run_and_changes_nothing(tmp_path, small):
    path = write_export(small, tmp_path / "export.jsonl")
    out = io.StringIO()

    with translation.override("en"):
        call_command("sync_hsa", str(path), dry_run=True, stdout=out)

    assert f"New unit {unit_id(0)} Region Exempelland" in out.getvalue()
    assert "Would change:" in out.getvalue()
    assert OrgUnit.objects.filter(hsa_id__startswith=PREFIX).count() == 0
    assert SyncRun.objects.get().dry_run

    out = io.StringIO()
    call_command("sync_hsa", str(path), json=True, stdout=out)
    assert json.loads(out.getvalue()) == SyncRun.objects.filter(dry_run=False).get().diff


# --- broken files -------------------------------------------------------------------------------------------


def _lines(entries) -> list[str]:
    return [json.dumps(e, ensure_ascii=False) for e in entries.values()]


def _broken(kind: str, small: dict) -> tuple[list[str], int]:
    lines = _lines(small)
    index = list(small).index
    if kind == "json":
        lines[2] = lines[2][:-1]
        return lines, 3
    if kind == "missing":
        line = index(person(3))
        entry = json.loads(lines[line])
        del entry["sn"]
        lines[line] = json.dumps(entry)
        return lines, line + 1
    if kind == "parent":
        line = index(unit_id(5))
        entry = json.loads(lines[line])
        entry["parent"] = f"{PREFIX}-E9999"
        lines[line] = json.dumps(entry)
        return lines, line + 1
    if kind == "cycle":
        line = index(unit_id(1))
        entry = json.loads(lines[line])
        entry["parent"] = unit_id(2)  # the förvaltning under its own klinik
        lines[line] = json.dumps(entry)
        return lines, line + 1
    if kind == "member":
        line = len(lines) - 1
        entry = json.loads(lines[line])
        entry["hsaCommissionMember"].append(f"{PREFIX}-P99999")
        lines[line] = json.dumps(entry)
        return lines, line + 1
    if kind == "duplicate":
        lines.append(lines[1])
        return lines, len(lines)
    if kind == "hsa_id":
        line = index(person(2))
        entry = json.loads(lines[line])
        entry["hsaIdentity"] = "P2"
        lines[line] = json.dumps(entry)
        return lines, line + 1
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["json", "missing", "parent", "cycle", "member", "duplicate", "hsa_id"])
def test_a_broken_file_changes_nothing_and_names_its_line(tmp_path, small, kind):
    sync(tmp_path, small)
    renamed = copy.deepcopy(small)
    renamed[unit_id(3)]["ou"] = "Nytt namn"
    lines, line = _broken(kind, renamed)
    path = tmp_path / "broken.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before, runs = state(), SyncRun.objects.count()

    with pytest.raises(CommandError, match=rf"broken.jsonl: line {line}: "):
        call_command("sync_hsa", str(path), stdout=io.StringIO())

    assert state() == before
    assert SyncRun.objects.count() == runs


def test_a_cycle_through_psweb_is_refused(tmp_path, small):
    sync(tmp_path, small)
    # the region under one of its own avdelningar
    small[unit_id(0)] = {**small[unit_id(0)], "objectClass": "organizationalUnit", "ou": "Region"}
    small[unit_id(0)]["parent"] = unit_id(25)
    del small[unit_id(0)]["o"]

    with pytest.raises(Exception, match="cycle"):
        sync_plan(export=read_export(_lines(small), today=TODAY), today=TODAY)


# --- the admin page -----------------------------------------------------------------------------------------


def test_the_admin_page_shows_the_last_sync_and_its_diff(tmp_path, small, client):
    admin = UserFactory(username="hsa-admin", is_staff=True, is_superuser=True)
    client.force_login(admin)

    empty = client.get("/admin/hsa/syncrun/")
    assert empty.status_code == 200

    run, _ = sync(tmp_path, small)
    page = client.get("/admin/hsa/syncrun/", HTTP_ACCEPT_LANGUAGE="sv")

    assert page.status_code == 200
    text = page.content.decode()
    assert "Organisation från HSA" in text
    assert f"{unit_id(0)} Region Exempelland" in text
    detail = client.get(f"/admin/hsa/syncrun/{run.pk}/change/")
    assert detail.status_code == 200


# --- a move through the sync is a move: the statistics follow ------------------------------------------------


def test_a_move_from_hsa_moves_the_units_incidents_in_the_statistics(tmp_path, cast, tree):
    from accounts.services import orgunit_update
    from incident_stats import selectors
    from tests.incidents.conftest import report

    # given the cast's region with HSA-ids, and two reports from the medicine ward
    ids = {}
    for n, name in enumerate(["region", "forvaltning", "akut", "medicin", "orto", "medicin_ward"]):
        unit = getattr(tree, name)
        ids[name] = unit_id(n)
        orgunit_update(unit=unit, name=unit.name, kind=unit.kind, parent=unit.parent, hsa_id=ids[name], is_active=True)
    report(cast.reporter, tree.medicin_ward)
    report(cast.reporter, tree.medicin_ward)
    entries = {ids["region"]: {"objectClass": "organization", "hsaIdentity": ids["region"], "o": tree.region.name}}
    for name, parent in [
        ("forvaltning", "region"), ("akut", "forvaltning"), ("medicin", "akut"), ("orto", "akut"),
        ("medicin_ward", "orto"),  # HSA has moved the ward to orthopaedics
    ]:  # fmt: skip
        unit = getattr(tree, name)
        entries[ids[name]] = {
            "objectClass": "organizationalUnit", "hsaIdentity": ids[name], "ou": unit.name, "parent": ids[parent]
        }  # fmt: skip

    # when the export is synced
    run, _ = sync(tmp_path, entries)

    # then the ward moved, and its incidents with it
    assert [row["hsa_id"] for row in run.diff["units"]["moved"]] == [ids["medicin_ward"]]

    def counted(unit):
        unit = OrgUnit.objects.get(pk=unit.pk)
        return sum(r["count"] for r in selectors.incident_counts(user=cast.safety_officer, unit=unit, group_by=[]))

    assert counted(tree.orto) == 2
    assert counted(tree.medicin) == 0


# --- single sign-on and the sync share one membership -------------------------------------------------------


def _without_commissions(entries, who: str) -> dict:
    without = copy.deepcopy(entries)
    for commission in commissions_of(without, who):
        commission["hsaCommissionMember"].remove(who)
    return without


def _sign_in(hsa_id: str, unit_hsa_id: str) -> User:
    from sso.services import Identity, sign_in_user

    return sign_in_user(
        Identity(hsa_id=hsa_id, unit_hsa_id=unit_hsa_id, given_name="", family_name="", email="", roles=())
    )


def test_the_sync_takes_over_the_membership_single_sign_on_gave_and_ends_it_with_the_commission(tmp_path, small):
    # given a nurse who signed in with her new commission before HSA's export held it
    today = local_today()
    sync(tmp_path, _without_commissions(small, person(7)), today=today)
    ward = commissions_of(small, person(7))[0]["parent"]
    nurse = _sign_in(person(7), ward)
    signed_in = Membership.objects.get(user=nurse, unit__hsa_id=ward)
    assert signed_in.from_commission and signed_in.role == Role.REPORTER

    # when the export holds the commission
    run, _ = sync(tmp_path, small, today=today)

    # then the sync takes that membership over rather than granting a second one
    assert Membership.objects.filter(user=nurse, unit__hsa_id=ward, role=Role.REPORTER).count() == 1
    assert [(r["person"], r["unit"]) for r in run.diff["memberships"]["adopted"]] == [(person(7), ward)]
    assert (person(7), ward) not in {(r["person"], r["unit"]) for r in run.diff["memberships"]["granted"]}
    assert ProvisionedMembership.objects.get(membership=signed_in).user == nurse
    assert sync(tmp_path, small, today=today)[1].is_empty

    # and ends it when the commission ends
    sync(tmp_path, _without_commissions(small, person(7)), today=today + dt.timedelta(days=31))
    signed_in.refresh_from_db()
    assert signed_in.valid_to == today + dt.timedelta(days=30)


def test_a_role_granted_in_psweb_is_not_taken_over(tmp_path, small):
    today = local_today()
    sync(tmp_path, _without_commissions(small, person(8)), today=today)
    ward = commissions_of(small, person(8))[0]["parent"]
    nurse = User.objects.get(hsa_id=person(8))
    own = MembershipFactory(user=nurse, unit=OrgUnit.objects.get(hsa_id=ward), role=Role.REPORTER, valid_from=today)

    run, _ = sync(tmp_path, small, today=today)

    assert run.diff["memberships"]["adopted"] == []
    assert not ProvisionedMembership.objects.filter(membership=own).exists()


def test_single_sign_on_starts_the_membership_the_sync_gave_from_a_later_day(tmp_path, small):
    # given a commission the sync saw with a start next week
    today = local_today()
    sync(tmp_path, small, today=today)
    ward = commissions_of(small, person(9))[0]["parent"]
    nurse = User.objects.get(hsa_id=person(9))
    provisioned = Membership.objects.get(user=nurse, unit__hsa_id=ward, provisioned__isnull=False)
    Membership.objects.filter(pk=provisioned.pk).update(valid_from=today + dt.timedelta(days=7))

    # when she signs in today with that commission
    _sign_in(person(9), ward)

    # then that membership begins today: one membership, still the sync's
    memberships = Membership.objects.filter(user=nurse, unit__hsa_id=ward, role=Role.REPORTER)
    assert list(memberships.values_list("pk", "valid_from")) == [(provisioned.pk, today)]
