"""The demo organisation and its users, as data: `manage.py seed_demo` loads them.

Modelled on Region Västmanland (names from shared/DOMAIN.md), with a municipality and a
private vårdcentral as separate care providers, so that every scope rule can be tried out by
hand. The passwords are published in the README: these users must never reach production
(`seed_demo` refuses to run with DEBUG off unless forced).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from accounts.roles import Role

# A unit is (name, kind code, children). The first level is the care providers (roots).
Unit = tuple[str, str, tuple["Unit", ...]]


def _u(name: str, kind: str, *children: Unit) -> Unit:
    return (name, kind, children)


# The demo staff have held their roles since before the oldest demo incident, so the demo
# cases written "in the past" (devdata.demo_time) were handled by people in office then.
MEMBERSHIPS_VALID_FROM = dt.date(2020, 1, 1)

REGION = "Region Västmanland"
PATIENT_BOARD = "Patientnämnden Västmanland"
HOSPITAL = "Västmanlands sjukhus Västerås"
ACUTE = "Akutsjukvård"
MEDICINE = "Medicinkliniken"
ORTHOPAEDICS = "Ortopedkliniken"
MUNICIPALITY = "Västerås stad"
CAPIO = "Capio Vårdcentral Vallby"
# The region's vårdval unit, which oversees the private vårdcentraler under their agreements
# (oversight, issue 16). Not an "enhet": the demo incidents are written where care is given.
VARDVAL = "Vårdvalsenheten"

TREE: tuple[Unit, ...] = (
    _u(
        REGION,
        "vardgivare",
        _u(
            HOSPITAL,
            "forvaltning",
            _u(
                ACUTE,
                "omrade",
                _u(
                    MEDICINE,
                    "verksamhet",
                    _u("Avdelning 5, medicin", "enhet"),
                    _u("Avdelning 6, medicin", "enhet"),
                    _u("Medicinmottagningen", "enhet"),
                ),
                _u(
                    ORTHOPAEDICS,
                    "verksamhet",
                    _u("Avdelning 12, ortopedi", "enhet"),
                    _u("Ortopedmottagningen", "enhet"),
                ),
                _u(
                    "Kirurgkliniken",
                    "verksamhet",
                    _u("Avdelning 8, kirurgi", "enhet"),
                    _u("Dagkirurgiska enheten", "enhet"),
                ),
                _u("Akutkliniken", "verksamhet", _u("Akutmottagningen Västerås", "enhet")),
                _u("Kvinnokliniken", "verksamhet", _u("Förlossningen", "enhet"), _u("BB-avdelningen", "enhet")),
                _u("Barn- och ungdomskliniken", "verksamhet", _u("Barnavdelning 4", "enhet")),
                _u("Ambulanssjukvården", "verksamhet", _u("Ambulansstation Västerås", "enhet")),
            ),
            _u(
                "Medicinsk diagnostik",
                "omrade",
                _u("Röntgenkliniken", "verksamhet"),
                _u("Laboratoriemedicin", "verksamhet"),
            ),
        ),
        _u(
            "Västmanlands sjukhus Köping",
            "forvaltning",
            _u("Medicinavdelningen Köping", "enhet"),
            _u("Rehabiliteringsavdelningen Köping", "enhet"),
        ),
        _u("Västmanlands sjukhus Sala", "forvaltning", _u("Medicinavdelningen Sala", "enhet")),
        _u(
            "Västmanlands sjukhus Fagersta",
            "forvaltning",
            _u("Medicinavdelningen Fagersta", "enhet"),
            _u("Akutmottagningen Fagersta", "enhet"),
        ),
        _u(
            "Nära vård",
            "omrade",
            _u("Vuxenpsykiatri", "verksamhet", _u("Psykiatrisk avdelning 71", "enhet")),
            _u("Närvården Bäckby", "verksamhet"),
            _u("Närvården Hemdal", "verksamhet"),
            _u("Närvården Sala-Väsby", "verksamhet"),
        ),
        _u(VARDVAL, "forvaltning"),
        # The region's patientnämnd (lag 2017:372): its officer sees the cases it sends.
        _u(PATIENT_BOARD, "patientnamnd"),
    ),
    _u(
        MUNICIPALITY,
        "vardgivare",
        _u(
            "Vård och omsorg",
            "forvaltning",
            _u(
                "Hemsjukvården",
                "verksamhet",
                _u("Hemsjukvården Norr", "enhet"),
                _u("Hemsjukvården Syd", "enhet"),
            ),
            _u(
                "Särskilda boenden",
                "verksamhet",
                _u("Bäckby vård- och omsorgsboende", "enhet"),
                _u("Skultuna vård- och omsorgsboende", "enhet"),
            ),
        ),
    ),
    _u(CAPIO, "vardgivare", _u("Distriktssköterskemottagningen Vallby", "enhet")),
)


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    title: str
    role: str
    # Path of unit names from the care provider down, e.g. (REGION, HOSPITAL, ACUTE, MEDICINE).
    unit: tuple[str, ...]
    password: str
    is_staff: bool = False
    is_superuser: bool = False

    @property
    def email(self) -> str:
        return f"{self.username}@example.invalid"


_MED = (REGION, HOSPITAL, ACUTE, MEDICINE)
_ORTO = (REGION, HOSPITAL, ACUTE, ORTHOPAEDICS)

# Passwords are deterministic so that the README can list them; each is unlike its user's
# name (Django's similarity validator) and at least 12 characters long.
USERS: tuple[DemoUser, ...] = (
    DemoUser(
        "sjukskoterska",
        "Anna",
        "Lindqvist",
        "Sjuksköterska",
        Role.REPORTER,
        (*_MED, "Avdelning 5, medicin"),
        "Demo-Vitsippa-2026",
    ),
    DemoUser("samordnare.med", "Erik", "Johansson", "Avvikelsesamordnare", Role.HANDLER, _MED, "Demo-Blabar-2026"),
    DemoUser("chef.med", "Maria", "Karlsson", "Verksamhetschef", Role.MANAGER, _MED, "Demo-Lingon-2026"),
    DemoUser("samordnare.orto", "Johan", "Nilsson", "Avvikelsesamordnare", Role.HANDLER, _ORTO, "Demo-Hjortron-2026"),
    DemoUser("chef.orto", "Karin", "Andersson", "Verksamhetschef", Role.MANAGER, _ORTO, "Demo-Smultron-2026"),
    DemoUser("chefslakare", "Lars", "Eriksson", "Chefläkare", Role.CHIEF_PHYSICIAN, (REGION,), "Demo-Tallskog-2026"),
    DemoUser(
        "psstrateg",
        "Eva",
        "Persson",
        "Patientsäkerhetsstrateg",
        Role.SAFETY_OFFICER,
        (REGION,),
        "Demo-Granskog-2026",
    ),
    DemoUser("matansvarig", "Sofia", "Larsson", "Hygienombud", Role.INDICATOR_EDITOR, _MED, "Demo-Kastanj-2026"),
    DemoUser("ledning", "Per", "Olsson", "Hälso- och sjukvårdsdirektör", Role.VIEWER, (REGION,), "Demo-Bjorkhage-2026"),
    DemoUser("analysledare", "Helena", "Gustafsson", "Analysledare", Role.ANALYST, (REGION,), "Demo-Ekbacke-2026"),
    DemoUser(
        "admin",
        "Anders",
        "Svensson",
        "Systemförvaltare",
        Role.ADMIN,
        (REGION,),
        "Demo-Lonnalle-2026",
        is_staff=True,
        is_superuser=True,
    ),
    DemoUser(
        "mas.vasteras",
        "Birgitta",
        "Jonsson",
        "Medicinskt ansvarig sjuksköterska (MAS)",
        Role.CHIEF_PHYSICIAN,
        (MUNICIPALITY,),
        "Demo-Rosenkal-2026",
    ),
    DemoUser(
        "vardval",
        "Ingrid",
        "Berg",
        "Vårdvalshandläggare",
        Role.VIEWER,
        (REGION, VARDVAL),
        "Demo-Sjobotten-2026",
    ),
    DemoUser(
        "capio.ssk",
        "Fatima",
        "Hassan",
        "Distriktssköterska",
        Role.REPORTER,
        (CAPIO, "Distriktssköterskemottagningen Vallby"),
        "Demo-Nyponros-2026",
    ),
    # Last: the demo's other users, and the random draws that pick among them, stay as they were.
    DemoUser(
        "klagomal",
        "Linnea",
        "Holm",
        "Klagomålshandläggare",
        Role.COMPLAINT_HANDLER,
        (REGION,),
        "Demo-Kornblomma-2026",
    ),
    DemoUser(
        "pn.handlaggare",
        "Jonas",
        "Ek",
        "Handläggare, patientnämnden",
        Role.PATIENT_BOARD,
        (REGION, PATIENT_BOARD),
        "Demo-Vallmo-2026",
    ),
)


def iter_units(units: tuple[Unit, ...] = TREE, parent: tuple[str, ...] = ()):
    """Yield (path of names, kind code) depth first, parents before children."""
    for name, kind, children in units:
        path = (*parent, name)
        yield path, kind
        yield from iter_units(children, path)
