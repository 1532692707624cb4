"""The action register in the browser: a handler adds an action on an incident's case page and
names a nurse of the ward responsible; the nurse sees the notification, opens "Mina åtgärder"
from the menu and marks the action done with a note on what was done; the handler sees it
done on the case page. "Mina åtgärder" and the list of actions pass axe and reflow at 320 px
(WCAG 1.4.10) without horizontal scrolling."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.roles import Role
from actions.models import Action
from incidents import services
from tests.e2e.conftest import DESKTOP
from tests.e2e.helpers import open_form, open_step, picture, serious_violations, submit
from tests.factories import MembershipFactory, UserFactory
from tests.incidents.conftest import report

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NARROW = {"width": 320, "height": 640}  # WCAG 1.4.10: 320 CSS px without scrolling sideways
DESCRIPTION = "Gå igenom rutinen för dubbelkontroll av insulin med avdelningens sjuksköterskor."
NOTE = "Rutinen genomgången på APT den 3 december; alla sjuksköterskor har kvitterat."


def _all_violations(page) -> list[str]:
    """Every axe finding, whatever its impact (these pages are new: none is accepted)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]


def _sideways_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def _colleague(tree):
    """Another nurse of the ward, who reports the incident (the action goes to cast.reporter)."""
    user = UserFactory(username="kollega", first_name="Karin", last_name="Kollega")
    MembershipFactory(user=user, unit=tree.medicin_ward, role=Role.REPORTER)
    return user


def test_a_nurse_marks_an_action_from_a_case_done_and_the_handler_sees_it(
    page, browser, live_server, cast, tree, sign_in
):
    # given a reported incident of Avdelning 5 that the handler has taken
    incident = report(_colleague(tree), tree.medicin_ward, description="Patienten fick dubbel dos insulin.")
    services.incident_take(incident=incident, actor=cast.handler)

    # when the handler adds an action on the case page and names the nurse responsible
    sign_in(page, cast.handler)
    page.goto(f"{live_server.url}/avvikelser/{incident.pk}/")
    form = "form[action$='/atgarder/']"
    open_step(page, "atgard")
    page.fill(f"{form} textarea[name=description]", DESCRIPTION)
    page.select_option(f"{form} select[name=responsible]", cast.reporter.username)
    page.fill(f"{form} input[name=due_date]", (timezone.localdate() + dt.timedelta(days=14)).isoformat())
    submit(page, form)
    action = Action.objects.get(incident=incident)
    assert action.responsible == cast.reporter
    assert action.state == Action.State.PLANNED

    # then the nurse, signed in, has one unread notification about it
    nurse_context = browser.new_context(viewport=DESKTOP, locale="sv-SE", timezone_id="Europe/Stockholm")
    nurse = nurse_context.new_page()
    nurse.set_default_timeout(10_000)
    sign_in(nurse, cast.reporter)
    bell = nurse.locator("nav.site-nav a[href='/notiser/'] .nav-count")
    assert bell.get_attribute("data-unread") == "1"
    with nurse.expect_navigation():
        nurse.locator("nav.site-nav a[href='/notiser/']").click()
    notification = nurse.locator(".notification--unread")
    assert notification.count() == 1
    assert incident.reference in notification.inner_text()

    # and opens "Mina åtgärder" from the menu, where the action waits for her
    with nurse.expect_navigation():
        nurse.locator("nav.site-nav a[href='/mina-atgarder/']").click()
    assert nurse.locator("nav.site-nav a[href='/mina-atgarder/']").get_attribute("aria-current") == "page"
    card = nurse.locator(f"#action-{action.pk}")
    assert DESCRIPTION in card.inner_text()
    assert incident.reference in card.inner_text()
    progress = f"form[action='/mina-atgarder/{action.pk}/']"
    open_form(nurse, progress)
    picture(nurse, "my-actions")
    assert _all_violations(nurse) == []

    # when she marks it done without saying what was done, the page asks for it
    nurse.check(f"{progress} input[name$=state][value=done]")
    with nurse.expect_navigation():
        nurse.locator(f"{progress} button[type=submit]").click()
    assert nurse.locator(".error-summary").is_visible()
    assert Action.objects.get(pk=action.pk).state == Action.State.PLANNED
    assert _all_violations(nurse) == []

    # and when she says it, the action is marked done
    nurse.check(f"{progress} input[name$=state][value=done]")
    nurse.fill(f"{progress} textarea[name$=progress_note]", NOTE)
    submit(nurse, progress)

    # then the action is done, with her note, and listed under what she did lately
    action.refresh_from_db()
    assert action.state == Action.State.DONE
    assert action.progress_note == NOTE
    assert action.done_at is not None
    done_row = nurse.locator(f"tr#action-{action.pk}")
    assert NOTE in done_row.inner_text()
    assert nurse.locator(f"article#action-{action.pk}").count() == 0
    picture(nurse, "my-actions-done")
    assert _all_violations(nurse) == []
    nurse_context.close()

    # and the handler sees it done on the incident's case page
    page.goto(f"{live_server.url}/avvikelser/{incident.pk}/")
    item = page.locator(f"#action-{action.pk}")
    assert item.locator("dd", has_text="Klar").count() == 1, item.inner_text()
    assert serious_violations(page) == []


def _a_ward_with_actions(cast, tree) -> Action:
    """One open and one done action of the nurse's, from the handler's incident."""
    incident = report(cast.reporter, tree.medicin_ward)
    services.incident_take(incident=incident, actor=cast.handler)
    soon = timezone.localdate() + dt.timedelta(days=3)
    done = services.action_add(
        incident=incident, actor=cast.handler, description=DESCRIPTION, responsible=cast.reporter, due_date=soon
    )
    from actions.services import action_update

    action_update(action=done, actor=cast.reporter, state=Action.State.DONE, progress_note=NOTE)
    return services.action_add(
        incident=incident,
        actor=cast.handler,
        # Long text with a pasted link, as people write: neither may widen the page.
        description="Uppdatera checklistan för läkemedelsutdelning enligt "
        "https://intranat.regionvastmanland.se/rutiner/lakemedel/dubbelkontroll-av-insulin-2026.pdf "
        + "och gå igenom den på arbetsplatsträffen. "
        * 3,
        responsible=cast.reporter,
        due_date=soon,
        effect_class="effective",
    )


@pytest.mark.parametrize(
    "who, path",
    [("reporter", "/mina-atgarder/"), ("handler", "/atgarder/")],
)
def test_the_action_pages_pass_axe_and_reflow_at_320_px(browser, live_server, cast, tree, sign_in, who, path):
    # given an open and a done action of the nurse's
    action = _a_ward_with_actions(cast, tree)
    context = browser.new_context(viewport=NARROW, locale="sv-SE", timezone_id="Europe/Stockholm")
    page = context.new_page()
    page.set_default_timeout(10_000)

    # when the nurse (her own) or the handler (the list) opens the page on a 320 px screen
    sign_in(page, getattr(cast, who))
    page.goto(f"{live_server.url}{path}")
    assert page.locator(f"#action-{action.pk}, tr[data-action='{action.pk}']").count() == 1
    if path == "/mina-atgarder/":
        open_form(page, f"form[action='/mina-atgarder/{action.pk}/']")

    # then nothing scrolls sideways and axe finds nothing
    picture(page, f"actions-320{path.replace('/', '-')}")
    assert _sideways_overflow(page) <= 0
    assert _all_violations(page) == []
    context.close()
