"""Synthetic complaints in bulk (COPY), for `generate_load --complaints N` and `bench/scale.py`:
the complaints queue at the size of a decade of a large region (issue 17: 300 000).

The shape follows Kronoberg's patientsäkerhetsberättelse 2024 (`../shared/seeds/004_…`) and
DOMAIN.md: most complaints about vård och behandling and kommunikation, then tillgänglighet and
vårdansvar och organisation; 1177's e-service the main channel; about a third sent by the
patientnämnd; about two thirds answered in time. Each complaint is about a ward or a clinic
where incidents happen (weighted as the incidents are), received over `years`, with its
Contact row and its units (the responsible one). No timeline rows: the queue reads none, and
the case page shows an empty timeline for these.

Written with the triggers off (`load._session_for_bulk_work`): no history rows, `sync_xid` 0.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import connection
from django.utils import timezone

from devdata.load import NULL, Report, _copy_text, _incident_units, _next_id, _pick, _reset_sequence, _timed

COLUMNS = (
    "id, reference, status, version, channel, complainant_type, patient_consent, received_on, unit_id, area, "
    "subarea, summary, description, patient_identifier, handler_id, board_unit_id, board_reference, "
    "acknowledged_on, due_on, paused_since, pause_reason, answer_what_happened, answer_why, answer_actions, "
    "answer_apology, answer_where_else, answered_on, answer_way, answered_by_id, forwarded_to, closed_at, "
    "created_by_id, created_at, updated_at"
)
AREAS = [
    ("care", "treatment", 34),
    ("care", "assessment", 10),
    ("communication", "attitude", 14),
    ("communication", "information", 10),
    ("accessibility", "waiting", 9),
    ("accessibility", "reach", 5),
    ("responsibility", "cooperation", 6),
    ("responsibility", "resources", 4),
    ("records", "record_keeping", 3),
    ("finance", "fees", 2),
    ("administration", "handling", 2),
    ("other", "other", 1),
]
SUMMARIES = {
    "care": ["Missnöjd med behandlingen", "Fick fel bedömning på akuten", "Smärtlindring kom för sent"],
    "communication": ["Otrevligt bemötande vid besöket", "Fick ingen information om provsvaret"],
    "accessibility": ["Kom inte fram på telefon", "Lång väntan på operation"],
    "responsibility": ["Ingen tog ansvar vid utskrivningen", "Remissen försvann mellan enheterna"],
    "records": ["Fel uppgifter i journalen"],
    "finance": ["Fick betala för ett uteblivet besök"],
    "administration": ["Kallelsen kom aldrig"],
    "other": ["Synpunkt på parkeringen"],
}
CHANNELS = [("e_service", 40), ("letter", 8), ("phone", 12), ("in_person", 3), ("email", 5), ("staff", 2)]
DAY = dt.timedelta(days=1)


def complaints(count: int, years: float, seed: int, reports: list[Report]) -> int:
    """`count` complaints over the last `years`, a third of them from the region's
    patientnämnd (made here, of kind `patientnamnd`, if the region has none)."""
    if count <= 0:
        return 0
    from accounts.models import OrgUnit, OrgUnitKind, User

    rng = random.Random(seed + 17)
    units = _incident_units()
    regions = [provider for _pk, provider, _path, _setting, _weight in units]
    region = max(set(regions), key=regions.count)
    board = OrgUnit.objects.filter(kind__code="patientnamnd", care_provider_id=region).first()
    if board is None:
        from accounts.services import orgunit_create

        board = orgunit_create(
            name="Patientnämnden",
            kind=OrgUnitKind.objects.get(code="patientnamnd"),
            parent=OrgUnit.objects.get(pk=region),
        )
    unit_table = _pick([pk for pk, *_rest in units], [weight for *_rest, weight in units], size=4000)
    area_table = _pick([(a, s) for a, s, _w in AREAS], [w for _a, _s, w in AREAS])
    channel_table = _pick([c for c, _w in CHANNELS], [w for _c, w in CHANNELS])
    actor = User.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True).first()
    today = timezone.localdate()
    first = today - dt.timedelta(days=int(365 * years))
    span = (today - first).days
    first_id = _next_id("complaints_complaint")
    now = timezone.now().isoformat()
    from complaints.models import ReferenceCounter

    # Numbered on from the counters (the demo's complaints keep theirs).
    by_year: dict[int, int] = dict(ReferenceCounter.objects.values_list("year", "last"))

    def lines():
        out = []
        for n in range(count):
            pk = first_id + n
            received = first + dt.timedelta(days=int(rng.random() * span))
            year = received.year
            by_year[year] = by_year.get(year, 0) + 1
            reference = f"KL-{year}-{by_year[year]:06d}"
            unit = unit_table[int(rng.random() * len(unit_table))]
            area, subarea = area_table[int(rng.random() * len(area_table))]
            from_board = rng.random() < 0.33
            channel = "patient_board" if from_board else channel_table[int(rng.random() * len(channel_table))]
            due = received + 28 * DAY
            age = (today - received).days
            answered_on = acknowledged = closed_at = NULL
            way = ""
            status = "received"
            if age > 3:
                acknowledged = (received + DAY * rng.randint(0, 3)).isoformat()
                status = "acknowledged"
            if age > 10:
                status = "investigating"
            roll = rng.random()
            if age > 60 or (age > 14 and roll < 0.5):
                late = rng.random() < 0.34
                sent = received + DAY * (rng.randint(29, 60) if late else rng.randint(5, 28))
                if sent <= today:
                    answered_on, way = sent.isoformat(), "letter"
                    status = "closed" if age > 45 else "answered"
                    if status == "closed":
                        closed_at = f"{(sent + 2 * DAY).isoformat()} 12:00:00+00"
            if roll > 0.985 and status in ("received", "acknowledged", "investigating"):
                status, closed_at = "withdrawn", f"{today.isoformat()} 12:00:00+00"
            summary = rng.choice(SUMMARIES[area])
            out.append(
                "\t".join(
                    (
                        str(pk),
                        reference,
                        status,
                        "1",
                        channel,
                        "patient" if rng.random() < 0.7 else "relative",
                        "f",
                        received.isoformat(),
                        str(unit),
                        area,
                        subarea,
                        summary,
                        "Klagomålets text, skriven av den som klagar.",
                        "",
                        NULL,
                        str(board.pk) if from_board else NULL,
                        f"PN-{year}-{n:05d}" if from_board else "",
                        acknowledged,
                        due.isoformat(),
                        NULL,
                        "",
                        "Vi har gått igenom det som hände." if answered_on != NULL else "",
                        "",
                        "",
                        "",
                        "",
                        answered_on,
                        way,
                        str(actor) if answered_on != NULL else NULL,
                        "",
                        closed_at,
                        str(actor),
                        now,
                        now,
                    )
                )
                + "\n"
            )
            if len(out) == 25_000:
                yield "".join(out)
                out = []
        if out:
            yield "".join(out)

    def write() -> int:
        for text in lines():
            _copy_text("complaints_complaint", COLUMNS, text)
        last = first_id + count - 1
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO complaints_complaint_units (complaint_id, orgunit_id) "
                "SELECT id, unit_id FROM complaints_complaint WHERE id BETWEEN %s AND %s",
                [first_id, last],
            )
            cursor.execute(
                "INSERT INTO complaints_contact (complaint_id, name, address, phone, email) "
                "SELECT id, '', '', '', '' FROM complaints_complaint WHERE id BETWEEN %s AND %s",
                [first_id, last],
            )
            for year, made in by_year.items():
                cursor.execute(
                    "INSERT INTO complaints_referencecounter (year, last) VALUES (%s, %s) "
                    "ON CONFLICT (year) DO UPDATE SET last = EXCLUDED.last",
                    [year, made],
                )
        _reset_sequence("complaints_complaint")
        return count

    return _timed("complaints", reports, write)
