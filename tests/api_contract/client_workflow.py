"""The workflow an integrator runs, through the client generated from psweb's schema.

Run by tests/api_contract/generated_client.py with the generator's venv (httpx, attrs), never
by pytest: it imports the generated package `psweb_client` from `--client-dir`.

    python client_workflow.py --client-dir DIR --base-url URL --tokens '{"username": "key", …}'

Every generated module is imported first; then, with the demo users' tokens:
- the nurse reports an incident with an `Idempotency-Key`, and the retry returns the same one;
- the unit's coordinator takes it, classifies it, assesses the risk, adds an action (herself
  responsible), writes the feedback and closes it;
- the indicator editor upserts a measurement twice (saved, then unchanged).
Any answer other than the documented success fails the run, with the body printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import pkgutil
import sys
import uuid


def import_everything(package) -> int:
    count, failures = 0, []
    for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
        count += 1
        try:
            importlib.import_module(module.name)
        except Exception as error:  # noqa: BLE001 - every kind of failure is a finding; report all of them
            failures.append(f"{module.name}: {type(error).__name__}: {error}")
    if failures:
        raise SystemExit("api-client: modules that do not import:\n  " + "\n  ".join(failures))
    return count


def expect(response, status: int, what: str):
    if response.status_code != status:
        body = response.content.decode(errors="replace")[:2000]
        raise SystemExit(f"api-client: {what}: expected {status}, got {response.status_code}: {body}")
    if response.parsed is None:
        raise SystemExit(f"api-client: {what}: the client could not read the answer: {response.content[:2000]!r}")
    print(f"api-client: {what}: {status}", flush=True)
    return response.parsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--client-dir", required=True)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--tokens", required=True)
    args = parser.parse_args()
    sys.path.insert(0, args.client_dir)
    tokens = json.loads(args.tokens)

    import psweb_client

    print(f"api-client: imported {import_everything(psweb_client)} generated modules", flush=True)

    from psweb_client import AuthenticatedClient
    from psweb_client.api.incidents import (
        incidents_actions_create,
        incidents_assess_risk,
        incidents_classify,
        incidents_close,
        incidents_create,
        incidents_feedback,
        incidents_retrieve,
        incidents_take,
    )
    from psweb_client.api.indicators import indicators_list, measurements_create
    from psweb_client.api.me import me_retrieve
    from psweb_client.api.reference import reference_categories_list
    from psweb_client.models import (
        AssessRiskRequest,
        CaseTypeEnum,
        ClassifyRequest,
        EventClassEnum,
        FeedbackRequest,
        IncidentActionCreateRequest,
        IncidentCreateRequest,
        IncidentStatusEnum,
        MeasurementInRequest,
        ReportedKindEnum,
        VersionRequest,
    )

    def client(user: str) -> AuthenticatedClient:
        return AuthenticatedClient(
            base_url=args.base_url, token=tokens[user], prefix="Token", raise_on_unexpected_status=False
        )

    nurse, coordinator, editor = client("sjukskoterska"), client("samordnare.med"), client("matansvarig")

    # The nurse reports; a retry with the same key returns the same incident.
    nurse_me = expect(me_retrieve.sync_detailed(client=nurse), 200, "me (nurse)")
    unit = nurse_me.memberships[0].unit
    key = str(uuid.uuid4())
    report = IncidentCreateRequest(
        unit=unit,
        occurred_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=3),
        description="Patienten fick sin kvällsdos Waran två gånger; upptäcktes vid överrapporteringen.",
        immediate_actions="Läkare kontaktad, INR kontrolleras i morgon bitti.",
        case_type=CaseTypeEnum.CARE,
        reported_kind=ReportedKindEnum.NEAR_MISS,
        patient_involved=False,
    )
    created = expect(incidents_create.sync_detailed(client=nurse, body=report, idempotency_key=key), 201, "report")
    again = expect(incidents_create.sync_detailed(client=nurse, body=report, idempotency_key=key), 200, "retry")
    if again.id != created.id:
        raise SystemExit(f"api-client: the retry made a second incident ({again.id} beside {created.id})")

    # The coordinator handles it.
    me = expect(me_retrieve.sync_detailed(client=coordinator), 200, "me (coordinator)")
    categories = expect(reference_categories_list.sync_detailed(client=coordinator), 200, "categories")
    category = next(c for c in categories if c.in_use)
    incident = expect(
        incidents_take.sync_detailed(created.id, client=coordinator, body=VersionRequest(version=created.version)),
        200,
        "take",
    )
    incident = expect(
        incidents_classify.sync_detailed(
            incident.id,
            client=coordinator,
            body=ClassifyRequest(
                version=incident.version,
                category=category.id,
                event_class=EventClassEnum.NEAR_MISS,
                case_type=CaseTypeEnum.CARE,
            ),
        ),
        200,
        "classify",
    )
    incident = expect(
        incidents_assess_risk.sync_detailed(
            incident.id,
            client=coordinator,
            body=AssessRiskRequest(version=incident.version, probability=2, consequence=3),
        ),
        200,
        "assess risk",
    )
    expect(
        incidents_actions_create.sync_detailed(
            incident.id,
            client=coordinator,
            body=IncidentActionCreateRequest(
                description="Inför dubbelkontroll av antikoagulantia vid kvällens läkemedelsutdelning.",
                responsible=me.id,
                due_date=dt.date.today() + dt.timedelta(days=30),
            ),
        ),
        201,
        "add an action",
    )
    # Adding an action is a change to the incident too: act on its new version.
    incident = expect(incidents_retrieve.sync_detailed(incident.id, client=coordinator), 200, "read again")
    incident = expect(
        incidents_feedback.sync_detailed(
            incident.id,
            client=coordinator,
            body=FeedbackRequest(
                version=incident.version,
                text="Tack för din rapport. Vi inför dubbelkontroll av antikoagulantia på kvällen.",
            ),
        ),
        200,
        "feedback",
    )
    incident = expect(
        incidents_close.sync_detailed(incident.id, client=coordinator, body=VersionRequest(version=incident.version)),
        200,
        "close",
    )
    if incident.status != IncidentStatusEnum.CLOSED:
        raise SystemExit(f"api-client: the incident is {incident.status}, not closed")

    # The indicator editor upserts a measurement: created, then unchanged.
    editor_me = expect(me_retrieve.sync_detailed(client=editor), 200, "me (editor)")
    indicators = expect(indicators_list.sync_detailed(client=editor, page_size=500), 200, "indicators")
    indicator = next(i for i in indicators.results if i.is_active)
    today = dt.date.today()
    period = dt.date(today.year, today.month, 1) - dt.timedelta(days=1)
    row = MeasurementInRequest(
        indicator=indicator.code,
        unit=str(editor_me.memberships[0].unit),
        period_start=period.replace(day=1).isoformat(),
        period_end=period.isoformat(),
        numerator="17",
        denominator="20",
        comment="Punktprevalensmätning, API-klientens prov.",
    )
    first = expect(measurements_create.sync_detailed(client=editor, body=[row]), 200, "measurements (first)")
    second = expect(measurements_create.sync_detailed(client=editor, body=[row]), 200, "measurements (again)")
    # Created on a fresh database (CI); unchanged when run again on a kept one (`--reuse`).
    if first.created + first.updated + first.unchanged != 1 or second.unchanged != 1:
        raise SystemExit(f"api-client: upsert counted {first.to_dict()} then {second.to_dict()}")
    print("api-client: workflow passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
