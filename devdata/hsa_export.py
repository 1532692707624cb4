"""A region's HSA-katalogen export, generated (docs/hsa.md): for the tests of `sync_hsa` and
its benchmark (bench/hsa.py).

A care provider (the region) with förvaltningar, their kliniker and the kliniker's
avdelningar; a commission "Vård och behandling" at every klinik and avdelning, and
"Administration" at every klinik; people who each hold one or two of them. HSA-ids in the
region's prefix: `SE2321000016-E0042` (units), `-P00042` (people), `-U00042` (commissions).
Deterministic for a seed. Written as JSON Lines, one entry a line, as `sync_hsa` reads it.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

PREFIX = "SE2321000016"

_FORVALTNINGAR = [
    "Akutsjukvård", "Närsjukvård", "Psykiatri", "Primärvård", "Diagnostik", "Kirurgi",
    "Barn och kvinnor", "Habilitering", "Tandvård", "Rehabilitering",
]  # fmt: skip
_KLINIKER = [
    "Medicinkliniken", "Kirurgkliniken", "Ortopedkliniken", "Kvinnokliniken", "Barnkliniken",
    "Infektionskliniken", "Njurmedicin", "Hjärtkliniken", "Geriatriken", "Neurologiska kliniken",
    "Ögonkliniken", "Öron-näsa-hals", "Onkologiska kliniken", "Urologiska kliniken", "Anestesikliniken",
]  # fmt: skip
_GIVEN = [
    "Anna", "Eva", "Maria", "Karin", "Sara", "Lena", "Emma", "Johanna", "Elin", "Ida", "Erik", "Lars",
    "Karl", "Anders", "Johan", "Per", "Mikael", "Fredrik", "Jonas", "Ahmed", "Fatima", "Sofia", "Nils",
]  # fmt: skip
_FAMILY = [
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
    "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Lindberg", "Lindqvist", "Berg", "Ali", "Holm",
]  # fmt: skip
_TITLES = ["Sjuksköterska", "Undersköterska", "Läkare", "Specialistläkare", "Fysioterapeut", "Arbetsterapeut"]


def unit_id(number: int) -> str:
    return f"{PREFIX}-E{number:04d}"


def region_export(*, units: int = 300, people: int = 2000, seed: int = 16) -> dict[str, dict]:
    """The entries by HSA-id, in the order of the file (parents before their children)."""
    rng = random.Random(seed)
    entries: dict[str, dict] = {}
    region = unit_id(0)
    entries[region] = {
        "objectClass": ["top", "organization"],
        "hsaIdentity": region,
        "o": "Region Exempelland",
        "orgNo": "2321000016",
        "kind": "vardgivare",
    }
    n_forv = max(1, units // 50)
    n_klin = max(n_forv, units // 7)
    n_avd = max(0, units - 1 - n_forv - n_klin)
    forvaltningar, kliniker, number = [], [], 1
    for i in range(n_forv):
        hsa = unit_id(number)
        number += 1
        name = f"{_FORVALTNINGAR[i % len(_FORVALTNINGAR)]}" + (f" {i // len(_FORVALTNINGAR) + 1}" if i >= 10 else "")
        entries[hsa] = _unit(hsa, f"Förvaltning {name}", region, "forvaltning")
        forvaltningar.append(hsa)
    for i in range(n_klin):
        hsa = unit_id(number)
        number += 1
        name = f"{_KLINIKER[i % len(_KLINIKER)]} {i // len(_KLINIKER) + 1}"
        entries[hsa] = _unit(hsa, name, forvaltningar[i % n_forv], "verksamhet", healthcare_unit=True)
        kliniker.append(hsa)
    avdelningar = []
    for i in range(n_avd):
        hsa = unit_id(number)
        number += 1
        entries[hsa] = _unit(hsa, f"Avdelning {i + 1}", kliniker[i % n_klin], "enhet")
        avdelningar.append(hsa)

    staff = []
    for n in range(1, people + 1):
        hsa = f"{PREFIX}-P{n:05d}"
        given, family = rng.choice(_GIVEN), rng.choice(_FAMILY)
        entries[hsa] = {
            "objectClass": ["top", "person", "organizationalPerson", "inetOrgPerson"],
            "hsaIdentity": hsa,
            "givenName": given,
            "sn": family,
            "mail": f"{given.lower()}.{family.lower()}{n}@regionexempelland.invalid",
            "title": rng.choice(_TITLES),
        }
        staff.append(hsa)

    commissions: list[dict] = []
    for unit in [*kliniker, *avdelningar]:
        commissions.append(_commission(len(commissions) + 1, "Vård och behandling", unit, entries[unit]["ou"]))
    for unit in kliniker:
        commissions.append(_commission(len(commissions) + 1, "Administration", unit, entries[unit]["ou"]))
    care = commissions[: len(kliniker) + len(avdelningar)]
    for index, person in enumerate(staff):
        first = care[index % len(care)]
        first["hsaCommissionMember"].append(person)
        if rng.random() < 0.3:
            second = rng.choice(commissions)
            if person not in second["hsaCommissionMember"]:
                second["hsaCommissionMember"].append(person)
    for commission in commissions:
        entries[commission["hsaIdentity"]] = commission
    return entries


def _unit(hsa: str, name: str, parent: str, kind: str, *, healthcare_unit: bool = False) -> dict:
    entry = {"objectClass": ["top", "organizationalUnit"], "hsaIdentity": hsa, "ou": name, "parent": parent}
    entry["kind"] = kind
    if healthcare_unit:
        entry["objectClass"].append("hsaHealthCareUnit")
        entry["hsaHealthCareUnit"] = True
    entry["startDate"] = "2015-01-01"
    return entry


def _commission(number: int, purpose: str, unit: str, unit_name: str) -> dict:
    return {
        "objectClass": ["top", "hsaCommission"],
        "hsaIdentity": f"{PREFIX}-U{number:05d}",
        "cn": f"{purpose}, {unit_name}",
        "hsaCommissionPurpose": purpose,
        "parent": unit,
        "hsaCommissionMember": [],
    }


def write_export(entries: dict[str, dict], path: Path) -> Path:
    lines = (json.dumps(entry, ensure_ascii=False) + "\n" for entry in entries.values())
    path.write_text("".join(lines), encoding="utf-8")
    return path
