"""The templates psweb ships (issue 18, item 1), created by migration 0002 for every care
provider to send as they are or to copy: data, in Swedish, as the units read them.

- The medication self-audit follows the control points of Jämtland Härjedalen's yearly
  egenkontroll of läkemedelshantering (`../shared/seeds/003_…`: ansvar, delegering,
  narkotikahantering, lokala rutiner för introduktion och fortbildning, ordinationer, akut
  behov), on the scale på plats / under införande / planerad / saknas; "Narkotikakontroll
  utförs regelbundet minst en gång per månad" is their first statement.
- The hygiene observation counts, per person observed, each of the eight steps of basala
  hygienrutiner och klädregler (SKR's PPM-BHK, `indicators.catalogue.BHK_STEPS`) and whether
  all eight were followed: the counts feed the indicators BHK-1…8 and BHK (`audits.feeds`).
- The PVK/KAD check counts catheters correctly documented; Kronoberg (`004_…`) requires an
  action for a unit whose PVK result is under 85 % (the statement's threshold).
- The radiation-safety self-audit asks yes / no / not applicable of the points a unit using
  ionising radiation checks itself (strålskyddslagen 2018:396; SSM's rules on medical
  exposures: training, dosimetry, quality control of equipment, pregnancy questions,
  reporting of unintended exposures).
"""

from __future__ import annotations

from indicators.catalogue import BHK_STEPS


def _s(key, text, scale, *, help_text="", routine="", threshold=None, indicator_code=""):
    return {
        "key": key,
        "text": text,
        "scale": scale,
        "help_text": help_text,
        "routine": routine,
        "threshold": threshold,
        "indicator_code": indicator_code,
    }


MEDICATION = "LAKEMEDEL"
HYGIENE = "BHK-OBS"
PVK_KAD = "PVK-KAD"
RADIATION = "STRALSKYDD"

TEMPLATES = [
    {
        "code": MEDICATION,
        "title": "Egenkontroll läkemedelshantering",
        "kind": "checklist",
        "description": "Årlig egenkontroll av läkemedelshanteringen på enheten.",
        "areas": [
            (
                "Ansvar och delegering",
                [
                    _s(
                        "lokala-rutiner",
                        "Verksamhetschefen har fastställt lokala rutiner för läkemedelshanteringen",
                        "status",
                        routine="Regionens riktlinje för läkemedelshantering",
                    ),
                    _s(
                        "delegering",
                        "Delegering av läkemedelshantering är skriftlig, tidsbegränsad och följs upp",
                        "status",
                        help_text="Delegeringar ska vara personliga och gälla högst ett år.",
                    ),
                ],
            ),
            (
                "Narkotikahantering",
                [
                    _s(
                        "narkotikakontroll",
                        "Narkotikakontroll utförs regelbundet minst en gång per månad",
                        "status",
                        help_text="Den narkotikaansvariga sjuksköterskan stämmer av saldot mot förbrukningsjournalen.",
                        routine="Rutin för narkotikahantering; checklista för narkotikakontroll",
                    ),
                    _s(
                        "svinn",
                        "Svinn rapporteras i avvikelsesystemet och till enhetschefen",
                        "status",
                    ),
                ],
            ),
            (
                "Introduktion och fortbildning",
                [
                    _s(
                        "introduktion",
                        "Det finns en lokal rutin för introduktion och fortbildning i läkemedelshantering",
                        "status",
                    ),
                ],
            ),
            (
                "Ordinationer",
                [
                    _s(
                        "ordinationer",
                        "Aktuella ordinationer finns i läkemedelslistan",
                        "status",
                        help_text="Ordinationerna kontrolleras vid inskrivning och dagligen.",
                    ),
                    _s("akut-behov", "Det finns en rutin för läkemedel vid akut behov", "status"),
                ],
            ),
        ],
    },
    {
        "code": HYGIENE,
        "title": "Observation basala hygienrutiner och klädregler",
        "kind": "observation",
        "description": "Observera personal i patientnära arbete och räkna hur många som följer varje steg.",
        "areas": [
            (
                "Basala hygienrutiner och klädregler",
                [
                    *(
                        _s(
                            f"steg-{number}",
                            step,
                            "count",
                            routine="Basala hygienrutiner i vård och omsorg (SOSFS 2015:10)",
                            indicator_code=f"BHK-{number}",
                        )
                        for number, step in enumerate(BHK_STEPS, start=1)
                    ),
                    _s(
                        "alla-steg",
                        "Alla åtta steg följda",
                        "count",
                        help_text="Räkna de observerade som följde samtliga åtta steg.",
                        threshold=90,
                        indicator_code="BHK",
                    ),
                ],
            ),
        ],
    },
    {
        "code": PVK_KAD,
        "title": "Kontroll av PVK och KAD",
        "kind": "observation",
        "description": "Kontrollera patienternas perifera venkatetrar och urinkatetrar.",
        "areas": [
            (
                "Perifer venkateter (PVK)",
                [
                    _s(
                        "pvk-dokumenterad",
                        "PVK är dokumenterad med datum och storlek och inspekterad enligt rutin",
                        "count",
                        help_text="Räkna kontrollerade PVK och hur många som uppfyller kraven.",
                        threshold=85,
                    ),
                    _s("pvk-vip", "VIP-score är bedömd varje arbetspass", "count"),
                ],
            ),
            (
                "Kvarliggande urinkateter (KAD)",
                [
                    _s("kad-indikation", "KAD har en dokumenterad indikation", "count"),
                    _s("kad-datum", "Insättningsdatum för KAD är dokumenterat", "count"),
                ],
            ),
            (
                "Vårdhygien",
                [
                    _s(
                        "riskbedomning-vri",
                        "Personalen känner till risker och arbetar med att förebygga vårdrelaterade infektioner (VRI)",
                        "status",
                    ),
                ],
            ),
        ],
    },
    {
        "code": RADIATION,
        "title": "Egenkontroll strålsäkerhet",
        "kind": "checklist",
        "description": "För enheter som använder joniserande strålning.",
        "areas": [
            (
                "Strålsäkerhet",
                [
                    _s("utbildning", "Personalens strålskyddsutbildning är dokumenterad", "yes_no"),
                    _s("dosimetri", "Persondosimetrar bärs och läses av enligt rutin", "yes_no"),
                    _s("kvalitetskontroll", "Kvalitetskontroller av utrustningen är gjorda enligt plan", "yes_no"),
                    _s("graviditet", "Frågan om graviditet ställs före undersökning enligt rutin", "yes_no"),
                    _s(
                        "oavsiktlig-exponering",
                        "Oavsiktlig eller onormal exponering rapporteras som avvikelse",
                        "yes_no",
                        help_text="Allvarliga händelser anmäls även till Strålsäkerhetsmyndigheten.",
                    ),
                ],
            ),
        ],
    },
]
