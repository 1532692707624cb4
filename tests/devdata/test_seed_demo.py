"""`manage.py seed_demo`: the demo organisation and users a newcomer signs in with."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, OrgUnit, User
from accounts.roles import Role
from actions.models import SOURCE_FIELDS, Action
from devdata.demo import accounts as demo
from incidents.models import Incident
from outbox.models import OutboxMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def debug_on(settings):
    settings.DEBUG = True
    return settings


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "units": OrgUnit.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "outbox": OutboxMessage.objects.count(),
        "actions": Action.objects.count(),
    }


def test_it_builds_a_realistic_tree_of_three_care_providers(debug_on):
    # when
    seed()

    # then
    providers = set(OrgUnit.objects.roots().values_list("name", flat=True))
    assert {"Region Västmanland", "Västerås stad", "Capio Vårdcentral Vallby"} <= providers
    assert OrgUnit.objects.count() >= 25
    assert OrgUnit.objects.aggregate(deepest=Max("depth"))["deepest"] >= 3
    region = OrgUnit.objects.get(name="Region Västmanland", parent=None)
    clinics = OrgUnit.objects.subtree_of(region).filter(kind__code="verksamhet").values_list("name", flat=True)
    assert {"Medicinkliniken", "Ortopedkliniken", "Kirurgkliniken", "Närvården Bäckby"} <= set(clinics)
    hemsjukvard = OrgUnit.objects.get(name="Hemsjukvården")
    assert hemsjukvard.care_provider.name == "Västerås stad"
    # The materialised path agrees with the parent chain for every unit.
    for unit in OrgUnit.objects.select_related("parent"):
        expected = f"{unit.parent.path if unit.parent else '/'}{unit.pk}/"
        assert unit.path == expected


def test_it_gives_every_role_to_a_demo_user(debug_on):
    # when
    seed()

    # then
    roles = set(
        Membership.objects.filter(user__username__in=[u.username for u in demo.USERS]).values_list("role", flat=True)
    )
    assert roles == set(Role.values)
    handler_units = set(Membership.objects.filter(role=Role.HANDLER).values_list("unit__name", flat=True))
    manager_units = set(Membership.objects.filter(role=Role.MANAGER).values_list("unit__name", flat=True))
    assert handler_units == {"Medicinkliniken", "Ortopedkliniken"}
    # and the managers of further units, who submit their self-audits (devdata/demo/audits.py)
    assert {"Medicinkliniken", "Ortopedkliniken"} <= manager_units
    mas = Membership.objects.get(user__username="mas.vasteras")
    assert (mas.role, mas.unit.name) == (Role.CHIEF_PHYSICIAN, "Västerås stad")
    capio = Membership.objects.get(user__username="capio.ssk")
    assert capio.unit.care_provider.name == "Capio Vårdcentral Vallby"
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert not User.objects.filter(is_superuser=True).exclude(username="admin").exists()
    assert all(u.email.endswith("@example.invalid") for u in User.objects.all())


def test_it_is_idempotent(debug_on):
    # given
    seed()
    before = counts()

    # when
    seed()

    # then
    assert counts() == before
    duplicates = Membership.objects.values("user", "unit", "role").annotate(n=Count("id")).filter(n__gt=1)
    assert not duplicates.exists()
    duplicate_units = OrgUnit.objects.values("parent", "name").annotate(n=Count("id")).filter(n__gt=1)
    assert not duplicate_units.exists()


def test_it_fills_the_action_register_from_every_source(debug_on):
    seed()

    nurse = User.objects.get(username="sjukskoterska")
    mine = Action.objects.filter(responsible=nurse).open()
    assert mine.count() >= 3
    assert mine.overdue().exists() and mine.filter(state=Action.State.IN_PROGRESS).exists()
    assert {
        field: Action.objects.filter(**{f"{field}__isnull": False}).exists() for field in SOURCE_FIELDS
    } == dict.fromkeys(SOURCE_FIELDS, True)
    assert Incident.objects.filter(investigation_requested_at__isnull=False).exists()


def test_it_grants_a_membership_again_when_the_old_one_has_ended(debug_on):
    # given a first run, after which chef.orto's membership ended yesterday
    seed()
    today = timezone.localdate()
    Membership.objects.filter(user__username="chef.orto").update(
        valid_from=today - dt.timedelta(days=10), valid_to=today - dt.timedelta(days=1)
    )
    units_before = OrgUnit.objects.count()

    # when
    seed()

    # then
    assert OrgUnit.objects.count() == units_before
    assert Membership.objects.valid_on().filter(user__username="chef.orto", role=Role.MANAGER).count() == 1
    assert Membership.objects.filter(user__username="chef.orto").count() == 2


def test_demo_users_can_sign_in_with_the_printed_password(debug_on, client):
    # when
    output = seed()

    # then every user and password is in the printed table, and the login page accepts them
    for spec in demo.USERS:
        assert spec.username in output
        assert spec.password in output
        response = client.post(reverse("login"), {"username": spec.username, "password": spec.password})
        assert response.status_code == 302, spec.username
        assert client.session["_auth_user_id"] == str(User.objects.get(username=spec.username).pk)
        client.post(reverse("logout"))


def test_demo_passwords_pass_the_password_validators(db):
    for spec in demo.USERS:
        user = User(username=spec.username, first_name=spec.first_name, last_name=spec.last_name, email=spec.email)
        validate_password(spec.password, user)


def test_it_does_not_change_a_password_on_a_second_run(debug_on):
    # given
    seed()
    user = User.objects.get(username="ledning")
    user.set_password("a-personal-password-2026")
    user.save()

    # when
    seed()

    # then
    user.refresh_from_db()
    assert user.check_password("a-personal-password-2026")

    # and --reset-passwords brings the README password back
    seed(reset_passwords=True)
    user.refresh_from_db()
    assert user.check_password("Demo-Bjorkhage-2026")


def test_it_refuses_to_run_without_debug(settings):
    # given
    settings.DEBUG = False

    # when / then
    with pytest.raises(CommandError, match="refuses to run with DEBUG off"):
        seed()
    assert not User.objects.exists()
    assert not OrgUnit.objects.exists()


def test_it_runs_without_debug_when_forced(settings):
    # given
    settings.DEBUG = False

    # when
    seed(force=True)

    # then
    assert User.objects.filter(username="chefslakare").exists()


def test_the_readme_lists_every_demo_user_with_role_unit_and_password():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    rows = {line.split("|")[1].strip(" `"): line for line in readme.splitlines() if line.startswith("| `")}

    for spec in demo.USERS:
        row = rows.get(spec.username)
        assert row is not None, f"{spec.username} is missing from the README's demo users table"
        assert f"`{spec.password}`" in row
        assert spec.role in row
        assert spec.unit[-1] in row


@pytest.mark.django_db(transaction=True)
def test_it_prints_its_table_and_not_the_demo_e_mails(debug_on, capsys):
    """`make run` shows the user table; the demo e-mails the services write are counted, not
    printed, even with the console e-mail backend of a development machine."""
    debug_on.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

    # when
    out = seed(incidents=40)

    # then
    printed = capsys.readouterr().out
    assert "Subject:" not in printed and "Subject:" not in out
    sent = int(out.split("; ")[1].split(" ")[0])
    assert sent > 0
    assert OutboxMessage.objects.filter(sent_at__isnull=False).count() >= sent
    assert out.rstrip().endswith("with one of the users above.")
